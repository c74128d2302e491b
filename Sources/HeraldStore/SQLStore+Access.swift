import Foundation
import HeraldCore

extension SQLStore {
    public func isApproved(adapter: AdapterID, senderID: String) throws -> Bool {
        !(try db.query(
            "SELECT 1 FROM approved_senders WHERE platform = ? AND account = ? AND sender_id = ?",
            [.text(adapter.platform.rawValue), .text(adapter.account), .text(senderID)]
        ).isEmpty)
    }

    public func requestPairing(
        adapter: AdapterID, sender: Sender, conversation: ConversationRef, code: String, now: Date,
        validity: TimeInterval, maxPending: Int
    ) throws -> PairingOutcome {
        try db.transaction {
            let t = now.timeIntervalSince1970
            let p = adapter.platform.rawValue
            if let existing = try db.query(
                "SELECT code FROM pairings WHERE platform = ? AND account = ? AND sender_id = ? AND state = 'pending' AND expires_at > ?",
                [.text(p), .text(adapter.account), .text(sender.id), .real(t)]
            ).first?.first?.string {
                return .alreadyPending(existing)
            }
            let pending = try db.query(
                "SELECT count(*) FROM pairings WHERE platform = ? AND account = ? AND state = 'pending' AND expires_at > ?",
                [.text(p), .text(adapter.account), .real(t)]
            ).first?.first?.int ?? 0
            if pending >= maxPending { return .tooMany }
            try db.query(
                """
                INSERT INTO pairings (code, platform, account, sender_id, sender_name, conversation, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(code), .text(p), .text(adapter.account), .text(sender.id), .text(sender.displayName),
                 .text(conversation.key), .real(t), .real(t + validity)])
            return .issued(code)
        }
    }

    public func approvePairing(code: String, now: Date) throws -> PairingRecord? {
        try db.transaction {
            guard let record = try pairing(code), record.state == .pending, record.expiresAt > now else { return nil }
            try db.query("UPDATE pairings SET state = 'approved' WHERE code = ?", [.text(code)])
            try db.query(
                "INSERT INTO approved_senders (platform, account, sender_id, approved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.text(record.adapter.platform.rawValue), .text(record.adapter.account), .text(record.sender.id),
                 .real(now.timeIntervalSince1970)])
            var approved = record
            approved.state = .approved
            return approved
        }
    }

    public func denyPairing(code: String) throws -> PairingRecord? {
        guard var record = try pairing(code), record.state == .pending else { return nil }
        try db.query("UPDATE pairings SET state = 'denied' WHERE code = ?", [.text(code)])
        record.state = .denied
        return record
    }

    public func pairings(now: Date) throws -> [PairingRecord] {
        try db.query(
            "SELECT code FROM pairings WHERE state = 'pending' AND expires_at > ? ORDER BY created_at",
            [.real(now.timeIntervalSince1970)]
        ).compactMap { try pairing($0[0].string ?? "") }
    }

    private func pairing(_ code: String) throws -> PairingRecord? {
        guard let r = try db.query(
            "SELECT code, platform, account, sender_id, sender_name, conversation, created_at, expires_at, state FROM pairings WHERE code = ?",
            [.text(code)]
        ).first, let conversation = ConversationRef(key: r[5].string ?? "") else { return nil }
        return PairingRecord(
            code: r[0].string ?? "", adapter: AdapterID(platform: Platform(r[1].string ?? ""), account: r[2].string ?? ""),
            sender: Sender(id: r[3].string ?? "", displayName: r[4].string ?? ""), conversation: conversation,
            createdAt: Date(timeIntervalSince1970: r[6].double ?? 0), expiresAt: Date(timeIntervalSince1970: r[7].double ?? 0),
            state: PairingRecord.State(rawValue: r[8].string ?? "") ?? .pending)
    }
}
