import Foundation
import HeraldCore

/// Every store role in memory, for fast gateway behaviour tests. It keeps the contracts the
/// gateway relies on (each call atomic, duplicates by event id dropped, a turn committed once,
/// one unfinished outbox row per conversation handed out, chunk plans kept) and nothing of
/// SQLite's: the same behaviour suite runs against both. Search is a plain case-insensitive
/// match of every word.
public actor InMemoryStore: Store {
    struct InboxRow {
        var entry: InboxEntry
        var state = "pending"
        var error: String?
        var starts = 0
    }

    struct OutboxRow {
        var id: Int64
        var message: OutboundMessage
        var state: OutboxState = .pending
        var attempts = 0
        var nextAttempt: Date
        var plan: DeliveryPlan?
        var inFlight: Int?
        var waitsForLink = false
        var error: String?
        var historyNote: String?
        var platformIDs: [String] = []
        var createdAt: Date
        var updatedAt: Date
    }

    struct StoredMessage {
        var sessionID: String
        var message: SessionMessage
        var inboxID: Int64?
        var sender: String?
        var at: Date
    }

    struct SessionRow {
        var record: SessionRecord
        var active: Bool
        var parent: String?
        var state = SessionState()
    }

    struct RunRow {
        var id: Int64
        var job: String
        var scheduledFor: Date
        var skipped: String?
        var inboxID: Int64?
        var claimedAt: Date
    }

    var nextID: Int64 = 0
    var inbox: [InboxRow] = []
    var events: Set<String> = []
    var cursors: [String: (value: String, at: Date)] = [:]
    var adapterValues: [String: (value: String, at: Date)] = [:]
    var outbox: [OutboxRow] = []
    var sessions: [SessionRow] = []
    var messages: [StoredMessage] = []
    var usageRows: [(record: UsageRecord, inboxID: Int64?)] = []
    var memories: [MemoryKey: [String]] = [:]
    var overrides: [String: [String: Bool]] = [:]
    var toolsetSwitches: [String: [String: Bool]] = [:]
    var pairingRows: [PairingRecord] = []
    var approved: Set<String> = []
    var jobRows: [Job] = []
    var runs: [RunRow] = []
    var drafts: [String: Job] = [:]
    var approvals: [ApprovalRequest] = []
    var artifacts: [Artifact] = []
    // Several nodes on this one store (InMemoryStore+Cluster.swift).
    var lanes: [String: (owner: String, expires: Date)] = [:]
    var adapterLeases: [AdapterID: (owner: String, expires: Date)] = [:]
    var watchers: [UUID: @Sendable (ClusterSignal) -> Void] = [:]

    public init() {}

    func newID() -> Int64 {
        nextID += 1
        return nextID
    }

    static func adapter(_ c: ConversationRef) -> AdapterID { AdapterID(platform: c.platform, account: c.account) }
}
