import Foundation

/// What an adapter keeps about itself apart from its position in the stream: an access token
/// and device id, a mailbox instance marker, each email thread's reply headers, the nicks seen
/// released. Never a cursor: it does not say how far the adapter has read. SQLStore
/// implements it.
public protocol AdapterStateStore: Sendable {
    func adapterState(adapter: AdapterID, key: String) async throws -> String?
    /// Writes (or with nil deletes) one value.
    func setAdapterState(_ value: String?, adapter: AdapterID, key: String) async throws
    /// Deletes `adapter`'s values whose key starts with `prefix` and that were last written
    /// before `date`; returns how many went. For per-item bookkeeping (an email thread's reply
    /// headers) that would otherwise grow for ever.
    func pruneAdapterState(adapter: AdapterID, prefix: String, writtenBefore date: Date) async throws -> Int
}
