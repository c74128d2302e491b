import Foundation
import HeraldCore

extension SQLStore {
    private static let approvalColumns =
        "id, inbox_id, conversation, owner, tool, arguments, created_at, expires_at, decision, decided_by, checkpoint"

    public func saveApproval(_ request: ApprovalRequest) throws -> ApprovalRequest {
        let checkpoint = String(decoding: try encoder.encode(request.checkpoint), as: UTF8.self)
        let id = try db.insert(
            """
            INSERT INTO approvals (inbox_id, conversation, owner, tool, arguments, created_at, expires_at, checkpoint)
            VALUES (?,?,?,?,?,?,?,?)
            """,
            [
                .int(request.inboxID), .text(request.conversation.key), .text(request.owner), .text(request.tool), .text(request.arguments),
                .real(request.createdAt.timeIntervalSince1970), .real(request.expiresAt.timeIntervalSince1970), .text(checkpoint),
            ])
        var saved = request
        saved.id = id ?? 0
        return saved
    }

    public func approval(forInbox id: Int64) throws -> ApprovalRequest? {
        try db.query("SELECT \(Self.approvalColumns) FROM approvals WHERE inbox_id = ? ORDER BY id DESC LIMIT 1", [.int(id)])
            .first.flatMap(approval(from:))
    }

    public func pendingApprovals(in conversation: ConversationRef) throws -> [ApprovalRequest] {
        try db.query(
            "SELECT \(Self.approvalColumns) FROM approvals WHERE conversation = ? AND decision IS NULL ORDER BY id", [.text(conversation.key)]
        ).compactMap(approval(from:))
    }

    public func decideApproval(_ id: Int64, _ decision: ApprovalDecision, by: String?, at: Date) throws -> Bool {
        try db.query(
            "UPDATE approvals SET decision = ?, decided_by = ?, decided_at = ? WHERE id = ? AND decision IS NULL",
            [.text(decision.rawValue), by.sql, .real(at.timeIntervalSince1970), .int(id)])
        return db.changes == 1
    }

    private func approval(from r: [SQLValue]) -> ApprovalRequest? {
        guard let conversation = ConversationRef(key: r[2].string ?? ""),
            let checkpoint = try? decoder.decode(AgentCheckpoint.self, from: Data((r[10].string ?? "").utf8))
        else { return nil }
        return ApprovalRequest(
            id: r[0].int ?? 0, inboxID: r[1].int ?? 0, conversation: conversation, owner: r[3].string ?? "", tool: r[4].string ?? "",
            arguments: r[5].string ?? "", createdAt: Date(timeIntervalSince1970: r[6].double ?? 0),
            expiresAt: Date(timeIntervalSince1970: r[7].double ?? 0), decision: r[8].string.flatMap(ApprovalDecision.init(rawValue:)),
            decidedBy: r[9].string, checkpoint: checkpoint)
    }
}
