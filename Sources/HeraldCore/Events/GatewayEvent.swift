import Foundation

/// Something the gateway did that a watcher (the dashboard's live view, `/metrics`) may want
/// to know. Published after the fact is durable: an event never announces work the store
/// could still lose.
public enum GatewayEvent: Sendable, Equatable {
    /// An adapter committed `count` new messages to the inbox.
    case received(adapter: AdapterID, count: Int)
    /// A model turn of `profile` in `session` was committed with its model calls.
    case turn(TurnEvent)
    /// Every chunk of an outbox row reached the platform.
    case delivered(adapter: AdapterID, outboxID: Int64, platformIDs: [String])
    /// A row will be tried again later (its reason is on the row).
    case deliveryRetry(adapter: AdapterID, outboxID: Int64, reason: String)
    /// A row failed for good.
    case deliveryFailed(adapter: AdapterID, outboxID: Int64, reason: String)
    /// A scheduled job's run changed state (claimed, done, failed).
    case jobRun(job: String, state: JobRun.State)
    /// A pairing request arrived or was decided.
    case pairing
    /// Jobs, skills or tool sets were changed from outside a chat.
    case settingsChanged

    /// A short name for the live view's event type ("turn", "delivery", "job", ...).
    public var kind: String {
        switch self {
        case .received: "message"
        case .turn: "turn"
        case .delivered, .deliveryRetry, .deliveryFailed: "delivery"
        case .jobRun: "job"
        case .pairing: "pairing"
        case .settingsChanged: "settings"
        }
    }
}

/// One committed model turn.
public struct TurnEvent: Sendable, Equatable {
    public var adapter: AdapterID
    public var profile: String
    public var sessionID: String
    /// One element per model call of the turn (sub-agents' calls are their own sessions').
    public var usage: [Usage]
    /// In dollars, from the configured prices; 0 for a local model without a price.
    public var cost: Double
    public var job: String?

    public init(adapter: AdapterID, profile: String, sessionID: String, usage: [Usage], cost: Double, job: String? = nil) {
        self.adapter = adapter
        self.profile = profile
        self.sessionID = sessionID
        self.usage = usage
        self.cost = cost
        self.job = job
    }
}
