import Foundation

/// Tool calls waiting for a person's approval, kept so a restart keeps the request and the
/// turn's place. SQLStore implements it.
public protocol ApprovalStore: Sendable {
    /// Stores a new request; returns it with its id.
    func saveApproval(_ request: ApprovalRequest) async throws -> ApprovalRequest
    /// The newest request of a turn (a turn may ask more than once, one call after another).
    func approval(forInbox id: Int64) async throws -> ApprovalRequest?
    /// Requests of a conversation still waiting, oldest first.
    func pendingApprovals(in conversation: ConversationRef) async throws -> [ApprovalRequest]
    /// Decides a pending request; false when it was decided already (or does not exist).
    func decideApproval(_ id: Int64, _ decision: ApprovalDecision, by: String?, at: Date) async throws -> Bool
}
