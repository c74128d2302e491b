import Foundation
import Synchronization

/// Counters since the process started, fed by the gateway's events: messages in and out,
/// turns, model calls, tokens, cost and delivery failures, by adapter and profile. A scrape
/// (`/metrics`) reads a snapshot; queue depths come from the store at scrape time.
public final class Metrics: Sendable {
    /// A counter's identity: its name and its labels in a fixed order.
    public struct Key: Hashable, Sendable, Comparable {
        public var name: String
        public var labels: [Label]

        public init(_ name: String, _ labels: [Label]) {
            self.name = name
            self.labels = labels
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.name, a.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
                < (b.name, b.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))
        }
    }

    public struct Label: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What each counter means, for the `# HELP` lines.
    public static let help: [String: String] = [
        "herald_messages_received_total": "Messages adapters committed to the inbox.",
        "herald_messages_delivered_total": "Outbox rows whose every chunk reached the platform.",
        "herald_delivery_retries_total": "Deliveries put back to be tried again.",
        "herald_delivery_failures_total": "Deliveries that failed for good.",
        "herald_turns_total": "Model turns committed.",
        "herald_model_calls_total": "Calls to a model backend within committed turns.",
        "herald_prompt_tokens_total": "Prompt tokens sent to models.",
        "herald_cached_tokens_total": "Prompt tokens the model server reused from its cache.",
        "herald_completion_tokens_total": "Tokens the models generated.",
        "herald_cost_dollars_total": "Cost at the configured prices.",
        "herald_job_runs_total": "Scheduled job runs by outcome.",
    ]

    private let values = Mutex<[Key: Double]>([:])

    public init() {}

    public func add(_ name: String, _ labels: [Label], _ amount: Double = 1) {
        values.withLock { $0[Key(name, labels), default: 0] += amount }
    }

    public func snapshot() -> [Key: Double] { values.withLock { $0 } }

    /// Counts what `event` says happened.
    public func record(_ event: GatewayEvent) {
        switch event {
        case .received(let adapter, let count):
            add("herald_messages_received_total", [Label("adapter", adapter.description)], Double(count))
        case .turn(let t):
            let a = Label("adapter", t.adapter.description), p = Label("profile", t.profile)
            add("herald_turns_total", [a, p])
            for u in t.usage {
                let labels = [a, p, Label("model", u.model)]
                add("herald_model_calls_total", labels)
                add("herald_prompt_tokens_total", labels, Double(u.promptTokens))
                add("herald_cached_tokens_total", labels, Double(u.cachedTokens))
                add("herald_completion_tokens_total", labels, Double(u.completionTokens))
            }
            add("herald_cost_dollars_total", [a, p], t.cost)
        case .delivered(let adapter, _, _):
            add("herald_messages_delivered_total", [Label("adapter", adapter.description)])
        case .deliveryRetry(let adapter, _, _):
            add("herald_delivery_retries_total", [Label("adapter", adapter.description)])
        case .deliveryFailed(let adapter, _, _):
            add("herald_delivery_failures_total", [Label("adapter", adapter.description)])
        case .jobRun(let job, let state) where state != .running:
            add("herald_job_runs_total", [Label("job", job), Label("outcome", state.rawValue)])
        case .jobRun, .pairing, .settingsChanged:
            break
        }
    }
}
