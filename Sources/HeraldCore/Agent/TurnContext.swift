import Foundation

/// Everything one turn's prompt is built from: the profile, the session and what is switched
/// on in it, the person talking, and the history since the session's summary.
public struct TurnContext: Sendable {
    public var profile: Profile
    public var session: SessionRecord
    public var state: SessionState
    /// Enabled skills, in name order (the index must not reorder between turns).
    public var skills: [Skill]
    /// Enabled tool sets.
    public var toolsets: Set<String>
    /// The person talking: their stable id (`platform/sender`).
    public var sender: String
    /// Messages after the summary point, oldest first.
    public var history: [SessionMessage]
    /// 0 for a person's session; a sub-agent is one deeper than its parent.
    public var depth: Int
    /// Set on a session's first turn: the memory block to freeze, written with the turn's
    /// commit (one transaction fewer per new session than writing it up front).
    public var memoryToFreeze: String?

    public init(
        profile: Profile, session: SessionRecord, state: SessionState, skills: [Skill], toolsets: Set<String>,
        sender: String, history: [SessionMessage], depth: Int = 0
    ) {
        self.depth = depth
        self.profile = profile
        self.session = session
        self.state = state
        self.skills = skills
        self.toolsets = toolsets
        self.sender = sender
        self.history = history
    }

    /// Model backends in the order to try: a `/model` choice first, then the profile's chain.
    public var chain: [String] {
        guard let first = state.settings.model else { return profile.config.models }
        return [first] + profile.config.models.filter { $0 != first }
    }

    public var toolContext: ToolContext {
        ToolContext(session: session, profile: profile, sender: sender, skills: skills, toolsets: toolsets, depth: depth)
    }
}

/// The system prompt, most stable part first so a change late in it keeps the cached prefix
/// before it: persona, frozen memory, skill index, summary. No time, no counters.
public enum SystemPrompt {
    public static let skillsHeader = "## Skills\nCall skill_view with a skill's name to read its instructions before using it."
    public static let summaryHeader = "## Summary of the earlier conversation"

    public static func parts(soul: String, memory: String?, skills: [Skill], summary: String?) -> [(name: String, text: String)] {
        var parts: [(String, String)] = [("soul", soul)]
        if let memory, !memory.isEmpty { parts.append(("memory", memory)) }
        if !skills.isEmpty { parts.append(("skill index", skillsHeader + "\n" + skills.map(\.indexLine).joined(separator: "\n"))) }
        if let summary, !summary.isEmpty { parts.append(("summary", summaryHeader + "\n" + summary)) }
        return parts
    }

    public static func text(soul: String, memory: String?, skills: [Skill], summary: String?) -> String {
        parts(soul: soul, memory: memory, skills: skills, summary: summary).map(\.text).joined(separator: "\n\n")
    }

    /// Tool schemas as they weigh in the prompt (the chat template renders them as text).
    public static func toolsText(_ tools: [ToolSpec]) -> String {
        tools.map { "{\"name\":\"\($0.name)\",\"description\":\"\($0.description)\",\"parameters\":\($0.parametersJSON)}" }
            .joined(separator: "\n")
    }
}
