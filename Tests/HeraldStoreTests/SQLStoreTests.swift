import Foundation
import HeraldCore
import Testing

@testable import HeraldStore

@Suite struct SQLStoreTests {
    let path = NSTemporaryDirectory() + "herald-store-\(UUID().uuidString.prefix(8)).sqlite"
    let adapter = AdapterID(platform: .telegram, account: "bot1")

    func message(_ event: String, chat: String = "42", text: String = "hi") -> InboundMessage {
        InboundMessage(
            conversation: ConversationRef(platform: .telegram, account: "bot1", chat: chat),
            sender: Sender(id: "7", displayName: "Ann"), eventID: event, text: text)
    }

    @Test func fileIsPrivateAndInWALModeWithCurrentSchema() async throws {
        let store = try SQLStore(path: path)
        _ = try await store.commitInbound([message("1")], cursor: nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try await store.schemaVersion() == Migrations.all.count)
        #expect(try await store.journalMode() == "wal")
        // Reopening migrates nothing twice.
        let again = try SQLStore(path: path)
        #expect(try await again.schemaVersion() == Migrations.all.count)
    }

    /// Per-item cursors (an email thread's reply headers) are pruned by prefix and age; the
    /// adapter's position and other adapters' rows stay.
    @Test(arguments: StoreOpener.Kind.allCases) func oldAdapterStateIsPrunedByPrefixAndAgeOnlyAndCursorsStay(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let other = AdapterID(platform: .matrix, account: "x")
        let keys = ["msg:a", "msg:b%", "thread:a", "ms%g"]
        _ = try await store.commitInbound(
            [], cursors: [CursorUpdate(adapter: adapter, key: "uid", value: "7")],
            state: keys.map { CursorUpdate(adapter: adapter, key: $0, value: "v") })
        try await store.setAdapterState("v", adapter: other, key: "msg:a")
        func left() async throws -> [String] {
            var out: [String] = []
            for k in keys where try await store.adapterState(adapter: adapter, key: k) != nil { out.append(k) }
            return out
        }
        // Written just now: nothing is older than an hour ago.
        #expect(try await store.pruneAdapterState(adapter: adapter, prefix: "msg:", writtenBefore: Date().addingTimeInterval(-3600)) == 0)
        // A prefix is literal: % matches only itself.
        #expect(try await store.pruneAdapterState(adapter: adapter, prefix: "ms%", writtenBefore: Date().addingTimeInterval(60)) == 1)
        #expect(try await store.pruneAdapterState(adapter: adapter, prefix: "msg:", writtenBefore: Date().addingTimeInterval(60)) == 2)
        #expect(try await left() == ["thread:a"])
        #expect(try await store.adapterState(adapter: other, key: "msg:a") == "v")
        #expect(try await store.cursor(adapter: adapter, key: "uid") == "7", "the position is a cursor, never pruned with state")
        #expect(try await store.cursor(adapter: adapter, key: "thread:a") == nil, "state is not a cursor")
        try await store.setAdapterState(nil, adapter: adapter, key: "thread:a")
        #expect(try await left().isEmpty)
    }

    @Test(arguments: StoreOpener.Kind.allCases) func duplicateEventsAreIgnoredAndTheCursorCommitsWithTheBatch(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let cursor = CursorUpdate(adapter: adapter, key: "offset", value: "101")
        let first = try await store.commitInbound([message("100"), message("101")], cursor: cursor)
        #expect(first.count == 2)
        let again = try await store.commitInbound([message("101"), message("102")], cursor: CursorUpdate(adapter: adapter, key: "offset", value: "102"))
        #expect(again.map(\.message.eventID) == ["102"])
        #expect(try await store.cursor(adapter: adapter, key: "offset") == "102")
        let pending = try await store.pendingInbox(after: 0, adapters: [adapter], limit: 10)
        #expect(pending.map(\.message.eventID) == ["100", "101", "102"])
        #expect(try await store.pendingInbox(after: 0, adapters: [AdapterID(platform: .matrix, account: "x")], limit: 10).isEmpty)
    }

