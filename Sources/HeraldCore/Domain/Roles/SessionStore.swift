import Foundation

/// Sessions and their history: the conversation's current session, sub-agents' sessions, settings, and search. SQLStore implements it.
public protocol SessionStore: Sendable {
    /// The conversation's current session, created with `profile` if there is none.
    func activeSession(for conversation: ConversationRef, profile: String) async throws -> SessionRecord
    /// Ends the conversation's current session and starts a fresh one.
    func startNewSession(for conversation: ConversationRef, profile: String) async throws -> SessionRecord
    func session(id: String) async throws -> SessionRecord?
    func sessions(limit: Int) async throws -> [SessionSummary]
    /// The newest `limit` messages of a session with ids above `after`, oldest first.
    func history(sessionID: String, after: Int64, limit: Int) async throws -> [SessionMessage]
    func setSlot(_ slot: Int?, sessionID: String) async throws

    /// A sub-agent's session: ephemeral, not the active session of any conversation, linked to
    /// the session whose turn delegated it.
    func createChildSession(parent: SessionRecord, profile: String) async throws -> SessionRecord
    /// Appends messages and usage to a session outside the inbox flow (a sub-agent's work).
    func append(_ messages: [SessionMessage], usage: [UsageRecord], to sessionID: String) async throws
    /// Sub-agent sessions of `sessionID`, oldest first.
    func children(of sessionID: String) async throws -> [SessionRecord]
    /// Settings, frozen memory and summary of a session.
    func sessionState(id: String) async throws -> SessionState
    func updateSettings(_ settings: SessionSettings, sessionID: String) async throws

    /// Full-text search over the user and assistant messages of sessions `sender` took part in.
    func search(_ query: String, sender: String, limit: Int) async throws -> [SearchHit]
}
