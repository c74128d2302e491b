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

/// The durable operations the pipeline needs. HeraldStore implements it on SQLite; a
/// PostgreSQL store can follow without touching the core.
extension Store {
    /// Commits new inbound messages together with at most one cursor.
    public func commitInbound(_ messages: [InboundMessage], cursor: CursorUpdate?) async throws -> [InboxEntry] {
        try await commitInbound(messages, cursors: cursor.map { [$0] } ?? [])
    }
}

public protocol Store: OutboxStore {
    // MARK: Intake
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

    // MARK: Lanes
    /// Pending inbox rows with id greater than `after`, for the given adapters, oldest first.
    func pendingInbox(after id: Int64, adapters: Set<AdapterID>, limit: Int) async throws -> [InboxEntry]
    func closeInbox(_ id: Int64, as disposition: InboxDisposition, error: String?) async throws
    /// Marks the start of work on an inbox row, durably, before anything else happens; returns
    /// how many earlier starts never finished (the process died during them).
    func beginTurn(_ id: Int64) async throws -> Int
    /// The row is left pending on purpose (a stop while the model is down): not a crash.
    func leaveTurn(_ id: Int64) async throws
    /// Counts a failed attempt at a turn and records the error; the row stays pending.
    func recordInboxAttempt(_ id: Int64, error: String) async throws -> Int

    // MARK: Sessions
    /// The conversation's current session, created with `profile` if there is none.
    func activeSession(for conversation: ConversationRef, profile: String) async throws -> SessionRecord
    /// Ends the conversation's current session and starts a fresh one.
    func startNewSession(for conversation: ConversationRef, profile: String) async throws -> SessionRecord
    func session(id: String) async throws -> SessionRecord?
    func sessions(limit: Int) async throws -> [SessionSummary]
    /// The newest `limit` messages of a session with ids above `after`, oldest first.
    func history(sessionID: String, after: Int64, limit: Int) async throws -> [SessionMessage]
    func setSlot(_ slot: Int?, sessionID: String) async throws
    /// A chat changed its id (a Telegram group became a supergroup): its sessions move along.
    func moveConversation(from old: ConversationRef, to new: ConversationRef) async throws

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

    // MARK: Memory and skills
    func memory(_ key: MemoryKey) async throws -> [String]
    func setMemory(_ entries: [String], for key: MemoryKey) async throws
    /// `herald skills enable|disable`: skill name → on/off over the profile's config.
    func skillOverrides(profile: String) async throws -> [String: Bool]
    func setSkillOverride(profile: String, skill: String, enabled: Bool?) async throws

    // MARK: Search
    /// Full-text search over the user and assistant messages of sessions `sender` took part in.
    func search(_ query: String, sender: String, limit: Int) async throws -> [SearchHit]

    // MARK: Turns
    /// Commits a finished turn atomically; returns the new outbox ids in order.
    @discardableResult
    func completeTurn(_ turn: TurnCommit) async throws -> [Int64]

    // MARK: Access
    func isApproved(adapter: AdapterID, senderID: String) async throws -> Bool
    func requestPairing(
        adapter: AdapterID, sender: Sender, conversation: ConversationRef, code: String, now: Date,
        validity: TimeInterval, maxPending: Int
    ) async throws -> PairingOutcome
    func approvePairing(code: String, now: Date) async throws -> PairingRecord?
    func denyPairing(code: String) async throws -> PairingRecord?
    func pairings(now: Date) async throws -> [PairingRecord]

    // MARK: Jobs
    /// Adds a job; a job with the same name is an error unless `replace` (config sync).
    @discardableResult
    func saveJob(_ job: Job, replace: Bool) async throws -> Job
    func jobs() async throws -> [Job]
    func job(named name: String) async throws -> Job?
    func setJobEnabled(_ name: String, _ enabled: Bool) async throws -> Bool
    func deleteJob(_ name: String) async throws -> Bool
    /// Claims the run of `job` due at `scheduledFor` and commits its inbound event in the same
    /// transaction. Nil when the run was claimed already (by this or another process): the
    /// claim is the lease that makes each due run happen once.
    func claimJobRun(_ job: Job, scheduledFor: Date, event: InboundMessage) async throws -> InboxEntry?
    /// Records a due run that was missed and not caught up.
    func skipJobRun(_ job: Job, scheduledFor: Date, reason: String) async throws
    /// The latest due time claimed or skipped for the job.
    func lastJobRun(_ job: Job) async throws -> Date?
    /// Runs, newest first, with their outcome and delivery state.
    func jobRuns(_ name: String, limit: Int) async throws -> [JobRun]
    /// A job proposed in a conversation and waiting for the person to confirm it (one per
    /// conversation; nil clears it). A draft is not a job: it never runs.
    func setJobDraft(_ job: Job?, for conversation: ConversationRef) async throws
    func jobDraft(for conversation: ConversationRef) async throws -> Job?

    // MARK: Artifacts
    /// Files an artifact; when the owner has it already (same canonical URL, or same content
    /// for things without one) returns that one and `false`.
    func saveArtifact(_ artifact: Artifact) async throws -> (Artifact, isNew: Bool)
    /// Replaces an artifact's fields (after a re-read or re-categorisation).
    func updateArtifact(_ artifact: Artifact) async throws
    func artifact(id: Int64) async throws -> Artifact?
    /// Full-text search; `owner` nil searches everyone's (a shared library).
    func searchArtifacts(_ query: String, owner: String?, limit: Int) async throws -> [Artifact]
    func recentArtifacts(owner: String?, limit: Int) async throws -> [Artifact]

    // MARK: Usage
    func usage(sessionID: String) async throws -> [UsageRecord]
    /// Usage summed by day, profile and model since `since`.
    func usageReport(since: Date) async throws -> [UsageRow]
}

extension Store {
    /// The newest `limit` messages of a session, oldest first.
    public func history(sessionID: String, limit: Int) async throws -> [SessionMessage] {
        try await history(sessionID: sessionID, after: 0, limit: limit)
    }
}
