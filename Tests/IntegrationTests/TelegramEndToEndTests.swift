import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// The real `herald run` process against the fake Bot API server.
@Suite(.serialized) struct TelegramEndToEndTests {
    @Test(arguments: ["inbound-committed", "telegram-updates-fetched"])
    func killedAtAnyPointTheUpdateIsAnsweredOnce(point: String) async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let first = try await h.start(fault: point)
        let update = h.telegram.inject(chat: 111, from: 111, text: "hello from the phone")
        try await first.waitFor("the fault point") { _, err in err.contains("FAULT \(point)") }
        first.kill9()
        _ = try await first.waitForExit()
        if point == "telegram-updates-fetched" {
            #expect(h.telegram.pendingUpdates.contains(update), "the offset did not move: Telegram still holds the update")
        }

        let second = try await h.start()
        // After a kill mid-turn the re-run tells the model (and so the echo) it was interrupted.
        let answer: @Sendable (FakeTelegramServer.Call) -> Bool = { $0.params["text"]?.hasSuffix("hello from the phone") == true }
        try await h.waitForSent("the reply") { $0.contains(where: answer) }
        // One more poll round proves nothing else is on its way.
        let polls = h.telegram.calls.filter { $0.method == "getUpdates" }.count
        try await withDeadline(30, "another poll") { [telegram = h.telegram] in
            await telegram.waitFor { $0.filter { $0.method == "getUpdates" }.count > polls + 1 }
        }
        try await h.stop(second)
        #expect(h.telegram.sentMessages.filter(answer).count == 1)
        #expect(h.model.requests.filter { $0.last?.content.hasSuffix("hello from the phone") == true }.count == 1)
        #expect(h.telegram.pendingUpdates.isEmpty || !h.telegram.pendingUpdates.contains(update))
    }

    @Test func floodControlHoldsEverySendForRetryAfterThenDeliversChunksInOrder() async throws {
        let long = (1...3).map { "Part \($0): " + String(repeating: "lorem ipsum \($0) ", count: 150) }.joined(separator: "\n\n")
        let h = try TelegramHarness { _ in .text(long, pieces: 4) }
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.failNextSend(.tooManyRequests(retryAfter: 3))
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "write a lot")
        try await h.waitForSent("all chunks") { calls in calls.filter { $0.params["text"]?.hasPrefix("Part 3") == true }.count == 1 }
        try await h.stop(p)
        let sends = h.telegram.sentMessages
        #expect(sends.count == 4, "one refused with 429, then three chunks")
        #expect(sends[1].at.timeIntervalSince(sends[0].at) >= 3.0, "nothing was sent during retry_after")
        #expect(sends.dropFirst().map { $0.params["text"]?.prefix(6) } == ["Part 1", "Part 2", "Part 3"])
    }

    @Test func longRepliesArriveAsValidChunksAndFallBackToPlainText() async throws {
        var parts: [String] = []
        for i in 0..<64 {
            parts.append("Paragraph \(i): 🚀 emoji 👩‍👩‍👧 and <*_&> with **bold** and `inline <code>` and some more filler text for length.")
            if i % 9 == 4 { parts.append("```swift\n" + (0..<15).map { "let v\($0) = \"<&>\" // 🐍" }.joined(separator: "\n") + "\n```") }
        }
        let reply = parts.joined(separator: "\n\n")
        #expect(reply.count > 9000)
        let h = try TelegramHarness { _ in .text(reply, pieces: 8) }
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "essay please")
        try await h.waitForSent("the last chunk") { $0.contains { $0.params["text"]?.contains("Paragraph 63") == true } }
        let html = h.telegram.sentMessages
        #expect(html.count >= 3)
        #expect(html.allSatisfy { $0.params["parse_mode"] == "HTML" })
        let blocks = html.map { $0.params["text"] ?? "" }.joined().components(separatedBy: "<pre>").count - 1
        #expect(blocks == 7, "each code block arrives whole")
        #expect(html.allSatisfy { ($0.params["text"] ?? "").components(separatedBy: "<pre>").count == ($0.params["text"] ?? "").components(separatedBy: "</pre>").count })

        h.telegram.failNextSend(.rejectEntities)
        h.telegram.inject(chat: 111, from: 111, text: "again")
        try await h.waitForSent("the second reply") { $0.filter { $0.params["text"]?.contains("Paragraph 63") == true }.count == 2 }
        try await h.stop(p)
        let firstChunks = h.telegram.sentMessages.filter { $0.params["text"]?.hasPrefix("Paragraph 0: 🚀") == true }
        #expect(firstChunks.map { $0.params["parse_mode"] } == ["HTML", "HTML", nil], "HTML, rejected HTML, then one plain resend")
        #expect(firstChunks.last?.params["text"]?.contains("<*_&>") == true, "plain text is sent as it is")
        #expect(h.telegram.sentMessages.filter { $0.params["parse_mode"] == nil }.count == 1)
    }

    @Test func forumTopicsAreSeparateSessionsAndRepliesLandInTheirTopic() async throws {
        let h = try TelegramHarness(groups: "all")
        defer { h.shutdown() }
        h.telegram.addChat(-100_200, type: "supergroup", forum: true, topics: [5, 7])
        let p = try await h.start()
        h.telegram.inject(chat: -100_200, from: 111, text: "general-alpha")
        h.telegram.inject(chat: -100_200, from: 111, text: "topic5-beta", thread: 5)
        h.telegram.inject(chat: -100_200, from: 111, text: "topic7-gamma", thread: 7)
        try await h.waitForSent("three replies") { $0.count == 3 }
        try await h.stop(p)
        let sent = Dictionary(uniqueKeysWithValues: h.telegram.sentMessages.map { ($0.params["text"] ?? "", $0.params["message_thread_id"]) })
        #expect(sent["echo: Ann: general-alpha"] == .some(nil), "General is reached without message_thread_id")
        #expect(sent["echo: Ann: topic5-beta"] == "5")
        #expect(sent["echo: Ann: topic7-gamma"] == "7")
        for prompt in h.model.requests {
            let text = prompt.map(\.content).joined()
            #expect([text.contains("alpha"), text.contains("beta"), text.contains("gamma")].filter { $0 }.count == 1)
        }
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        #expect(try await store.sessions(limit: 10).count == 3)
    }

    @Test func strangersGetAPairingCodeAndUnaddressedGroupChatterIsIgnored() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(999)
        h.telegram.addChat(-100_300, type: "supergroup")
        let p = try await h.start()
        h.telegram.inject(chat: -100_300, from: 111, text: "lunch anyone?")
        h.telegram.inject(chat: 999, from: 999, name: "Mallory", text: "give me the secret-plan")
        h.telegram.inject(chat: -100_300, from: 111, text: "@herald_test_bot summarise please")
        try await h.waitForSent("the pairing notice and the group answer") { $0.count == 2 }
        try await h.stop(p)
        let texts = h.telegram.sentMessages.map { $0.params["text"] ?? "" }
        #expect(texts.contains { $0.contains("pairing code is") })
        #expect(texts.contains("echo: Ann: summarise please"), "a group turn says who spoke")
        #expect(!h.model.requests.contains { $0.map(\.content).joined().contains("secret-plan") })
        #expect(!h.model.requests.contains { $0.map(\.content).joined().contains("lunch") })
    }

    @Test func aStrangersPairingCodeGoesToTheirPrivateChatNeverToTheGroup() async throws {
        let h = try TelegramHarness(groups: "mention")
        defer { h.shutdown() }
        h.telegram.addChat(-100_500, type: "supergroup")
        h.telegram.addChat(777)  // Mallory once started the bot, so it may write to her
        let p = try await h.start()
        h.telegram.inject(chat: -100_500, from: 777, name: "Mallory", text: "@herald_test_bot let me in")
        try await h.waitForSent("the code, privately") { $0.contains { $0.params["text"]?.contains("pairing code is") == true } }
        try await h.stop(p)
        let sent = h.telegram.sentMessages
        #expect(sent.filter { $0.params["text"]?.contains("pairing code is") == true }.map { $0.params["chat_id"] } == ["777"])
        #expect(!sent.contains { $0.params["chat_id"] == "-100500" }, "nothing in the group")
        #expect(h.model.requests.isEmpty)
    }

    @Test func aCommandForAnotherBotIsIgnoredEvenInAPrivateChat() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "/status@other_bot")
        h.telegram.inject(chat: 111, from: 111, text: "/help@herald_test_bot")
        h.telegram.inject(chat: 111, from: 111, text: "after the commands")
        try await h.waitForSent("the barrier reply") { $0.contains { $0.params["text"] == "echo: after the commands" } }
        try await h.stop(p)
        let texts = h.telegram.sentMessages.compactMap { $0.params["text"] }
        #expect(texts.count == 2, "help and the echo, nothing for /status@other_bot: \(texts)")
        #expect(!texts.contains { $0.contains("Profile:") }, "no /status answer")
        #expect(texts.first?.contains("/help") == true || texts.first?.contains("/new") == true, "our own /help was answered")
    }

    @Test func aSecondGatewayOnTheSameStateExitsAtOnceAndEachMessageIsAnsweredOnce() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let first = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "before the second")
        try await h.waitForSent("the first reply") { $0.count == 1 }
        let env = ["HERALD_TEST_TG_TOKEN": TelegramHarness.token]
        let second = try HeraldProcess(["run", "--config", h.config], environment: env)
        #expect(try await second.waitForExit(seconds: 10) == 69, "refused, not retried forever")
        #expect(second.stderr.contains { $0.contains("another Herald (pid \(first.process.processIdentifier)) is running on") })
        let chat = try HeraldProcess(["chat", "--config", h.config], environment: env)
        chat.closeInput()
        #expect(try await chat.waitForExit(seconds: 10) == 69, "herald chat runs a gateway too")
        h.telegram.inject(chat: 111, from: 111, text: "after the second")
        try await h.waitForSent("the second reply") { $0.count == 2 }
        try await h.stop(first)
        #expect(h.telegram.sentMessages.compactMap { $0.params["text"] } == ["echo: before the second", "echo: after the second"])
        for text in ["before the second", "after the second"] {
            #expect(h.model.requests.filter { $0.last?.content == text }.count == 1, "one model call for '\(text)'")
        }
        #expect(first.stderr.allSatisfy { !$0.contains("409") && !$0.contains("interrupted") })
    }

    @Test func shortCommandsChangeARunningGateway() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(999)
        let p = try await h.start()
        h.telegram.inject(chat: 999, from: 999, name: "Zoe", text: "hello?")
        try await h.waitForSent("the pairing code") { $0.contains { $0.params["text"]?.contains("pairing code is") == true } }
        let text = h.telegram.sentMessages.compactMap { $0.params["text"] }.first { $0.contains("pairing code is") } ?? ""
        let code = try #require(text.split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }
            .first { $0.count == 8 && $0.allSatisfy { $0.isUppercase || $0.isNumber } && $0.contains { $0.isLetter } })
        let approve = try HeraldProcess(["pair", "approve", code, "--config", h.config])
        #expect(try await approve.waitForExit() == 0)
        h.telegram.inject(chat: 999, from: 999, name: "Zoe", text: "now?")
        try await h.waitForSent("the approved person's answer") { $0.contains { $0.params["text"] == "echo: now?" } }

        let add = try HeraldProcess([
            "cron", "add", "ping", "--schedule", "every 5s", "--prompt", "scheduled ping", "--to", "telegram/main/999",
            "--config", h.config,
        ])
        #expect(try await add.waitForExit() == 0, "\(add.stderr)")
        try await withDeadline(60, "the job added while running to run") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendMessage" && $0.params["text"]?.contains("scheduled ping") == true } }
        }
        try await h.stop(p)
    }

    @Test func theTokenNeverAppearsInLogsOrDoctorOutput() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.block(111)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "are you there?")
        try await h.waitForSent("the refused reply") { !$0.isEmpty }
        try await p.waitFor("the delivery failure in the log") { _, err in err.contains { $0.contains("delivery failed for good") } }
        h.telegram.stop()  // every later call fails at the transport
        try await h.stop(p)
        let doctor = try HeraldProcess(["doctor", "--config", h.config], environment: ["HERALD_TEST_TG_TOKEN": TelegramHarness.token])
        _ = try await doctor.waitForExit()
        let everything = p.stderr + p.stdout + doctor.stdout + doctor.stderr
        #expect(everything.contains { $0.contains("bot was blocked") })
        #expect(!everything.contains { $0.contains("AAH-test-SECRET") }, "the token leaked")
    }
}
