import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// The delivery stage through the real `herald run` process and the Telegram fake: lanes that
/// do not wait for each other, flood windows kept, chunk progress that survives a kill.
@Suite(.serialized) struct TelegramDeliveryTests {
    /// A reply long enough for three Telegram messages, each part recognisable.
    static let longReply = (1...3).map { part in
        (1...120).map { "part\(part)word\($0)" }.joined(separator: " ") + "\n\n" + String(repeating: "filler\(part) ", count: 300)
    }.joined(separator: "\n\n")

    @Test func aSlowSendInOneChatDoesNotHoldAnotherChatsReply() async throws {
        let h = try TelegramHarness(allowed: [111, 222])
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addChat(222)
        h.telegram.holdNextSend(chat: 111, seconds: 8)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "slow one")
        try await withDeadline(30, "chat 111's send to be held") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendMessage.held" } }
        }
        h.telegram.inject(chat: 222, from: 222, text: "fast one")
        try await h.waitForSent("both replies") { $0.count == 2 }
        try await h.stop(p)
        let sent = h.telegram.sentMessages.map { $0.params["chat_id"] ?? "" }
        #expect(sent == ["222", "111"], "the other chat's reply went while the slow send was still held")
    }

    @Test func a429OnTheTypingIndicatorHoldsThatChatUntilRetryAfter() async throws {
        let gate = StubOpenAIServer.Gate()
        let h = try TelegramHarness(script: { _ in .gated(gate, "after the window") })
        defer {
            gate.open()
            h.shutdown()
        }
        h.telegram.addChat(111)
        h.telegram.floodNext("sendChatAction", chat: 111, retryAfter: 3)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "hello")
        try await withDeadline(30, "the refused chat action") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendChatAction" && $0.params["_status"] == "429" } }
        }
        gate.open()
        try await h.waitForSent("the reply") { $0.contains { $0.params["text"] == "after the window" } }
        try await h.stop(p)
        #expect(h.telegram.windowViolations.isEmpty, "no request reached the chat inside its flood window")
    }

    @Test func aKillAfterTheFirstOfThreeChunksSendsEachChunkOnce() async throws {
        let h = try TelegramHarness(script: { _ in .text(Self.longReply) })
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let first = try await h.start(fault: "chunk-recorded")
        h.telegram.inject(chat: 111, from: 111, text: "a long answer please")
        try await first.waitFor("the first chunk recorded") { _, err in err.contains("FAULT chunk-recorded") }
        first.kill9()
        _ = try await first.waitForExit()
        #expect(h.telegram.sentMessages.count == 1)

        let second = try await h.start()
        try await h.waitForSent("the other two chunks") { $0.count >= 3 }
        try await h.stop(second)
        let texts = h.telegram.sentMessages.filter { $0.params["_status"] == nil }.compactMap { $0.params["text"] }
        #expect(texts.count == 3, "three chunks, none twice: \(texts.map { $0.prefix(20) })")
        for part in 1...3 { #expect(texts.filter { $0.contains("part\(part)word1 ") }.count == 1, "part \(part) once") }
        #expect(!second.stderr.contains { $0.contains("on the wire at a crash") }, "no chunk was in flight")
    }

    @Test func aKillWithAChunkOnTheWireRepeatsAtMostThatChunkAndSaysSo() async throws {
        let h = try TelegramHarness(script: { _ in .text(Self.longReply) })
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let first = try await h.start(fault: "delivery-sent")
        h.telegram.inject(chat: 111, from: 111, text: "a long answer please")
        try await first.waitFor("the first chunk accepted") { _, err in err.contains("FAULT delivery-sent") }
        first.kill9()
        _ = try await first.waitForExit()

        let second = try await h.start()
        try await h.waitForSent("the rest") { $0.count >= 4 }
        try await h.stop(second)
        let texts = h.telegram.sentMessages.filter { $0.params["_status"] == nil }.compactMap { $0.params["text"] }
        #expect(texts.filter { $0.contains("part1word1 ") }.count == 2, "the chunk in flight at the kill showed twice")
        for part in 2...3 { #expect(texts.filter { $0.contains("part\(part)word1 ") }.count == 1, "part \(part) once") }
        #expect(second.stderr.contains { $0.contains("on the wire at a crash") }, "the possible duplicate is logged")
    }

    @Test func aStopDuringAFloodWaitExitsPromptlyAndTheReplyGoesAfterTheRestart() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.failNextSend(.tooManyRequests(retryAfter: 20))
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "wait for it")
        try await h.waitForSent("the refused send") { !$0.isEmpty }
        kill(p.process.processIdentifier, SIGTERM)
        #expect(try await p.waitForExit(seconds: 15) == 0, "the stop did not wait out the 20 s window")
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        #expect(try await store.outboxCounts() == [.pending: 1], "the reply is kept")

        let second = try await h.start()
        try await h.waitForSent("the reply after the window") {
            $0.contains { $0.params["text"] == "echo: wait for it" && $0.params["_status"] == nil }
        }
        try await h.stop(second)
        #expect(h.telegram.windowViolations.isEmpty, "the restarted Herald kept the window too")
    }

    @Test func aReplyTheChatRefusesIsFailedListedAndThePersonIsTold() async throws {
        let h = try TelegramHarness(allowed: [111, 222])
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addChat(222)
        h.telegram.block(222)
        h.telegram.failNextSend(.badRequest("Bad Request: message must contain something else"))
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "refused")
        try await h.waitForSent("the notice") { $0.contains { $0.params["text"]?.contains("could not deliver") == true } }
        h.telegram.inject(chat: 222, from: 222, text: "blocked")
        try await p.waitFor("the blocked chat's failure") { _, err in err.contains { $0.contains("bot was blocked") } }

        // While the gateway runs: the failures are listed with their reasons, doctor counts them,
        // and a retry of the refused reply is picked up without a restart.
        let list = try HeraldProcess(["outbox", "list", "--state", "failed", "--config", h.config])
        #expect(try await list.waitForExit() == 0)
        let rows = list.stdout
        let refused = try #require(rows.first { $0.contains("must contain something else") }, "\(rows)")
        #expect(rows.contains { $0.contains("bot was blocked by the user") }, "\(rows)")
        let doctor = try HeraldProcess(["doctor", "--config", h.config], environment: ["HERALD_TEST_TG_TOKEN": TelegramHarness.token])
        _ = try await doctor.waitForExit()
        #expect(doctor.stdout.contains { $0.hasPrefix("warn  outbox:") && $0.contains("2 failed") }, "\(doctor.stdout)")
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        let session = try await store.activeSession(
            for: ConversationRef(platform: .telegram, account: "main", chat: "111"), profile: "default")
        let unread = try await store.history(sessionID: session.id, limit: 10).last { $0.role == .assistant }
        #expect(unread?.content.contains("was not delivered") == true, "the next prompt knows it was not read")
        let id = String(refused.prefix { $0.isNumber })
        let show = try HeraldProcess(["outbox", "show", id, "--config", h.config])
        #expect(try await show.waitForExit() == 0)
        #expect(show.stdout.contains { $0.hasPrefix("last error:") && $0.contains("must contain something else") }, "\(show.stdout)")
        #expect(show.stdout.contains { $0.hasPrefix("chunk 1/1 [not sent]") }, "\(show.stdout)")
        let retry = try HeraldProcess(["outbox", "retry", id, "--config", h.config])
        #expect(try await retry.waitForExit() == 0)
        try await h.waitForSent("the retried reply") { $0.contains { $0.params["text"] == "echo: refused" && $0.params["_status"] == nil } }
        try await h.stop(p)

        let notices = h.telegram.sentMessages.filter { $0.params["text"]?.contains("could not deliver") == true }
        #expect(notices.map { $0.params["chat_id"] } == ["111"], "told where the chat still takes messages, only there")
        let reply = try await store.history(sessionID: session.id, limit: 10).last { $0.role == .assistant }
        #expect(reply?.content == "echo: refused", "delivered after the retry: the history no longer says otherwise")
    }

    @Test func aReplyDueWhileTelegramIsBlackHoledArrivesOnceTheNetworkIsBack() async throws {
        let gate = StubOpenAIServer.Gate()
        let h = try TelegramHarness(script: { _ in .gated(gate, "made it through") })
        defer {
            gate.open()
            h.shutdown()
        }
        h.telegram.addChat(111)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "are you there?")
        await gate.waitUntilHeld()
        // Telegram vanishes: connections to its address now time out (SYNs unanswered).
        h.telegram.blackHole()
        let before = h.telegram.sentMessages.count
        gate.open()
        try await p.waitFor("the send to time out and be kept for a retry") { _, err in
            err.contains { $0.contains("delivery will be retried") && $0.contains("Timeout") }
        }
        #expect(h.telegram.sentMessages.count == before, "nothing got through the black hole")
        h.telegram.restore()
        let back = h.telegram
        try await withDeadline(90, "the reply once the network is back") {
            await back.waitFor { $0.contains { $0.method == "sendMessage" && $0.params["_status"] == nil } }
        }
        try await h.stop(p)
        #expect(back.sentMessages.compactMap { $0.params["text"] } == ["made it through"], "delivered once")
        #expect(!p.stderr.contains { $0.contains("delivery failed") || $0.contains("outcome is unknown") }, "never taken for lost")
    }
}
