import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// Jobs through the real pipeline, with calendar time driven by the test.
@Suite(.serialized) struct SchedulerTests {
    static let start = ISO8601DateFormatter().date(from: "2026-11-27T08:59:30Z")!

    func job(_ name: String, _ schedule: String, chat: String = "c", adapter: ScriptedAdapter, createdAt: Date = start) -> Job {
        Job(
            name: name, schedule: schedule, timeZone: "UTC", profile: "default", prompt: "Write the brief.",
            target: adapter.conversation(chat), createdAt: createdAt)
    }

    @Test(arguments: StoreKind.allCases) func aDueJobDeliversIntoItsChatAndTheHistorySaysSoWithThePlatformID(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let clock = TestWallClock(Self.start)
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], wallClock: clock, storeKind: kind)
        try await h.store.saveJob(job("brief", "0 9 * * *", adapter: adapter), replace: false)
        h.gateway.scheduler.changed.ring()
        clock.advance(by: 30)  // 09:00:00
        try await adapter.waitFor("the brief") { $0.count == 1 }
        await h.shutdown()

        let delivered = try #require(adapter.delivered.first)
        #expect(delivered.message.conversation == adapter.conversation("c"), "delivered to the job's chat")
        #expect(delivered.message.text.contains("Friday 27 November 2026, 09:00 (UTC)"), "the run's real date is in its message")
        #expect(delivered.message.text.contains("Write the brief."))
        let run = try #require(try await h.store.jobRuns("brief", limit: 10).first)
        #expect(run.state == .done)
        #expect(run.delivery == .sent)
        #expect(run.platformMessageID == "m\(delivered.outboxID)")
        #expect(run.output?.hasPrefix("echo: Scheduled job") == true)
        // The date is in the user message, never in the cacheable system prompt.
        let request = try #require(model.requests.first)
        #expect(!request[0].content.contains("2026"))
    }

    @Test(arguments: StoreKind.allCases) func aRefusedDeliveryIsInTheHistoryWithItsReason(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let clock = TestWallClock(Self.start)
        let adapter = ScriptedAdapter(allowed: ["alice"])
        adapter.failures.withLock { $0 = [DeliveryError(.permanent, "403 Forbidden: bot was blocked by the user")] }
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], wallClock: clock, storeKind: kind)
        try await h.store.saveJob(job("brief", "every 1m", adapter: adapter), replace: false)
        h.gateway.scheduler.changed.ring()
        clock.advance(by: 60)
        try await withDeadline(30, "the refused delivery") { await adapter.refused.wait() }
        await h.shutdown()
        let run = try #require(try await h.store.jobRuns("brief", limit: 1).first)
        #expect(run.state == .done, "the model answered")
        #expect(run.delivery == .failed)
        #expect(run.deliveryError?.contains("bot was blocked") == true)
        #expect(adapter.delivered.isEmpty)
    }

    @Test func aRunMissedWhileDownCatchesUpOnceWithinGraceAndIsSkippedOutsideIt() async throws {
        let dir = TempDir()
        let store = try SQLStore(path: dir.file("herald.sqlite"))
        let adapter = ScriptedAdapter()
        let yesterday = ISO8601DateFormatter().date(from: "2026-11-26T12:00:00Z")!
        let recent = try await store.saveJob(job("recent", "0 9 * * *", adapter: adapter, createdAt: yesterday), replace: false)
        let old = try await store.saveJob(job("old", "0 6 * * *", adapter: adapter, createdAt: yesterday), replace: false)
        // Herald was down from before 06:00 until 09:40; the grace window is an hour.
        let clock = TestWallClock(ISO8601DateFormatter().date(from: "2026-11-27T09:40:00Z")!)
        let scheduler = Scheduler(store: store, adapters: [adapter.id], clock: clock, grace: 3600, inboxBell: Doorbell())
        let next = try await scheduler.tick()
        _ = try await scheduler.tick()
        #expect(try await store.jobRuns(recent.name, limit: 10).map(\.state) == [.running], "09:00 runs once, 40 minutes late")
        let skipped = try await store.jobRuns(old.name, limit: 10)
        #expect(skipped.map(\.state) == [.skipped], "06:00 is past the grace window")
        #expect(skipped.first?.error?.contains("missed while Herald was down") == true)
        #expect(try await store.inboxCounts() == ["pending": 1])
        #expect(next == ISO8601DateFormatter().date(from: "2026-11-28T06:00:00Z"), "then it sleeps until the next due run")
    }

    @Test func twoProcessesOnOneStoreRunEachDueRunOnce() async throws {
        let dir = TempDir()
        let path = dir.file("herald.sqlite")
        let first = try SQLStore(path: path)
        let second = try SQLStore(path: path)
        let adapter = ScriptedAdapter()
        try await first.saveJob(job("scan", "every 20m", adapter: adapter), replace: false)
        let clock = TestWallClock(Self.start)
        let a = Scheduler(store: first, adapters: [adapter.id], clock: clock, inboxBell: Doorbell())
        let b = Scheduler(store: second, adapters: [adapter.id], clock: clock, inboxBell: Doorbell())
        for _ in 0..<3 {
            clock.advance(by: 20 * 60)
            async let x = a.tick()
            async let y = b.tick()
            _ = try await (x, y)
            // The run ends (a job runs one run at a time), as a gateway would end it.
            let pending = try await first.pendingInbox(after: 0, adapters: [adapter.id], limit: 10)
            #expect(pending.count == 1, "one inbound event per due run")
            for e in pending { try await first.closeInbox(e.id, as: .failed, error: "ended by the test") }
        }
        #expect(try await first.jobRuns("scan", limit: 10).count == 3)
        #expect(try await first.inboxCounts() == ["failed": 3])
    }

    @Test(arguments: [false, true])
    func afterAWaitOnlyTheLatestDueTimeRunsUnlessTheJobCatchesUp(catchUp: Bool) async throws {
        let dir = TempDir()
        let store = try SQLStore(path: dir.file("herald.sqlite"))
        let adapter = ScriptedAdapter()
        var scan = job("scan", "every 20m", adapter: adapter, createdAt: ISO8601DateFormatter().date(from: "2026-11-27T08:40:00Z")!)
        scan.catchUp = catchUp
        try await store.saveJob(scan, replace: false)
        let clock = TestWallClock(ISO8601DateFormatter().date(from: "2026-11-27T09:00:00Z")!)
        let scheduler = Scheduler(store: store, adapters: [adapter.id], clock: clock, inboxBell: Doorbell())
        try await scheduler.tick()  // 09:00 is claimed, and its run takes an hour
        clock.advance(by: 3600)
        try await scheduler.tick()
        #expect(try await store.jobRuns("scan", limit: 10).count == 1, "nothing is claimed behind a run still going")
        for e in try await store.pendingInbox(after: 0, adapters: [adapter.id], limit: 10) {
            try await store.closeInbox(e.id, as: .failed, error: "ended by the test")
        }
        try await scheduler.tick()
        let runs = try await store.jobRuns("scan", limit: 10)
        let f = ISO8601DateFormatter()
        if catchUp {
            #expect(runs.map(\.scheduledFor) == ["09:20", "09:00"].map { f.date(from: "2026-11-27T\($0):00Z")! }, "the next due time, in turn")
            #expect(runs[0].state == .running)
        } else {
            #expect(runs.map(\.state) == [.running, .skipped, .skipped, .failed], "\(runs.map(\.state))")
            #expect(runs[0].scheduledFor == f.date(from: "2026-11-27T10:00:00Z"), "only the latest runs")
            #expect(runs[1].error == "its time passed while an earlier run was still unfinished")
        }
    }
}