    @Test(arguments: StoreOpener.Kind.allCases) func turnCommitIsAtomicAndHappensOnce(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let entry = try #require(try await store.commitInbound([message("1")], cursor: nil).first)
        let session = try await store.activeSession(for: entry.message.conversation, profile: "default")
        let turn = TurnCommit(
            inboxID: entry.id, sessionID: session.id,
            appended: [SessionMessage(role: .user, content: "hi", tokens: 2), SessionMessage(role: .assistant, content: "hello", tokens: 3)],
            replies: [OutboundMessage(conversation: entry.message.conversation, text: "hello", inboxID: entry.id)],
            usage: [UsageRecord(sessionID: session.id, profile: "default", usage: Usage(model: "m", promptTokens: 10, completionTokens: 3, cachedTokens: 4), at: Date())])
        #expect(try await store.completeTurn(turn).count == 1)
        #expect(try await store.completeTurn(turn).isEmpty, "a second commit of the same turn writes nothing")
        #expect(try await store.history(sessionID: session.id, limit: 10).map(\.content) == ["hi", "hello"])
        #expect(try await store.usage(sessionID: session.id).first?.usage.cachedTokens == 4)
        #expect(try await store.outboxCounts() == [.pending: 1])
        #expect(try await store.inboxState(entry.id) == "done")
    }

