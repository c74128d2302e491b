import Foundation

/// The seat of a node among several on one shared store (PostgreSQL): leases that make one
/// node at a time the worker of a session's lane and the runner of an adapter account, and the
/// wake-ups nodes send each other. Every lease names its owner and runs out: a node that dies
/// loses what it held when its leases expire, and another node takes the work over.
public protocol ClusterStore: Sendable {
    /// This node's name in every lease it takes.
    var node: String { get }

    /// Takes or renews the lease on an adapter account; false while another live node holds it.
    func acquireAdapter(_ adapter: AdapterID, lease: TimeInterval, now: Date) async throws -> Bool
    /// Gives the account up at once (a clean stop), so another node need not wait for expiry.
    func releaseAdapter(_ adapter: AdapterID) async throws

    /// Claims up to `newLanes` more lanes (sessions with pending messages that no live node
    /// works), renews the lanes it holds, and returns the pending entries of all of them, in
    /// id order. Entries of one session are only ever returned to the node that holds its lane.
    func claimInbox(adapters: Set<AdapterID>, newLanes: Int, lease: TimeInterval, now: Date, limit: Int) async throws
        -> [InboxEntry]
    /// Lets a lane go once it has nothing pending (a message that arrived meanwhile keeps it).
    /// Returns whether it was released.
    @discardableResult
    func releaseLane(_ conversation: String) async throws -> Bool
    /// Extends every lease this node holds (lanes, adapters, outbox rows being sent).
    func renewLeases(lease: TimeInterval, now: Date) async throws

    /// Calls `wake` whenever another node committed work (`.inbox`, `.outbox`) or let an
    /// adapter go (`.lease`); returns when cancelled.
    func listen(_ wake: @escaping @Sendable (ClusterSignal) -> Void) async throws
}

/// What a wake-up between nodes is about.
public enum ClusterSignal: String, Sendable {
    case inbox, outbox, lease
}
