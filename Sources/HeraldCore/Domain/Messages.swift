import Foundation

/// A message from a platform, as an adapter hands it to the core.
public struct InboundMessage: Sendable, Codable, Equatable {
    public var conversation: ConversationRef
    public var sender: Sender
    /// The platform's id for this event; unique per (platform, account). Duplicates are dropped.
    public var eventID: String
    public var text: String
    public var attachments: [Attachment]
    /// The platform message id this one replies to, if any.
    public var replyTo: String?
    public var receivedAt: Date
    /// True in a one-to-one chat. Only there does the profile's memory about the person
    /// enter the prompt; in a group, others would read it.
    public var direct: Bool?
    /// Set when this is a scheduled job's run, made by the scheduler, never by an adapter.
    public var job: JobEvent?
    /// Where the sender can be reached privately when this came in a group (an IRC query, a
    /// Telegram private chat): what is for their eyes only, such as a pairing code, goes there.
    public var privately: ConversationRef?
    /// Something Herald itself tells the person about this message (a mail too large to read
    /// whole), sent as a notice with the reply.
    public var notice: String?
    /// Set when a signed webhook (`[hooks.NAME]`) posted this: the hook's name. Its signature
    /// stood in for access control, and its text is never read as a chat command.
    public var hook: String?

    public init(
        conversation: ConversationRef, sender: Sender, eventID: String, text: String,
        attachments: [Attachment] = [], replyTo: String? = nil, receivedAt: Date = Date(), direct: Bool? = nil,
        job: JobEvent? = nil, privately: ConversationRef? = nil, notice: String? = nil, hook: String? = nil
    ) {
        self.hook = hook
        self.privately = privately
        self.notice = notice
        self.direct = direct
        self.job = job
        self.conversation = conversation
        self.sender = sender
        self.eventID = eventID
        self.text = text
        self.attachments = attachments
        self.replyTo = replyTo
        self.receivedAt = receivedAt
    }
}

extension InboundMessage {
    /// The sender's stable id across Herald: platform and platform user id (never a name).
    public var senderKey: String { "\(conversation.platform.rawValue)/\(sender.id)" }

    /// Where replies go: the job's target for a job run, else the conversation itself.
    public var replyConversation: ConversationRef { job?.deliverTo ?? conversation }
}

/// An inbound message as stored in the inbox.
public struct InboxEntry: Sendable, Equatable {
    public var id: Int64
    public var message: InboundMessage
    public var attempts: Int

    public init(id: Int64, message: InboundMessage, attempts: Int = 0) {
        self.id = id
        self.message = message
        self.attempts = attempts
    }
}

/// A reply on its way to a platform.
public struct OutboundMessage: Sendable, Codable, Equatable {
    public var conversation: ConversationRef
    /// Markdown as the model wrote it; adapters render it in their dialect.
    public var text: String
    public var attachments: [Attachment]
    /// The platform message id to reply to, if any.
    public var replyTo: String?
    /// The inbox row this answers, if any.
    public var inboxID: Int64?
    /// A message from Herald itself (pairing, errors, command output), not from a model.
    public var isNotice: Bool

    public init(
        conversation: ConversationRef, text: String, attachments: [Attachment] = [],
        replyTo: String? = nil, inboxID: Int64? = nil, isNotice: Bool = false
    ) {
        self.conversation = conversation
        self.text = text
        self.attachments = attachments
        self.replyTo = replyTo
        self.inboxID = inboxID
        self.isNotice = isNotice
    }
}

/// An outbox row being delivered. `id` is stable across retries: adapters use it as the
/// idempotency key (Matrix txnId, email Message-ID).
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var message: OutboundMessage
    public var attempts: Int
    /// The chunks as the delivery stage cut them and how far delivery got, durable across
    /// crashes; nil until the stage first plans the row.
    public var plan: DeliveryPlan?

    public init(id: Int64, message: OutboundMessage, attempts: Int, plan: DeliveryPlan? = nil) {
        self.id = id
        self.message = message
        self.attempts = attempts
        self.plan = plan
    }
}

/// Delivery state of an outbox row.
public enum OutboxState: String, Sendable, Codable, CaseIterable {
    case pending, sending, sent, failed
}

/// What a platform said when it accepted a message.
public struct DeliveryReceipt: Sendable, Equatable {
    /// The platform's ids for the messages sent (a long reply may go out in chunks).
    public var platformMessageIDs: [String]

    public init(platformMessageIDs: [String]) { self.platformMessageIDs = platformMessageIDs }
}

/// Why sending a chunk failed, as the adapter judges it. The delivery stage decides what to do.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing reached the platform, or it said "later": sending again is safe; after
        /// `retryAfter` if the platform said so.
        case transient(retryAfter: Duration?)
        /// The request was sent and no answer came: it may have arrived. Resent only where the
        /// platform is idempotent; elsewhere recorded and the person told.
        case outcomeUnknown
        /// The platform found this message too long or too large: cut it smaller.
        case tooLarge
        /// The platform refused this message, and the conversation still takes others (the
        /// person is told).
        case rejected
        /// The conversation cannot be reached (blocked, left, gone): nothing more goes there.
        case permanent
    }

    /// Whom a `retryAfter` holds.
    public enum Scope: Sendable, Equatable {
        /// This conversation only (Telegram's per-chat flood control, a Matrix room's limit).
        case conversation
        /// Every conversation of this adapter (a bot-wide limit, a lost link).
        case adapter
    }

    public var kind: Kind
    public var scope: Scope
    public var message: String

    public init(_ kind: Kind, _ message: String, scope: Scope = .conversation) {
        self.kind = kind
        self.message = message
        self.scope = scope
    }

    /// Not connected: retried as soon as the adapter says its link is back.
    public static func notConnected(_ message: String) -> DeliveryError {
        DeliveryError(.transient(retryAfter: nil), message, scope: .adapter)
    }

    public var description: String { message }
}
