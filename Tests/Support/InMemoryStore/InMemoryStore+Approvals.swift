import Foundation
import HeraldCore

extension InMemoryStore {
    public func saveApproval(_ request: ApprovalRequest) -> ApprovalRequest {
        var saved = request
        saved.id = newID()
        approvals.append(saved)
        return saved
    }

    public func approval(forInbox id: Int64) -> ApprovalRequest? { approvals.last { $0.inboxID == id } }

    public func pendingApprovals(in conversation: ConversationRef) -> [ApprovalRequest] {
        approvals.filter { $0.conversation == conversation && $0.decision == nil }
    }

    public func decideApproval(_ id: Int64, _ decision: ApprovalDecision, by: String?, at: Date) -> Bool {
        guard let i = approvals.firstIndex(where: { $0.id == id && $0.decision == nil }) else { return false }
        approvals[i].decision = decision
        approvals[i].decidedBy = by
        return true
    }
}
