import Foundation

/// The inbox as the lanes read it: pending rows, and how each ends. SQLStore implements it.
public protocol InboxStore: Sendable {
    /// Pending inbox rows with id greater than `after`, for the given adapters, oldest first.
    func pendingInbox(after id: Int64, adapters: Set<AdapterID>, limit: Int) async throws -> [InboxEntry]
    /// Messages waiting for their turn, per adapter (`/metrics` queue depth).
    func pendingInboxCounts() async throws -> [AdapterID: Int]
    func closeInbox(_ id: Int64, as disposition: InboxDisposition, error: String?) async throws
    /// Marks the start of work on an inbox row, durably, before anything else happens; returns
    /// how many earlier starts never finished (the process died during them).
    func beginTurn(_ id: Int64) async throws -> Int
    /// The row is left pending on purpose (a stop while the model is down): not a crash.
    func leaveTurn(_ id: Int64) async throws
    /// Counts a failed attempt at a turn and records the error; the row stays pending.
    func recordInboxAttempt(_ id: Int64, error: String) async throws -> Int
}
