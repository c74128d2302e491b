import Foundation

/// What a person switched on or off for one session, over the profile's defaults.
public struct SessionSettings: Sendable, Equatable, Codable {
    /// Skill name → on/off, overriding the profile.
    public var skills: [String: Bool] = [:]
    /// Tool set name → on/off, overriding the profile.
    public var toolsets: [String: Bool] = [:]
    /// A model backend to try first (`/model NAME`); the profile's chain follows it.
    public var model: String?

    public init() {}
}

/// The parts of a session that shape its prompt, besides its messages.
public struct SessionState: Sendable, Equatable {
    public var settings: SessionSettings
    /// The memory block frozen into the system prompt when the session's first turn ran, so
    /// the prompt prefix stays byte-identical (and cached) while memory changes elsewhere.
    public var frozenMemory: String?
    /// A summary of the turns before `summaryThrough`, written when the history outgrew the budget.
    public var summary: String?
    /// The last session message id the summary covers; the prompt's history starts after it.
    public var summaryThrough: Int64

    public init(settings: SessionSettings = SessionSettings(), frozenMemory: String? = nil, summary: String? = nil, summaryThrough: Int64 = 0) {
        self.settings = settings
        self.frozenMemory = frozenMemory
        self.summary = summary
        self.summaryThrough = summaryThrough
    }
}

/// A summary that replaces the oldest turns of a session in its prompt (they stay stored).
public struct Compaction: Sendable, Equatable, Codable {
    public var summary: String
    public var through: Int64

    public init(summary: String, through: Int64) {
        self.summary = summary
        self.through = through
    }
}

/// Whose memory: the profile's notes about the work, or its notes about one person.
public enum MemoryScope: String, Sendable, CaseIterable {
    case profile, user
}

/// One memory store: a profile's, or a profile's notes about one person (`owner` is the
/// person's stable id, `platform/sender`; never shared between people).
public struct MemoryKey: Hashable, Sendable {
    public var profile: String
    public var scope: MemoryScope
    public var owner: String

    public init(profile: String, scope: MemoryScope, owner: String = "") {
        self.profile = profile
        self.scope = scope
        self.owner = scope == .profile ? "" : owner
    }
}

/// A past message found by `session_search`.
public struct SearchHit: Sendable, Equatable {
    public var sessionID: String
    public var role: SessionMessage.Role
    public var snippet: String
    public var at: Date

    public init(sessionID: String, role: SessionMessage.Role, snippet: String, at: Date) {
        self.sessionID = sessionID
        self.role = role
        self.snippet = snippet
        self.at = at
    }
}

/// Token use summed by day, profile and model, for `herald usage`.
public struct UsageRow: Sendable, Equatable {
    public var day: String
    public var profile: String
    public var model: String
    public var calls: Int
    public var usage: Usage

    public init(day: String, profile: String, model: String, calls: Int, usage: Usage) {
        self.day = day
        self.profile = profile
        self.model = model
        self.calls = calls
        self.usage = usage
    }
}
