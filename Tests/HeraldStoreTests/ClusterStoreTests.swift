import Foundation
import HeraldCore
import Testing

@testable import HeraldStore

/// The leases of several nodes on one store, each node its own `SQLStore` (its own
/// connection and owner): on PostgreSQL as nodes run them, and on a SQLite file, whose SQL
/// is the same.
@Suite struct ClusterStoreTests {
    let path = NSTemporaryDirectory() + "herald-cluster-\(UUID().uuidString.prefix(8)).sqlite"
    let telegram = AdapterID(platform: .telegram, account: "bot1")

    func message(_ event: String, chat: String) -> InboundMessage {
        InboundMessage(
            conversation: ConversationRef(platform: .telegram, account: "bot1", chat: chat),
            sender: Sender(id: "7", displayName: "Ann"), eventID: event, text: "m\(event)")
    }

    @Test(arguments: StoreOpener.Kind.allCases)
    func aSessionsLaneIsOneNodesUntilItsLeaseRunsOutAndItsMessagesComeInOrder(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let a = try stores.open(node: "a"), b = try stores.open(node: "b")
        let now = Date()
        _ = try await a.commitInbound(
            [message("1", chat: "x"), message("2", chat: "y"), message("3", chat: "x"), message("4", chat: "z")], cursors: [])
        let first = try await a.claimInbox(adapters: [telegram], newLanes: 2, lease: 10, now: now, limit: 100)
        #expect(
            first.map(\.message.eventID) == ["1", "2", "3"],
            "a takes the two oldest sessions, each with all its messages in order")
        let second = try await b.claimInbox(adapters: [telegram], newLanes: 5, lease: 10, now: now, limit: 100)
        #expect(second.map(\.message.eventID) == ["4"], "b gets only the session nobody works")
        #expect(
            try await a.claimInbox(adapters: [telegram], newLanes: 5, lease: 10, now: now, limit: 100).map(\.message.eventID) == [
                "1", "2", "3",
            ])
        // A new message in a's session goes to a, never to b, while a's lease holds.
        _ = try await b.commitInbound([message("5", chat: "x")], cursors: [])
        #expect(
            try await b.claimInbox(adapters: [telegram], newLanes: 5, lease: 10, now: now, limit: 100).map(\.message.eventID) == [
                "4"
            ])
        // a dies: after its lease b takes its sessions over, from the first open message.
        let later = now.addingTimeInterval(11)
        try await b.closeInbox(4, as: .denied, error: nil)
        #expect(
            try await b.claimInbox(adapters: [telegram], newLanes: 5, lease: 10, now: later, limit: 100).map(\.message.eventID)
                == ["1", "2", "3", "5"])
        #expect(
            try await a.claimInbox(adapters: [telegram], newLanes: 5, lease: 10, now: later, limit: 100).isEmpty,
            "a, back, finds them taken")
    }

    @Test(arguments: StoreOpener.Kind.allCases)
    func aLaneIsReleasedOnlyWhenNothingOfItWaits(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let a = try stores.open(node: "a"), b = try stores.open(node: "b")
        let now = Date()
        let entries = try await a.commitInbound([message("1", chat: "x")], cursors: [])
        _ = try await a.claimInbox(adapters: [telegram], newLanes: 1, lease: 60, now: now, limit: 10)
        #expect(try await a.releaseLane(entries[0].message.conversation.key) == false, "a message still waits: the lane stays")
        try await a.closeInbox(entries[0].id, as: .denied, error: nil)
        #expect(try await b.releaseLane(entries[0].message.conversation.key) == false, "only its holder lets a lane go")
        #expect(try await a.releaseLane(entries[0].message.conversation.key) == true)
        _ = try await a.commitInbound([message("2", chat: "x")], cursors: [])
        #expect(
            try await b.claimInbox(adapters: [telegram], newLanes: 1, lease: 60, now: now, limit: 10).map(\.message.eventID) == [
                "2"
            ], "released: the next message may go to any node")
    }

    @Test(arguments: StoreOpener.Kind.allCases)
    func anAdapterAccountIsOneNodesAtATime(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let a = try stores.open(node: "a"), b = try stores.open(node: "b")
        let now = Date()
        #expect(try await a.acquireAdapter(telegram, lease: 15, now: now))
        #expect(try await a.acquireAdapter(telegram, lease: 15, now: now.addingTimeInterval(5)), "its holder renews it")
        #expect(
            try await b.acquireAdapter(telegram, lease: 15, now: now.addingTimeInterval(19)) == false,
            "renewed at 5 s, it holds to 20 s")
        #expect(
            try await b.acquireAdapter(telegram, lease: 15, now: now.addingTimeInterval(21)), "expired: another node takes it")
        #expect(
            try await a.acquireAdapter(telegram, lease: 15, now: now.addingTimeInterval(22)) == false,
            "and the old holder cannot take it back")
        try await b.releaseAdapter(telegram)
        #expect(try await a.acquireAdapter(telegram, lease: 15, now: now.addingTimeInterval(23)), "a clean stop frees it at once")
    }

    @Test(arguments: StoreOpener.Kind.allCases)
    func aJobsRunIsClaimedOnceAcrossNodes(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let a = try stores.open(node: "a"), b = try stores.open(node: "b")
        let target = ConversationRef(platform: .telegram, account: "bot1", chat: "42")
        let job = try await a.saveJob(
            Job(name: "brief", schedule: "0 9 * * *", profile: "default", prompt: "p", target: target), replace: false)
        let due = Date(timeIntervalSince1970: 1_800_000_000)
        func event(_ n: String) -> InboundMessage {
            InboundMessage(
                conversation: target, sender: Sender(id: "herald", displayName: "cron"), eventID: "job:brief:\(n)", text: "p")
        }
        async let x = a.claimJobRun(job, scheduledFor: due, event: event("a"))
        async let y = b.claimJobRun(job, scheduledFor: due, event: event("b"))
        let claims = try await [x, y].compactMap { $0 }
        #expect(claims.count == 1, "two nodes at the same due time: one run")
        #expect(try await a.jobRuns("brief", limit: 10).count == 1)
    }

    @Test(arguments: StoreOpener.Kind.allCases)
    func renewalKeepsEveryLeaseOfTheNodeAndOnlyItsOwn(_ kind: StoreOpener.Kind) async throws {
        let stores = try StoreOpener(kind, path: path)
        let a = try stores.open(node: "a"), b = try stores.open(node: "b")
        let now = Date()
        _ = try await a.commitInbound([message("1", chat: "x")], cursors: [])
        _ = try await a.claimInbox(adapters: [telegram], newLanes: 1, lease: 10, now: now, limit: 10)
        #expect(try await a.acquireAdapter(telegram, lease: 10, now: now))
        try await a.renewLeases(lease: 10, now: now.addingTimeInterval(8))
        let at = now.addingTimeInterval(15)
        #expect(
            try await b.claimInbox(adapters: [telegram], newLanes: 1, lease: 10, now: at, limit: 10).isEmpty,
            "renewed at 8 s: a holds the lane to 18 s")
        #expect(try await b.acquireAdapter(telegram, lease: 10, now: at) == false)
        #expect(
            try await b.claimInbox(adapters: [telegram], newLanes: 1, lease: 10, now: now.addingTimeInterval(19), limit: 10).count
                == 1)
    }
}

