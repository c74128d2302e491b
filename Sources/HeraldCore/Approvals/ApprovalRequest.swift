import Foundation

/// A tool call waiting for (or decided by) the person whose message started the turn.
public struct ApprovalRequest: Sendable, Equatable {
    public var id: Int64
    /// The turn that waits.
    public var inboxID: Int64
    public var conversation: ConversationRef
    /// Who may decide: the stable id of the sender of the turn's message.
    public var owner: String
    public var tool: String
    public var arguments: String
    public var createdAt: Date
    public var expiresAt: Date
    /// nil while pending.
    public var decision: ApprovalDecision?
    public var decidedBy: String?
    public var checkpoint: AgentCheckpoint

    public init(
        id: Int64 = 0, inboxID: Int64, conversation: ConversationRef, owner: String, tool: String, arguments: String, createdAt: Date,
        expiresAt: Date, decision: ApprovalDecision? = nil, decidedBy: String? = nil, checkpoint: AgentCheckpoint
    ) {
        self.id = id
        self.inboxID = inboxID
        self.conversation = conversation
        self.owner = owner
        self.tool = tool
        self.arguments = arguments
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.decision = decision
        self.decidedBy = decidedBy
        self.checkpoint = checkpoint
    }
}
