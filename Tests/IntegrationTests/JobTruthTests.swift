import Foundation
import HeraldCore
import HeraldPeers
import Synchronization
import Testing

/// Jobs whose history says what really happened, through the real pipeline with calendar time
/// driven by the test.
@Suite(.serialized) struct JobTruthTests {
    static let start = ISO8601DateFormatter().date(from: "2026-11-27T08:59:30Z")!
    static func at(_ time: String) -> Date { ISO8601DateFormatter().date(from: "2026-11-27T\(time)Z")! }

    /// A model the test switches off (HTTP 500, as a broken server answers) and on.
    final class Switch: Sendable {
        let down = Mutex(true)
        var script: StubOpenAIServer.Script {
            { [self] messages in
                self.down.withLock { $0 } ? .status(500) : .text("echo: " + (messages.last { $0.role == "user" }?.content ?? ""))
            }
        }
    }

    /// Waits until `predicate` holds for the job's runs (newest first).
    func waitForRuns(_ store: any Store, _ job: String, _ what: String, _ predicate: @escaping @Sendable ([JobRun]) -> Bool) async throws
        -> [JobRun]
    {
        try await withDeadline(30, what) {
            while true {
                let runs = try await store.jobRuns(job, limit: 20)
                if predicate(runs) { return runs }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aModelDownForLongerThanTheJobsPeriodIsRetriedThenFailedAndLaterRunsAreNotQueuedBehindIt(store kind: StoreKind) async throws {
        let model = Switch()
        let server = try StubOpenAIServer(script: model.script)
        defer { server.stop() }
        let clock = TestWallClock(Self.start)
        let adapter = ScriptedAdapter(allowed: ["alice"])
        var settings = GatewaySettings()
        settings.modelBackoff = Backoff(base: .milliseconds(20), cap: .milliseconds(40))
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": server.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], settings: settings,
            wallClock: clock, storeKind: kind)
        try await h.store.saveJob(
            Job(name: "scan", schedule: "every 1m", timeZone: "UTC", profile: "default", prompt: "Scan.", target: adapter.conversation("c"), createdAt: Self.start),
            replace: false)
        h.gateway.scheduler.changed.ring()

        // 09:00:30: the first run is claimed and cannot reach its model.
        clock.advance(to: Self.at("09:00:30"))
        var runs = try await waitForRuns(h.store, "scan", "the first run retrying") { $0.first?.attempts ?? 0 >= 2 }
        let retrying = Gateway.describe(runs[0], zone: "UTC")
        #expect(retrying.hasPrefix("2026-11-27 09:00:30+00:00 retrying (attempt "), "\(retrying)")
        #expect(retrying.contains("HTTP 500"), "the reason is in the history: \(retrying)")
        #expect(runs.count == 1)

        // 09:01:30, its deadline (the next due time): failed; the next run is claimed, not queued behind it.
        clock.advance(to: Self.at("09:01:30"))
        runs = try await waitForRuns(h.store, "scan", "the second run retrying") { $0.count == 2 && $0[0].attempts >= 1 }
        #expect(runs[1].state == .failed && runs[1].error?.contains("could not be reached or kept failing") == true, "\(runs[1])")

        // 09:05:00: the second fails too; of the due times passed meanwhile only the latest runs.
        clock.advance(to: Self.at("09:05:00"))
        runs = try await waitForRuns(h.store, "scan", "the third run") { $0.count == 5 && $0[0].attempts >= 1 }
        #expect(runs.map(\.state) == [.running, .skipped, .skipped, .failed, .failed])
        #expect(runs.map(\.scheduledFor) == ["09:04:30", "09:03:30", "09:02:30", "09:01:30", "09:00:30"].map(Self.at))
        #expect(runs[1].error == "its time passed while an earlier run was still unfinished", "\(runs[1].error ?? "")")

        // The model comes back: that run is answered, with the time it was really asked.
        model.down.withLock { $0 = false }
        try await adapter.waitFor("the result") { $0.contains { !$0.message.isNotice } }
        let asked = try #require(server.requests.last?.last?.content)
        #expect(asked.contains("It is now Friday 27 November 2026, 09:05 (UTC)"), "asked at 09:05, due 09:04:30: \(asked)")
        runs = try await waitForRuns(h.store, "scan", "the result delivered") { $0.first?.delivery == .sent }

        // A new failure after a success is a new streak: told again, once.
        model.down.withLock { $0 = true }
        clock.advance(to: Self.at("09:05:30"))
        _ = try await waitForRuns(h.store, "scan", "the next run retrying") { $0.first?.scheduledFor == Self.at("09:05:30") && $0[0].attempts >= 1 }
        clock.advance(to: Self.at("09:06:30"))
        _ = try await waitForRuns(h.store, "scan", "it failed") { $0.count >= 7 && $0[1].state == .failed }
        try await adapter.waitFor("two failure notices") { $0.filter { $0.message.text.hasPrefix("Scheduled job \"scan\" failed") }.count == 2 }
        await h.shutdown()

        let notices = adapter.delivered.filter(\.message.isNotice).map(\.message.text)
        #expect(notices.count == 2, "one per failure streak, no 'your message is kept': \(notices)")
        #expect(notices.allSatisfy { $0.contains("failed: the model server could not be reached") && $0.contains("/cron history scan") })
        #expect(adapter.delivered.allSatisfy { $0.message.conversation == adapter.conversation("c") }, "all in the job's chat")
    }

    @Test(arguments: StoreKind.allCases)
    func aJobPausedAcrossItsDueTimeSkipsItAndResumeDoesNotFireIt(store kind: StoreKind) async throws {
        let server = try StubOpenAIServer()
        defer { server.stop() }
        let clock = TestWallClock(Self.at("08:00:00"))
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": server.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], wallClock: clock,
            storeKind: kind)
        try await h.store.saveJob(
            Job(name: "brief", schedule: "0 9 * * *", timeZone: "UTC", profile: "default", prompt: "Brief.", target: adapter.conversation("c"),
                createdAt: Self.at("07:00:00")),
            replace: false)
        try await adapter.receive("/cron pause brief", chat: "c")
        try await adapter.waitFor("paused") { $0.count == 1 }
        clock.advance(to: Self.at("09:30:00"))
        try await adapter.receive("/cron resume brief", chat: "c")
        try await adapter.receive("/cron history brief", chat: "c")
        try await adapter.waitFor("the history") { $0.count == 3 }
        // The next day's 09:00 runs as usual.
        clock.advance(to: ISO8601DateFormatter().date(from: "2026-11-28T09:00:00Z")!)
        try await adapter.waitFor("the next day's brief") { $0.count == 4 }
        await h.shutdown()
        let texts = adapter.texts(in: "c")
        #expect(texts[2].contains("2026-11-27 09:00:00+00:00 skipped: paused"), "\(texts[2])")
        #expect(server.requests.count == 1 && server.requests[0].last?.content.contains("Saturday 28 November 2026, 09:00") == true, "no run fired on resume")
        let runs = try await h.store.jobRuns("brief", limit: 5)
        #expect(runs.map(\.state) == [.done, .skipped])
        #expect(runs[1].error == "paused", "not 'missed while Herald was down'")
    }

    /// Paris falls back at 03:00 on 2026-10-25: 02:30 happens twice, an hour apart.
    @Test(arguments: [
        ("2026-10-25T00:30:00Z", "Europe/Paris", "2026-10-25 02:30:00+02:00"),
        ("2026-10-25T01:30:00Z", "Europe/Paris", "2026-10-25 02:30:00+01:00"),
        ("2026-11-27T09:00:05Z", "UTC", "2026-11-27 09:00:05+00:00"),
        ("2026-11-27T09:00:10Z", "America/St_Johns", "2026-11-27 05:30:10-03:30"),
    ])
    func historyTimesCarrySecondsAndTheirOffset(utc: String, zone: String, shown: String) {
        #expect(Gateway.local(ISO8601DateFormatter().date(from: utc)!, zone) == shown)
    }
}

/// The config file owns its jobs, through the real `herald run` process and `herald cron`.
@Suite(.serialized) struct ConfigJobsTests {
    static let gone = """
        [[jobs]]
        name = "gone"
        schedule = "every 2s"
        prompt = "Report the tide."
        target = { platform = "telegram", account = "main", chat = "111" }
        """