/// PostgreSQL only: what a shared database adds.
@Suite(.enabled(if: StoreOpener.postgresURL != nil || StoreOpener.required, "needs PostgreSQL: run `make test`"))
struct PostgresStoreTests {
    @Test func nodesStartingAtOnceMigrateTheSchemaOnce() async throws {
        let opener = try StoreOpener(.postgres, path: "")
        let stores = try await withThrowingTaskGroup(of: SQLStore.self) { group in
            for i in 0..<4 { group.addTask { try opener.open(node: "n\(i)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for s in stores { #expect(try await s.schemaVersion() == PostgresMigrations.all.count) }
    }

    @Test func aPasswordNeverShowsInAnErrorOrTheStoresName() throws {
        let url = try #require(StoreOpener.postgresURL)
        #expect(PostgresConnection.redacted("postgresql://herald:sk-live-123@db/herald").contains("sk-live-123") == false)
        do {
            _ = try SQLStore(postgres: url.replacingOccurrences(of: "/herald", with: "/no_such_db"), password: "sk-live-123")
            Issue.record("connected to a database that does not exist")
        } catch {
            #expect("\(error)".contains("no_such_db"), "the error says what it could not reach: \(error)")
            #expect(!"\(error)".contains("sk-live-123"))
        }
    }

    @Test func textWithNULIsKeptVisibleAndTheRestIsNotLost() async throws {
        let store = try StoreOpener(.postgres, path: "").open()
        let c = ConversationRef(platform: .telegram, account: "bot1", chat: "1")
        let session = try await store.activeSession(for: c, profile: "default")
        try await store.append([SessionMessage(role: .user, content: "before\u{0}after", tokens: 1)], usage: [], to: session.id)
        #expect(try await store.history(sessionID: session.id, limit: 5).map(\.content) == ["before\u{FFFD}after"])
    }
}