    @Test(arguments: StoreOpener.Kind.allCases) func outboxKeepsOrderPerConversationAndRecoversInterruptedSends(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let a = ConversationRef(platform: .telegram, account: "bot1", chat: "A")
        let b = ConversationRef(platform: .telegram, account: "bot1", chat: "B")
        let ids = try await store.enqueue([
            OutboundMessage(conversation: a, text: "a1"), OutboundMessage(conversation: a, text: "a2"),
            OutboundMessage(conversation: b, text: "b1"),
        ])
        let first = try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10)
        #expect(first.map(\.message.text) == ["a1", "b1"], "a2 waits for a1")
        try await store.markRetry(ids[0], error: "429", notBefore: Date().addingTimeInterval(60))
        #expect(try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10).isEmpty, "a2 never overtakes a1")
        #expect(try await store.recoverInterruptedDeliveries(adapters: [adapter]).isEmpty, "its own live claims are never taken back")
        let restarted = try stores.open()  // another owner, as after a crash and restart
        #expect(try await restarted.recoverInterruptedDeliveries(adapters: [adapter]) == [InterruptedDelivery(id: ids[2], adapter: adapter, chunkInFlight: nil)])
        let later = try await store.claimDueOutbox(now: Date().addingTimeInterval(61), adapters: [adapter], limit: 10)
        #expect(later.map(\.message.text) == ["a1", "b1"])
        #expect(later.first?.attempts == 2)
        try await store.markSent(ids[0], receipt: DeliveryReceipt(platformMessageIDs: ["9"]))
        #expect(try await store.outboxState(ids[0])?.platformMessageID == "9")
        #expect(try await store.claimDueOutbox(now: Date().addingTimeInterval(61), adapters: [adapter], limit: 10).map(\.message.text) == ["a2"])
    }

    @Test(arguments: StoreOpener.Kind.allCases) func pairingCodesAreLimitedAndExpire(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let now = Date()
        func ask(_ sender: String, _ code: String, at t: Date = now) async throws -> PairingOutcome {
            try await store.requestPairing(
                adapter: adapter, sender: Sender(id: sender, displayName: sender),
                conversation: ConversationRef(platform: .telegram, account: "bot1", chat: sender), code: code, now: t,
                validity: 3600, maxPending: 3)
        }
        #expect(try await ask("u1", "AAAAAAAA") == .issued("AAAAAAAA"))
        #expect(try await ask("u1", "BBBBBBBB") == .alreadyPending("AAAAAAAA"))
        #expect(try await ask("u2", "CCCCCCCC") == .issued("CCCCCCCC"))
        #expect(try await ask("u3", "DDDDDDDD") == .issued("DDDDDDDD"))
        #expect(try await ask("u4", "EEEEEEEE") == .tooMany)
        #expect(try await ask("u4", "FFFFFFFF", at: now.addingTimeInterval(3601)) == .issued("FFFFFFFF"), "expired codes free their places")
        #expect(try await store.approvePairing(code: "AAAAAAAA", now: now.addingTimeInterval(3601)) == nil, "an expired code cannot be approved")
        #expect(try await store.approvePairing(code: "CCCCCCCC", now: now)?.sender.id == "u2")
        #expect(try await store.isApproved(adapter: adapter, senderID: "u2"))
        #expect(try await !store.isApproved(adapter: adapter, senderID: "u1"))
    }

    @Test(arguments: StoreOpener.Kind.allCases) func newSessionReplacesTheActiveOne(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let c = ConversationRef(platform: .console, account: "main", chat: "main", thread: "t/1")
        let s1 = try await store.activeSession(for: c, profile: "default")
        #expect(try await store.activeSession(for: c, profile: "other").id == s1.id)
        let s2 = try await store.startNewSession(for: c, profile: "researcher")
        #expect(s2.id != s1.id)
        #expect(try await store.activeSession(for: c, profile: "default").profile == "researcher")
        #expect(try await store.session(id: s1.id)?.conversation == c)
    }

    @Test(arguments: StoreOpener.Kind.allCases) func chunkProgressSurvivesARestartAndOnlyTheChunkOnTheWireIsReported(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let a = ConversationRef(platform: .telegram, account: "bot1", chat: "A")
        let b = ConversationRef(platform: .telegram, account: "bot1", chat: "B")
        _ = try await store.enqueue([OutboundMessage(conversation: a, text: "a"), OutboundMessage(conversation: b, text: "b")])
        let claimed = try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10)
        #expect(claimed.allSatisfy { $0.plan == nil })
        var plan = DeliveryPlan(chunks: ["c1", "c2", "c3"].map { FormattedChunk(text: $0, plain: $0) })
        try await store.markInFlight(claimed[0].id, chunk: 0, plan: plan)
        plan.sent = 1
        plan.platformIDs = ["m1"]
        try await store.recordProgress(claimed[0].id, plan: plan)
        try await store.markInFlight(claimed[0].id, chunk: 1, plan: plan)
        // A crash here: row A has chunk 2 on the wire, row B was claimed but nothing was sent.
        let reopened = try stores.open()
        #expect(
            try await reopened.recoverInterruptedDeliveries(adapters: [adapter]) == [
                InterruptedDelivery(id: claimed[0].id, adapter: adapter, chunkInFlight: 1),
                InterruptedDelivery(id: claimed[1].id, adapter: adapter, chunkInFlight: nil),
            ])
        let again = try await reopened.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10)
        #expect(again.first { $0.id == claimed[0].id }?.plan == plan, "resumes at chunk 2 with chunk 1's id kept")
    }

    @Test(arguments: StoreOpener.Kind.allCases) func rowsWaitingForTheLinkGoWhenItIsBackAndFailedRowsCanBeRetried(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let a = ConversationRef(platform: .telegram, account: "bot1", chat: "A")
        let b = ConversationRef(platform: .telegram, account: "bot1", chat: "B")
        let ids = try await store.enqueue([OutboundMessage(conversation: a, text: "a"), OutboundMessage(conversation: b, text: "b")])
        _ = try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10)
        let later = Date().addingTimeInterval(300)
        try await store.markRetry(ids[0], error: "not connected", notBefore: later, waitsForLink: true, countAttempt: true)
        try await store.markRetry(ids[1], error: "429", notBefore: later, waitsForLink: false, countAttempt: false)
        #expect(try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10).isEmpty)
        #expect(try await store.wakeOutbox(adapter: adapter) == 1)
        let woken = try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10)
        #expect(woken.map(\.id) == [ids[0]], "only the row waiting for the link; the rate-limited one keeps its time")
        try await store.markFailed(ids[0], error: "403 blocked", historyNote: nil)
        #expect(try await store.outboxRecords(states: [.failed], limit: 10).map(\.error) == ["403 blocked"])
        #expect(try await store.retryOutbox(ids[0]))
        #expect(try await !store.retryOutbox(ids[0]), "only a failed row is retried")
        #expect(try await store.claimDueOutbox(now: Date(), adapters: [adapter], limit: 10).map(\.id) == [ids[0]])
    }

    @Test(arguments: StoreOpener.Kind.allCases) func anApprovalIsDecidedOnceAndKeepsTheTurnsPlace(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let store = try stores.open()
        let chat = ConversationRef(platform: .telegram, account: "main", chat: "111")
        let checkpoint = AgentCheckpoint(
            backend: "local", messages: [SessionMessage(role: .user, content: "call it")], appended: [], usage: [], userTokens: 3, round: 1,
            pending: [ToolCall(id: "c1", name: "test__add", arguments: #"{"a":1}"#)])
        let saved = try await store.saveApproval(
            ApprovalRequest(
                inboxID: 7, conversation: chat, owner: "telegram/111", tool: "test.add", arguments: #"{"a":1}"#, createdAt: Date(),
                expiresAt: Date().addingTimeInterval(60), checkpoint: checkpoint))
        #expect(try await store.pendingApprovals(in: chat).map(\.id) == [saved.id])
        #expect(try await store.decideApproval(saved.id, .approved, by: "Ann", at: Date()))
        #expect(try await !store.decideApproval(saved.id, .denied, by: "Bob", at: Date()), "decided once")
        let after = try #require(try await store.approval(forInbox: 7))
        #expect(after.decision == .approved && after.decidedBy == "Ann" && after.checkpoint == checkpoint)
        #expect(try await store.pendingApprovals(in: chat).isEmpty)
    }
}
