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
    /// Where the job was made: the config file owns its jobs (a start removes the ones no
    /// longer in it, and `cron delete` refuses them); chat and CLI jobs are the store's.
    public var origin: Origin
    /// Run every missed due time in order after a wait (true), or only the latest, the others
    /// recorded as skipped (false, the default: a 09:00 brief at 11:00 is no brief).
    public var catchUp: Bool
    /// Tell the target chat when a run fails (once per failure streak).
    public var notifyFailures: Bool
    /// How long a run may keep retrying an unreachable model, from its due time (nil: until
    /// the next run is due).
    public var deadline: TimeInterval?
    /// Since when the job is paused (nil while it runs).
    public var pausedAt: Date?
    /// When a start found this config job gone from the file: it no longer runs or lists, and
    /// its history stays readable.
    public var removedAt: Date?

    public enum Origin: String, Sendable, Codable { case config, chat, cli, dashboard }

    public init(
        id: Int64 = 0, name: String, schedule: String, timeZone: String = TimeZone.current.identifier, profile: String,
        prompt: String, target: ConversationRef, toolsets: [String]? = nil, skills: [String]? = nil, model: String? = nil,
        freshSession: Bool = true, enabled: Bool = true, createdAt: Date = Date(), origin: Origin = .chat, catchUp: Bool = false,
        notifyFailures: Bool = true, deadline: TimeInterval? = nil, pausedAt: Date? = nil, removedAt: Date? = nil
    ) {
        self.removedAt = removedAt
        self.origin = origin
        self.catchUp = catchUp
        self.notifyFailures = notifyFailures
        self.deadline = deadline
        self.pausedAt = pausedAt
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

    private enum CodingKeys: String, CodingKey {
        case id, name, schedule, timeZone, profile, prompt, target, toolsets, skills, model, freshSession, enabled, createdAt
        case origin, catchUp, notifyFailures, deadline, pausedAt, removedAt
    }

    /// Drafts stored before a field existed still decode, with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(Int64.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            schedule: try c.decode(String.self, forKey: .schedule), timeZone: try c.decode(String.self, forKey: .timeZone),
            profile: try c.decode(String.self, forKey: .profile), prompt: try c.decode(String.self, forKey: .prompt),
            target: try c.decode(ConversationRef.self, forKey: .target), toolsets: try c.decodeIfPresent([String].self, forKey: .toolsets),
            skills: try c.decodeIfPresent([String].self, forKey: .skills), model: try c.decodeIfPresent(String.self, forKey: .model),
            freshSession: try c.decode(Bool.self, forKey: .freshSession), enabled: try c.decode(Bool.self, forKey: .enabled),
            createdAt: try c.decode(Date.self, forKey: .createdAt),
            origin: try c.decodeIfPresent(Origin.self, forKey: .origin) ?? .chat,
            catchUp: try c.decodeIfPresent(Bool.self, forKey: .catchUp) ?? false,
            notifyFailures: try c.decodeIfPresent(Bool.self, forKey: .notifyFailures) ?? true,
            deadline: try c.decodeIfPresent(TimeInterval.self, forKey: .deadline),
            pausedAt: try c.decodeIfPresent(Date.self, forKey: .pausedAt), removedAt: try c.decodeIfPresent(Date.self, forKey: .removedAt))
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
    /// When the run stops retrying an unreachable model and is recorded failed.
    public var deadline: Date?
    /// The job's prompt and zone, so the run's message can say the time the model is really
    /// asked, not the time the run was claimed.
    public var prompt: String?
    public var timeZone: String?
    public var notifyFailures: Bool?

    public init(_ job: Job, deadline: Date? = nil) {
        self.deadline = deadline
        self.prompt = job.prompt
        self.timeZone = job.timeZone
        self.notifyFailures = job.notifyFailures
        self.job = job.name
        self.profile = job.profile
        self.deliverTo = job.target
        self.freshSession = job.freshSession
        self.toolsets = job.toolsets
        self.skills = job.skills
        self.model = job.model
    }
}

extension JobEvent {
    /// The run's message as the model reads it at `now`: the date and time then, in the
    /// job's zone (as the person wrote the zone; Foundation may call UTC "GMT"), then the
    /// prompt. Nil for a run committed before the prompt was kept in the event.
    public func text(at now: Date) -> String? {
        guard let prompt, let timeZone, let zone = TimeZone(identifier: timeZone) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "EEEE d MMMM yyyy, HH:mm"
        return "Scheduled job \"\(job)\". It is now \(f.string(from: now)) (\(timeZone)).\n\n\(prompt)"
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
        /// Not run: missed while Herald was down, paused, or passed while an earlier run waited
        /// (`error` says which).
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
    /// Failed attempts so far (a running run with attempts is retrying; `error` is the last).
    public var attempts: Int

    public init(
        id: Int64, job: String, scheduledFor: Date, state: State, startedAt: Date? = nil, endedAt: Date? = nil, output: String? = nil,
        error: String? = nil, model: String? = nil, promptTokens: Int = 0, completionTokens: Int = 0, delivery: OutboxState? = nil,
        platformMessageID: String? = nil, deliveryError: String? = nil, attempts: Int = 0
    ) {
        self.attempts = attempts
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
