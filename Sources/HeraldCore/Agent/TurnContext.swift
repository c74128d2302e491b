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
/// before it: persona, frozen memory, skill index. No time, no counters, and no summary: a
/// compaction changes the summary, and the persona, skills and tool schemas (which the chat
/// template renders into the same block) must stay in llama.cpp's cache across it.
public enum SystemPrompt {
    public static let skillsHeader = "## Skills\nCall skill_view with a skill's name to read its instructions before using it."
    public static let summaryHeader = "[Summary of our earlier conversation]"

    public static func parts(soul: String, memory: String?, skills: [Skill]) -> [(name: String, text: String)] {
        var parts: [(String, String)] = [("soul", soul)]
        if let memory, !memory.isEmpty { parts.append(("memory", memory)) }
        if !skills.isEmpty { parts.append(("skill index", skillsHeader + "\n" + skills.map(\.indexLine).joined(separator: "\n"))) }
        return parts
    }

    public static func text(soul: String, memory: String?, skills: [Skill]) -> String {
        parts(soul: soul, memory: memory, skills: skills).map(\.text).joined(separator: "\n\n")
    }

    /// The summary as it opens the first user message after the system prompt (a message of
    /// its own would break templates that insist on alternating roles).
    public static func summaryBlock(_ summary: String?) -> String? {
        guard let summary, !summary.isEmpty else { return nil }
        return summaryHeader + "\n" + summary + "\n\n"
    }

    /// `messages` (a system prompt, then history starting with a user message) with the
    /// summary put in front of the first user message.
    public static func withSummary(_ summary: String?, _ messages: [SessionMessage]) -> [SessionMessage] {
        guard let block = summaryBlock(summary), let i = messages.firstIndex(where: { $0.role == .user }) else { return messages }
        var out = messages
        out[i].content = block + out[i].content
        return out
    }

    /// Tool schemas as they weigh in the prompt (the chat template renders them as text).
    public static func toolsText(_ tools: [ToolSpec]) -> String {
        tools.map { "{\"name\":\"\($0.name)\",\"description\":\"\($0.description)\",\"parameters\":\($0.parametersJSON)}" }
            .joined(separator: "\n")
    }
}
