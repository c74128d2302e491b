import Foundation

/// Where a turn stood when a tool call needed the person's approval: the prompt so far, what
/// the turn has added, its usage, and the calls still to run (the first is the one asked
/// about). Kept with the approval request, so the turn goes on from here after a decision,
/// even after a restart, without asking the model again.
public struct AgentCheckpoint: Sendable, Codable, Equatable {
    public var backend: String
    public var messages: [SessionMessage]
    public var appended: [SessionMessage]
    public var usage: [Usage]
    public var userTokens: Int
    public var round: Int
    public var pending: [ToolCall]
    public var compaction: Compaction?
    public var notice: String?

    public init(
        backend: String, messages: [SessionMessage], appended: [SessionMessage], usage: [Usage], userTokens: Int, round: Int,
        pending: [ToolCall], compaction: Compaction? = nil, notice: String? = nil
    ) {
        self.backend = backend
        self.messages = messages
        self.appended = appended
        self.usage = usage
        self.userTokens = userTokens
        self.round = round
        self.pending = pending
        self.compaction = compaction
        self.notice = notice
    }
}

/// Thrown by the agent when the next tool call needs the person's approval; the gateway
/// asks, waits durably and resumes the turn from `checkpoint`.
public struct AwaitingApproval: Error, Sendable {
    public var checkpoint: AgentCheckpoint
    /// The call asked about, as the person reads it.
    public var tool: String
    public var arguments: String
    /// The question in words: the exact call (for a command, its text and folder).
    public var question: String
}

/// What the person decided about one tool call.
public enum ApprovalDecision: String, Sendable, Codable {
    case approved, denied, expired
}
