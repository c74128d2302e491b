import Foundation
/// How a platform wants replies shaped.
public struct AdapterCapabilities: Sendable, Equatable {
    /// The unit a platform measures message length in.
    public enum LengthUnit: String, Sendable {
        /// Telegram counts UTF-16 code units.
        case utf16
        /// IRC lines and email lines are limited in bytes.
        case utf8Bytes
        case characters
    }

    /// The markup a platform renders.
    public enum Dialect: String, Sendable {
        case plain, markdown, telegramHTML, matrixHTML, irc
    }

    public var maxMessageLength: Int
    public var lengthUnit: LengthUnit
    public var dialect: Dialect
    public var threads: Bool
    public var typingIndicator: Bool
    public var edits: Bool
    /// Shows the reply while the model writes it (`draft`).
    public var streaming: Bool
    /// Resending an outbox row with the same id cannot create a duplicate (Matrix txnId,
    /// email Message-ID). Without it, a delivery interrupted by a crash is resent once, logged.
    public var idempotentDelivery: Bool
    /// The platform's cap on one whole encoded message, in bytes, where it has one beside the
    /// length limit (Matrix: 65,536 bytes of event JSON). Measured by `ChatAdapter.encodedSize`.
    public var maxEncodedBytes: Int?
    /// Each message a separate line (IRC): the stage cuts a reply into lines, one chunk each,
    /// so a long reply and a short one in another channel interleave line by line.
    public var lineOriented: Bool
    /// How fast the platform lets one bot send: per conversation and over the whole adapter.
    public var pacing: DeliveryPacing

    public init(
        maxMessageLength: Int, lengthUnit: LengthUnit, dialect: Dialect, threads: Bool = false,
        typingIndicator: Bool = false, edits: Bool = false, streaming: Bool = false, idempotentDelivery: Bool = false,
        maxEncodedBytes: Int? = nil, lineOriented: Bool = false, pacing: DeliveryPacing = DeliveryPacing()
    ) {
        self.maxEncodedBytes = maxEncodedBytes
        self.lineOriented = lineOriented
        self.pacing = pacing
        self.maxMessageLength = maxMessageLength
        self.lengthUnit = lengthUnit
        self.dialect = dialect
        self.threads = threads
        self.typingIndicator = typingIndicator
        self.edits = edits
        self.streaming = streaming
        self.idempotentDelivery = idempotentDelivery
    }
}

/// The contract every adapter fills. An adapter turns platform events into `InboundMessage`s
/// and commits them through `Intake` together with its cursor before it acknowledges upstream;
/// it delivers outbox rows and says whether a failure is transient or permanent.
public protocol ChatAdapter: Sendable {
    var id: AdapterID { get }
    var capabilities: AdapterCapabilities { get }
    /// Senders allowed without pairing (stable platform ids).
    var allowedSenders: Set<String> { get }
    /// The console is its owner's own terminal: every sender is trusted.
    var trustsEveryone: Bool { get }
    /// Whether the adapter can vouch for who `sender` is at all. False (an IRC nick without a
    /// services account where accounts are required) means no pairing code, no approval and no
    /// model call, ever: anyone could take that nick next.
    func canIdentify(_ sender: Sender) -> Bool
    /// A chat id as this platform compares it (IRC folds channel names under the server's
    /// CASEMAPPING); bindings are matched in this form against conversations the adapter made.
    func canonicalChat(_ chat: String) -> String

    /// Receives platform events until cancelled (or, for finite sources, until they end).
    func run(intake: Intake) async throws
    /// Sends one chunk the delivery stage rendered and returns the platform's id for it. Only
    /// speaks the wire: never sleeps for a rate limit, never retries a send whose outcome is
    /// unknown. Throw `DeliveryError` to classify a failure; any other error counts as
    /// transient.
    func send(_ chunk: OutgoingChunk) async throws -> String?
    /// Shows that the model is working (typing indicator). Throws `DeliveryError` when the
    /// platform rate-limits it, so the stage holds the conversation as for a send.
    func typing(in conversation: ConversationRef) async throws
    /// The length limit for messages to `conversation`, in `capabilities.lengthUnit` (IRC: what
    /// is left of 512 bytes once the server prefixes our hostmask and the target).
    func messageLimit(for conversation: ConversationRef) -> Int
    /// The size in bytes of `chunk` as the platform will count it against
    /// `capabilities.maxEncodedBytes`.
    func encodedSize(of chunk: OutgoingChunk) -> Int
    /// Shows reply text as it streams (adapters with `capabilities.streaming`).
    func draft(_ delta: String, for inboxID: Int64, in conversation: ConversationRef) async
    /// Logs in to the platform once and says as whom, for `herald doctor --online`: nothing
    /// is sent to anyone and nothing is committed (a first Matrix login keeps its device and
    /// token, as `herald run` would). Nil when the adapter has nothing to log in to.
    func checkOnline(intake: Intake) async throws -> String?
}

