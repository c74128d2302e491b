import Foundation

/// Which adapter instance: a platform and the account Herald uses there.
public struct AdapterID: Hashable, Sendable, CustomStringConvertible {
    public var platform: Platform
    public var account: String

    public init(platform: Platform, account: String) {
        self.platform = platform
        self.account = account
    }

    public var description: String { "\(platform.rawValue)/\(account)" }
}

/// An adapter's position in its platform's event stream (Telegram offset, Matrix since-token,
/// IMAP UID), saved in the same transaction as the events it covers.
public struct CursorUpdate: Sendable, Equatable {
    public var adapter: AdapterID
    public var key: String
    public var value: String

    public init(adapter: AdapterID, key: String, value: String) {
        self.adapter = adapter
        self.key = key
        self.value = value
    }
}

/// How an inbox row ended when it produced no turn.
public enum InboxDisposition: String, Sendable {
    /// From a sender who is not allowed; kept, never shown to a model.
    case denied
    /// Given up on after repeated errors; the error is kept with it.
    case failed
}

/// Everything one finished turn writes, committed atomically: the inbox row is marked done,
/// the session grows by `appended`, `replies` enter the outbox, and `usage` is recorded.
public struct TurnCommit: Sendable {
    public var inboxID: Int64
    public var sessionID: String?
    public var appended: [SessionMessage]
    public var replies: [OutboundMessage]
    public var usage: [UsageRecord]
    /// The sender's stable id (`platform/sender`), kept on the user's message so
    /// `session_search` finds only that person's past sessions.
    public var sender: String?
    /// A new summary of the session's oldest turns, written with the turn.
    public var compaction: Compaction?
    /// The memory block frozen into the session on its first turn (kept if one is there).
    public var frozenMemory: String?

    public init(
        inboxID: Int64, sessionID: String?, appended: [SessionMessage], replies: [OutboundMessage],
        usage: [UsageRecord] = [], sender: String? = nil, compaction: Compaction? = nil, frozenMemory: String? = nil
    ) {
        self.frozenMemory = frozenMemory
        self.sender = sender
        self.compaction = compaction
        self.inboxID = inboxID
        self.sessionID = sessionID
        self.appended = appended
        self.replies = replies
        self.usage = usage
    }
}

/// A pairing request from an unknown sender.
public struct PairingRecord: Sendable, Equatable {
    public enum State: String, Sendable { case pending, approved, denied }
    public var code: String
    public var adapter: AdapterID
    public var sender: Sender
    public var conversation: ConversationRef
    public var createdAt: Date
    public var expiresAt: Date
    public var state: State

    public init(
        code: String, adapter: AdapterID, sender: Sender, conversation: ConversationRef, createdAt: Date,
        expiresAt: Date, state: State
    ) {
        self.code = code
        self.adapter = adapter
        self.sender = sender
        self.conversation = conversation
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.state = state
    }
}

/// What asking for a pairing code gave.
public enum PairingOutcome: Sendable, Equatable {
    /// A new code was issued: tell the sender.
    case issued(String)
    /// The sender already has a pending code: say nothing more.
    case alreadyPending(String)
    /// Too many pending requests on this adapter: say nothing.
    case tooMany
}

/// A session with its last activity, for listings.
public struct SessionSummary: Sendable, Equatable {
    public var session: SessionRecord
    public var active: Bool
    public var messages: Int
    public var lastActivity: Date?

    public init(session: SessionRecord, active: Bool, messages: Int, lastActivity: Date?) {
        self.session = session
        self.active = active
        self.messages = messages
        self.lastActivity = lastActivity
    }
}

extension IntakeStore {
    /// Commits new inbound messages together with at most one cursor.
    public func commitInbound(_ messages: [InboundMessage], cursor: CursorUpdate?) async throws -> [InboxEntry] {
        try await commitInbound(messages, cursors: cursor.map { [$0] } ?? [])
    }
}

/// Every role of the durable store together, for what composes them (the gateway, the CLI).
/// A consumer that needs less takes only its roles. HeraldStore implements it on SQLite; a
/// PostgreSQL store can follow without touching the core.
public protocol Store: IntakeStore, AdapterStateStore, InboxStore, SessionStore, MemoryStore, TurnStore, PairingStore, JobStore, ArtifactStore, UsageStore, OutboxStore, ApprovalStore {}

extension SessionStore {
    /// The newest `limit` messages of a session, oldest first.
    public func history(sessionID: String, limit: Int) async throws -> [SessionMessage] {
        try await history(sessionID: sessionID, after: 0, limit: limit)
    }
}

extension ConversationRef {
    /// The adapter account the conversation lives on.
    public var adapter: AdapterID { AdapterID(platform: platform, account: account) }
}
