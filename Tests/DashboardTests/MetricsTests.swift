import HeraldCore
import Synchronization
import Testing

@Suite struct MetricsTests {
    let tg = AdapterID(platform: Platform("telegram"), account: "main")

    func value(_ m: Metrics, _ name: String, _ labels: [(String, String)]) -> Double? {
        m.snapshot()[Metrics.Key(name, labels.map { Metrics.Label($0.0, $0.1) })]
    }

    @Test func aTurnCountsEachModelCallWithItsTokensAndCost() {
        let m = Metrics()
        let usage = [Usage(model: "local", promptTokens: 900, completionTokens: 40, cachedTokens: 800), Usage(model: "cloud", promptTokens: 100, completionTokens: 5)]
        m.record(.turn(TurnEvent(adapter: tg, profile: "default", sessionID: "s", usage: usage, cost: 0.25)))
        m.record(.turn(TurnEvent(adapter: tg, profile: "default", sessionID: "s", usage: [usage[0]], cost: 0)))
        let a = ("adapter", "telegram/main"), p = ("profile", "default")
        #expect(value(m, "herald_turns_total", [a, p]) == 2)
        #expect(value(m, "herald_model_calls_total", [a, p, ("model", "local")]) == 2)
        #expect(value(m, "herald_prompt_tokens_total", [a, p, ("model", "local")]) == 1800)
        #expect(value(m, "herald_cached_tokens_total", [a, p, ("model", "local")]) == 1600)
        #expect(value(m, "herald_completion_tokens_total", [a, p, ("model", "cloud")]) == 5)
        #expect(value(m, "herald_cost_dollars_total", [a, p]) == 0.25)
    }

    @Test func deliveriesAndMessagesCountByAdapterAndAClaimedRunIsNoOutcome() {
        let m = Metrics()
        m.record(.received(adapter: tg, count: 3))
        m.record(.delivered(adapter: tg, outboxID: 1, platformIDs: ["7"]))
        m.record(.deliveryRetry(adapter: tg, outboxID: 2, reason: "429"))
        m.record(.deliveryFailed(adapter: tg, outboxID: 2, reason: "403"))
        m.record(.jobRun(job: "brief", state: .running))
        m.record(.jobRun(job: "brief", state: .failed))
        let a = ("adapter", "telegram/main")
        #expect(value(m, "herald_messages_received_total", [a]) == 3)
        #expect(value(m, "herald_messages_delivered_total", [a]) == 1)
        #expect(value(m, "herald_delivery_retries_total", [a]) == 1)
        #expect(value(m, "herald_delivery_failures_total", [a]) == 1)
        #expect(value(m, "herald_job_runs_total", [("job", "brief"), ("outcome", "running")]) == nil)
        #expect(value(m, "herald_job_runs_total", [("job", "brief"), ("outcome", "failed")]) == 1)
    }

    @Test func everyCounterHasHelpAndTheTotalSuffix() {
        #expect(Metrics.help.keys.allSatisfy { $0.hasPrefix("herald_") && $0.hasSuffix("_total") })
    }

    @Test func watchersAreCalledInTheOrderTheySubscribed() {
        let bus = EventBus(), m = Metrics()
        bus.subscribe { m.record($0) }
        let seen = Mutex<[Double?]>([])
        for _ in 0..<8 {
            bus.subscribe { _ in seen.withLock { $0.append(m.snapshot()[Metrics.Key("herald_messages_received_total", [Metrics.Label("adapter", "telegram/main")])]) } }
        }
        bus.publish(.received(adapter: tg, count: 1))
        // Every later watcher saw the event already counted.
        #expect(seen.withLock { $0 } == Array(repeating: 1, count: 8))
    }
}
