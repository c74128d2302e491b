import Foundation

/// The outbox as the delivery stage sees it: claims, durable chunk progress and outcomes.
/// SQLStore implements it; the delivery stage takes nothing more of the store.
public protocol OutboxStore: Sendable {
    /// Queues messages that answer no inbox row (notices, job results).
    @discardableResult
    func enqueue(_ messages: [OutboundMessage]) async throws -> [Int64]
    /// Marks due rows `sending` and returns them: only the oldest unfinished row of each
    /// conversation, so replies go out in order and one conversation is one lane.
    func claimDueOutbox(now: Date, adapters: Set<AdapterID>, limit: Int) async throws -> [OutboxEntry]
    /// Saves the plan and marks chunk `chunk` as on the wire, before it is sent: after a crash
    /// only a row with a chunk in flight can show something twice.
    func markInFlight(_ id: Int64, chunk: Int, plan: DeliveryPlan) async throws
    /// Records the plan after a chunk was acknowledged (or re-cut); clears the in-flight mark.
    func recordProgress(_ id: Int64, plan: DeliveryPlan) async throws
    func markSent(_ id: Int64, receipt: DeliveryReceipt) async throws
    /// Back to pending until `notBefore`. `waitsForLink` rows go as soon as the adapter's link
    /// is up again; `countAttempt` false gives back the attempt the claim counted (the platform
    /// said when to come back, or the stage stopped before sending).
    func markRetry(_ id: Int64, error: String, notBefore: Date, waitsForLink: Bool, countAttempt: Bool) async throws
    /// Fails the row for good. `historyNote` is appended to the assistant message the row
    /// carried, so the next prompt does not assume the person read it.
    func markFailed(_ id: Int64, error: String, historyNote: String?) async throws
    /// Rows left `sending` by a crash go back to `pending`.
    func recoverInterruptedDeliveries(adapters: Set<AdapterID>) async throws -> [InterruptedDelivery]
    /// Rows of `adapter` waiting for its link become due now; returns how many.
    @discardableResult
    func wakeOutbox(adapter: AdapterID) async throws -> Int
    /// The earliest `next_attempt_at` of pending rows, to sleep until.
    func nextOutboxAttempt(adapters: Set<AdapterID>) async throws -> Date?
    func outboxState(_ id: Int64) async throws -> (state: OutboxState, platformMessageID: String?, error: String?)?
    /// Rows for `herald outbox list`, newest first; `states` empty means all.
    func outboxRecords(states: Set<OutboxState>, limit: Int) async throws -> [OutboxRecord]
    func outboxRecord(_ id: Int64) async throws -> OutboxRecord?
    /// A failed row goes back to pending, due now, from the chunk where it stopped.
    func retryOutbox(_ id: Int64) async throws -> Bool
    /// Rows per state, for `herald doctor` and `/status`.
    func outboxCounts() async throws -> [OutboxState: Int]
}

/// A row found `sending` at start: the process that claimed it died.
public struct InterruptedDelivery: Sendable, Equatable {
    public var id: Int64
    public var adapter: AdapterID
    /// The chunk that was on the wire at the crash, if any: it may show twice.
    public var chunkInFlight: Int?

    public init(id: Int64, adapter: AdapterID, chunkInFlight: Int?) {
        self.id = id
        self.adapter = adapter
        self.chunkInFlight = chunkInFlight
    }
}

/// One outbox row as `herald outbox` shows it.
public struct OutboxRecord: Sendable, Equatable {
    public var id: Int64
    public var message: OutboundMessage
    public var state: OutboxState
    public var attempts: Int
    public var error: String?
    public var plan: DeliveryPlan?
    public var platformMessageIDs: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, message: OutboundMessage, state: OutboxState, attempts: Int, error: String?, plan: DeliveryPlan?,
        platformMessageIDs: [String], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.message = message
        self.state = state
        self.attempts = attempts
        self.error = error
        self.plan = plan
        self.platformMessageIDs = platformMessageIDs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
