import Foundation

/// What an adapter commits through (`Intake`): new events with their cursors, in one transaction. SQLiteStore implements it.
public protocol IntakeStore: Sendable {
    /// Commits new inbound messages together with the adapter's cursors, in one transaction.
    /// Messages whose (platform, account, eventID) is already stored are ignored.
    /// Returns the entries that were new.
    func commitInbound(_ messages: [InboundMessage], cursors: [CursorUpdate]) async throws -> [InboxEntry]
    func cursor(adapter: AdapterID, key: String) async throws -> String?
    /// Deletes `adapter`'s cursors whose key starts with `prefix` and that were last written
    /// before `date`; returns how many went. For per-item bookkeeping (an email thread's reply
    /// headers) that would otherwise grow for ever.
    func pruneCursors(adapter: AdapterID, prefix: String, writtenBefore date: Date) async throws -> Int
    /// The subset of `eventIDs` already committed for `adapter`.
    func knownEvents(adapter: AdapterID, eventIDs: [String]) async throws -> Set<String>
    /// A chat changed its id (a Telegram group became a supergroup): its sessions move along.
    func moveConversation(from old: ConversationRef, to new: ConversationRef) async throws
}