extension ChatAdapter {
    public var allowedSenders: Set<String> { [] }
    public var trustsEveryone: Bool { false }
    public func canIdentify(_ sender: Sender) -> Bool { true }
    public func canonicalChat(_ chat: String) -> String { chat }
    public func typing(in conversation: ConversationRef) async throws {}
    public func messageLimit(for conversation: ConversationRef) -> Int { capabilities.maxMessageLength }
    public func encodedSize(of chunk: OutgoingChunk) -> Int { chunk.chunk.text.utf8.count + chunk.chunk.plain.utf8.count }
    public func draft(_ delta: String, for inboxID: Int64, in conversation: ConversationRef) async {}
    public func checkOnline(intake: Intake) async throws -> String? { nil }
}

/// What an adapter commits through: the store, plus a wake-up for the gateway's lanes.
public struct Intake: Sendable {
    public let adapter: AdapterID
    let store: any IntakeStore & AdapterStateStore & OutboxStore
    let doorbell: Doorbell
    let onLinkUp: @Sendable () -> Void
    let events: EventBus?

    public init(
        adapter: AdapterID, store: any IntakeStore & AdapterStateStore & OutboxStore, doorbell: Doorbell, events: EventBus? = nil,
        onLinkUp: @escaping @Sendable () -> Void = {}
    ) {
        self.adapter = adapter
        self.store = store
        self.doorbell = doorbell
        self.events = events
        self.onLinkUp = onLinkUp
    }

    /// The adapter's link to its platform is (back) up: replies that waited for it go now,
    /// not at their retry timer.
    public func linkUp() async {
        _ = try? await store.wakeOutbox(adapter: adapter)
        onLinkUp()
    }

    /// Commits messages and, in the same transaction, the adapter's cursor. Returns how many
    /// were new (duplicates by platform event id are dropped). Acknowledge upstream only after.
    @discardableResult
    public func commit(_ messages: [InboundMessage], cursor: (key: String, value: String)? = nil) async throws -> Int {
        try await commit(messages, cursors: cursor.map { [$0] } ?? [])
    }

    /// Commits messages, several cursor values and adapter state in one transaction (email keeps
    /// its UID cursor and each thread's reply headers this way).
    @discardableResult
    public func commit(
        _ messages: [InboundMessage], cursors: [(key: String, value: String)], state: [(key: String, value: String)] = []
    ) async throws -> Int {
        let updates = cursors.map { CursorUpdate(adapter: adapter, key: $0.key, value: $0.value) }
        let values = state.map { CursorUpdate(adapter: adapter, key: $0.key, value: $0.value) }
        let fresh = try await store.commitInbound(messages, cursors: updates, state: values)
        if !fresh.isEmpty {
            doorbell.ring()
            events?.publish(.received(adapter: adapter, count: fresh.count))
        }
        return fresh.count
    }

    /// A value of this adapter's own state (not a cursor).
    public func state(_ key: String) async throws -> String? {
        try await store.adapterState(adapter: adapter, key: key)
    }

    /// Writes (nil deletes) a value of this adapter's own state.
    public func setState(_ key: String, _ value: String?) async throws {
        try await store.setAdapterState(value, adapter: adapter, key: key)
    }

    /// Moves a conversation's sessions to a new id (the platform renamed the chat).
    public func moveConversation(from old: ConversationRef, to new: ConversationRef) async throws {
        try await store.moveConversation(from: old, to: new)
    }

    /// The cursor saved with the last commit.
    /// Which of these platform event ids are already in the inbox (a backfill stops there).
    public func knownEvents(_ ids: [String]) async throws -> Set<String> {
        try await store.knownEvents(adapter: adapter, eventIDs: ids)
    }

    public func cursor(_ key: String) async throws -> String? {
        try await store.cursor(adapter: adapter, key: key)
    }

    /// Deletes this adapter's state under `prefix` last written before `date`.
    public func pruneState(prefix: String, writtenBefore date: Date) async throws -> Int {
        try await store.pruneAdapterState(adapter: adapter, prefix: prefix, writtenBefore: date)
    }
}