    @Test func aJobRemovedFromTheConfigIsGoneAfterARestartItsHistoryKeptAndDeleteRefusesAConfigJob() async throws {
        let h = try TelegramHarness(
            extra: """
                [[jobs]]
                name = "pulse"
                schedule = "every 2s"
                time_zone = "Europe/Paris"
                prompt = "Report the pulse."
                target = { platform = "telegram", account = "main", chat = "111" }

                \(Self.gone)
                """)
        defer { h.shutdown() }
        h.telegram.addChat(111)
        var p = try await h.start()
        try await h.waitForSent("both jobs ran twice") { calls in
            ["pulse", "tide"].allSatisfy { word in calls.filter { $0.params["text"]?.contains(word) == true }.count >= 2 }
        }
        try await h.stop(p)

        // The person takes the job out of the file and starts Herald again.
        let text = try String(contentsOfFile: h.config, encoding: .utf8)
        try text.replacingOccurrences(of: Self.gone, with: "").write(toFile: h.config, atomically: true, encoding: .utf8)
        p = try await h.start()
        let before = h.telegram.sentMessages.filter { $0.params["text"]?.contains("tide") == true }.count
        try await h.waitForSent("two more pulses") { calls in calls.filter { $0.params["text"]?.contains("pulse") == true }.count >= 4 }
        try await h.stop(p)
        #expect(h.telegram.sentMessages.filter { $0.params["text"]?.contains("tide") == true }.count == before, "a removed job does not run")

        let env = ["HERALD_TEST_TG_TOKEN": TelegramHarness.token]
        let list = try HeraldProcess(["cron", "list", "--config", h.config], environment: env)
        #expect(try await list.waitForExit() == 0)
        #expect(list.stdout.contains { $0.hasPrefix("pulse ") && $0.contains("from config") }, "\(list.stdout)")
        #expect(!list.stdout.contains { $0.hasPrefix("gone ") }, "\(list.stdout)")

        let history = try HeraldProcess(["cron", "history", "gone", "--config", h.config], environment: env)
        #expect(try await history.waitForExit() == 0)
        #expect(history.stdout.contains { $0.hasPrefix("removed from the config on ") }, "\(history.stdout)")
        #expect(history.stdout.filter { $0.contains("delivered (message") }.count >= 2, "its history is kept: \(history.stdout)")

        let delete = try HeraldProcess(["cron", "delete", "pulse", "--config", h.config], environment: env)
        #expect(try await delete.waitForExit() == 1)
        #expect(delete.stderr.contains { $0.contains("pulse is defined in the config file") }, "\(delete.stderr)")

        // Times with seconds and offset: two runs of an every-2s job read apart.
        let pulses = try HeraldProcess(["cron", "history", "pulse", "--config", h.config], environment: env)
        #expect(try await pulses.waitForExit() == 0)
        let times = pulses.stdout.compactMap { line -> String? in
            guard line.contains("delivered") else { return nil }
            return line.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d"#, options: .regularExpression).map { String(line[$0]) }
        }
        #expect(times.count >= 4 && Set(times).count == times.count, "\(pulses.stdout)")
        #expect(pulses.stdout.first == "pulse: times in Europe/Paris")
        let utc = try HeraldProcess(["cron", "history", "pulse", "--utc", "--config", h.config], environment: env)
        #expect(try await utc.waitForExit() == 0)
        #expect(utc.stdout.contains { $0.contains("+00:00 done, delivered") }, "\(utc.stdout)")
    }
}
