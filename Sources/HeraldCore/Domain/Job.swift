import Foundation

/// A scheduled job: a prompt run by a profile on a schedule, its result delivered to a chat.
public struct Job: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// `Schedule` text: cron, `every 20m`, or `at YYYY-MM-DD HH:MM`.
    public var schedule: String
    /// IANA zone the schedule and the run's date line are in.
    public var timeZone: String
    public var profile: String
    public var prompt: String
    /// Where the result goes.
    public var target: ConversationRef
    /// Tool sets and skills switched on for the job (nil: the profile's).
    public var toolsets: [String]?
    public var skills: [String]?
    /// A model to ask first (nil: the profile's chain).
    public var model: String?
    /// A fresh session per run (true), or one running session that remembers earlier runs.
    public var freshSession: Bool
    public var enabled: Bool
    public var createdAt: Date

    public init(
        id: Int64 = 0, name: String, schedule: String, timeZone: String = TimeZone.current.identifier, profile: String,
        prompt: String, target: ConversationRef, toolsets: [String]? = nil, skills: [String]? = nil, model: String? = nil,
        freshSession: Bool = true, enabled: Bool = true, createdAt: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone
        self.profile = profile
        self.prompt = prompt
        self.target = target
        self.toolsets = toolsets
        self.skills = skills
        self.model = model
        self.freshSession = freshSession
        self.enabled = enabled
        self.createdAt = createdAt
    }

    /// The conversation whose session the job's runs live in: the target's adapter, a chat of
    /// the job's own, so runs never mix with the people's own sessions there.
    public var sessionConversation: ConversationRef {
        ConversationRef(platform: target.platform, account: target.account, chat: "job:\(name)")
    }
}

/// Marks an inbound message as a job run (only the scheduler creates these; adapters never do).
public struct JobEvent: Sendable, Codable, Equatable {
    public var job: String
    public var profile: String
    /// Where the reply goes: the job's target, not the job's own session conversation.
    public var deliverTo: ConversationRef
    public var freshSession: Bool
    public var toolsets: [String]?
    public var skills: [String]?
    public var model: String?

    public init(_ job: Job) {
        self.job = job.name
        self.profile = job.profile
        self.deliverTo = job.target
        self.freshSession = job.freshSession
        self.toolsets = job.toolsets
        self.skills = job.skills
        self.model = job.model
    }
}

/// One run of a job, as the history shows it: what happened, and whether the result was
/// really delivered (from the outbox receipt).
public struct JobRun: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Claimed; the turn has not finished.
        case running
        /// The model answered (see `delivery` for whether it arrived).
        case done
        /// The turn failed; `error` says why.
        case failed
        /// Missed while Herald was down, outside the grace window.
        case skipped
    }

    public var id: Int64
    public var job: String
    public var scheduledFor: Date
    public var state: State
    public var startedAt: Date?
    public var endedAt: Date?
    public var output: String?
    public var error: String?
    public var model: String?
    public var promptTokens: Int
    public var completionTokens: Int
    /// The outbox row of the result: sent (with the platform's message id), failed, pending.
    public var delivery: OutboxState?
    public var platformMessageID: String?
    public var deliveryError: String?

    public init(
        id: Int64, job: String, scheduledFor: Date, state: State, startedAt: Date? = nil, endedAt: Date? = nil, output: String? = nil,
        error: String? = nil, model: String? = nil, promptTokens: Int = 0, completionTokens: Int = 0, delivery: OutboxState? = nil,
        platformMessageID: String? = nil, deliveryError: String? = nil
    ) {
        self.id = id
        self.job = job
        self.scheduledFor = scheduledFor
        self.state = state
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.output = output
        self.error = error
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.delivery = delivery
        self.platformMessageID = platformMessageID
        self.deliveryError = deliveryError
    }
}
