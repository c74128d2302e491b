import Foundation

/// What an adapter commits through (`Intake`): new events with their cursors, in one transaction. SQLStore implements it.
public protocol IntakeStore: Sendable {
    /// Commits new inbound messages together with the adapter's cursors (its position in the
    /// platform's stream) and adapter state that describes them (an email's reply headers), in
    /// one transaction. Messages whose (platform, account, eventID) is already stored are
    /// ignored. Returns the entries that were new.
    func commitInbound(_ messages: [InboundMessage], cursors: [CursorUpdate], state: [CursorUpdate]) async throws -> [InboxEntry]
    func cursor(adapter: AdapterID, key: String) async throws -> String?
    /// The subset of `eventIDs` already committed for `adapter`.
    func knownEvents(adapter: AdapterID, eventIDs: [String]) async throws -> Set<String>
    /// A chat changed its id (a Telegram group became a supergroup): its sessions move along.
    func moveConversation(from old: ConversationRef, to new: ConversationRef) async throws
}

extension IntakeStore {
    /// Commits new inbound messages together with the adapter's cursors.
    public func commitInbound(_ messages: [InboundMessage], cursors: [CursorUpdate]) async throws -> [InboxEntry] {
        try await commitInbound(messages, cursors: cursors, state: [])
    }
}
