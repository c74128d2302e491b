import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// More of the Bot API contract, through the real `herald run` process.
@Suite(.serialized) struct TelegramBehaviourTests {
    @Test func webhookIsDeletedCommandsRegisteredAndTypingShownBeforeTheReply() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.setWebhook("https://example.invalid/hook")
        let p = try await h.start()
        #expect(h.telegram.webhook == nil)
        let commands = try #require(h.telegram.calls.first { $0.method == "setMyCommands" })
        #expect(["new", "help", "status"].allSatisfy { commands.params["commands"]?.contains($0) == true })
        h.telegram.inject(chat: 111, from: 111, text: "hi")
        try await h.waitForSent("the reply") { !$0.isEmpty }
        try await h.stop(p)
        let methods = h.telegram.calls.map(\.method)
        let typing = try #require(methods.firstIndex(of: "sendChatAction"))
        let reply = try #require(methods.firstIndex(of: "sendMessage"))
        #expect(typing < reply)
    }

    @Test func conflict409IsAnAlarmWithBackoffNotABusyLoop() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        let p = try await h.start()
        h.telegram.setWebhook("https://example.invalid/hook")  // someone set a webhook behind our back
        try await p.waitFor("two 409 alarms", seconds: 60) { _, err in err.filter { $0.contains("409 Conflict") }.count >= 2 }
        try await h.stop(p)
        let polls = h.telegram.calls.filter { $0.method == "getUpdates" }
        let refused = polls.suffix(2)
        #expect(refused.last!.at.timeIntervalSince(refused.first!.at) >= 4, "backoff between refused polls")
        #expect(polls.count < 10)
    }

    @Test func aGroupMigratedToASupergroupKeepsItsSession() async throws {
        let h = try TelegramHarness(groups: "all")
        defer { h.shutdown() }
        h.telegram.addChat(-400, type: "group")
        h.telegram.addChat(-100_400, type: "supergroup")
        let p = try await h.start()
        h.telegram.inject(chat: -400, from: 111, text: "remember the harbour")
        try await h.waitForSent("the first reply") { $0.count == 1 }
        h.telegram.inject(chat: -400, from: 111, text: "", extra: ["migrate_to_chat_id": -100_400])
        h.telegram.inject(chat: -100_400, from: 111, text: "what did I ask you to remember?")
        try await h.waitForSent("the reply in the supergroup") { $0.count == 2 }
        try await h.stop(p)
        #expect(h.telegram.sentMessages.last?.params["chat_id"] == "-100400")
        let prompt = try #require(h.model.requests.last).map(\.content)
        #expect(prompt.contains { $0.hasSuffix("remember the harbour") }, "the session followed the chat to its new id")
    }

    @Test func aTimeoutAfterSendingIsRecordedAsUnknownNotResentAndThePersonIsTold() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.failNextSend(.acceptThenDrop)
        let p = try await h.start()
        h.telegram.inject(chat: 111, from: 111, text: "once only")
        try await p.waitFor("the unknown outcome") { _, err in err.contains { $0.contains("outcome is unknown") } }
        try await h.waitForSent("the notice") { $0.contains { $0.params["text"]?.contains("may not have arrived") == true } }
        h.telegram.inject(chat: 111, from: 111, text: "next")
        try await h.waitForSent("the next reply") { $0.contains { $0.params["text"] == "echo: next" } }
        try await h.stop(p)
        #expect(h.telegram.sentMessages.filter { $0.params["text"] == "echo: once only" }.count == 1, "never sent twice")
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        #expect(try await store.outboxCounts() == [.sent: 3], "the reply (its outcome recorded as unknown), the notice, the next reply")
    }

    @Test func aPhotoWithoutACaptionTellsTheModelWhatCame() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addFile(id: "ph1", data: Data(repeating: 7, count: 2048))
        let p = try await h.start()
        h.telegram.inject(
            chat: 111, from: 111, text: "",
            extra: ["photo": [["file_id": "ph1", "file_unique_id": "P1", "width": 64, "height": 64, "file_size": 2048]]])
        try await h.waitForSent("the reply") { !$0.isEmpty }
        try await h.stop(p)
        let asked = try #require(h.model.requests.last?.last?.content)
        #expect(!asked.isEmpty, "never an empty turn")
        #expect(asked.contains("The person sent a file") && asked.contains("2 KB"), "\(asked)")
    }

    /// A paste of about 8,500 characters, as a Telegram app cuts it: two full pieces and the rest.
    static let paste = (1...3).map { i in (1...(i < 3 ? 108 : 4)).map { "Paragraph \(i).\($0) of the contract text." }.joined(separator: " ") }

    @Test func aLongPasteCutIntoPiecesIsOneTurnWithOneAnswer() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        #expect(Self.paste[0].utf16.count > 3_800 && Self.paste[0].utf16.count <= 4096)
        let p = try await h.start()
        for piece in Self.paste { _ = h.telegram.inject(chat: 111, from: 111, text: piece) }
        try await h.waitForSent("the reply") { !$0.isEmpty }
        // A short message afterwards is its own turn: once it is answered, no piece is left.
        _ = h.telegram.inject(chat: 111, from: 111, text: "thanks")
        try await h.waitForSent("the answer to the thanks") { $0.contains { $0.params["text"]?.hasSuffix("thanks") == true } }
        try await h.stop(p)
        let asked = h.model.requests.compactMap { $0.last { $0.role == "user" }?.content }
        // (The long history is summarised before the next turn: a request that is not a turn.)
        let turns = asked.filter { $0.hasPrefix("Paragraph") || $0.hasSuffix("thanks") }
        #expect(turns.count == 2, "one turn for the paste, one for the thanks: \(turns.map { $0.prefix(40) })")
        #expect(turns.first.map { Self.paste.allSatisfy($0.contains) } == true, "the whole paste in one turn")
    }

    @Test func aHeldPieceSurvivesAKillAndIsJoinedWithTheRest() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        var p = try await h.start()
        let first = h.telegram.inject(chat: 111, from: 111, text: Self.paste[0])
        // The piece is committed (held) once Herald polls past it.
        try await withDeadline(30, "a poll past the held piece") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "getUpdates" && $0.params["offset"] == String(first + 1) } }
        }
        p.kill9()
        _ = try await p.waitForExit()
        #expect(h.model.requests.isEmpty, "nothing answered while the rest may come")
        _ = h.telegram.inject(chat: 111, from: 111, text: Self.paste[2])
        p = try await h.start()
        try await h.waitForSent("the reply") { !$0.isEmpty }
        try await h.stop(p)
        let asked = h.model.requests.compactMap { $0.last { $0.role == "user" }?.content }
        let turns = asked.filter { $0.hasPrefix("Paragraph") }
        #expect(turns.count == 1 && turns[0].contains(Self.paste[0]) && turns[0].contains(Self.paste[2]), "\(turns.map(\.count))")
    }

    @Test func aSinglePieceAtTheLimitIsAnsweredAfterTheShortWait() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let p = try await h.start()
        _ = h.telegram.inject(chat: 111, from: 111, text: Self.paste[0])
        try await h.waitForSent("the reply") { !$0.isEmpty }
        try await h.stop(p)
        #expect(h.model.requests.count == 1)
    }

    @Test func filesAreDownloadedForwardsKeepTheirOriginAndOversizedFilesAreExplained() async throws {
        let h = try TelegramHarness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addFile(id: "doc1", data: Data("quarterly numbers".utf8))
        let p = try await h.start()
        h.telegram.inject(
            chat: 111, from: 111, text: "",
            extra: [
                "caption": "file this",
                "document": ["file_id": "doc1", "file_unique_id": "U1", "file_name": "report.txt", "mime_type": "text/plain", "file_size": 17],
                "forward_origin": ["type": "user", "date": 0, "sender_user": ["id": 5, "is_bot": false, "first_name": "Grace"]],
            ])
        h.telegram.inject(
            chat: 111, from: 111, text: "",
            extra: ["caption": "and this", "document": ["file_id": "big", "file_unique_id": "U2", "file_size": 500 << 20]])
        try await h.waitForSent("both replies") { $0.count == 2 }
        try await h.stop(p)
        let prompts = h.model.requests.compactMap { $0.last?.content }
        #expect(prompts.contains { $0.hasPrefix("[Forwarded from Grace]") && $0.contains("file this") })
        #expect(prompts.contains { $0.contains("and this") && $0.contains("over the 20 MB limit") })
        let saved = h.dir.file("state/files/telegram/main/U1-report.txt")
        #expect(FileManager.default.contents(atPath: saved) == Data("quarterly numbers".utf8))
    }
}
