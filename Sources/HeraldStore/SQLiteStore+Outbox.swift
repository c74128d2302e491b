import Foundation
import HeraldCore

extension SQLiteStore {
    public func claimDueOutbox(now: Date, adapters: Set<AdapterID>, limit: Int) throws -> [OutboxEntry] {
        try db.transaction {
            var claimed: [OutboxEntry] = []
            for a in adapters {
                // Only the oldest unfinished row per conversation: a later reply never overtakes
                // an earlier one that is waiting for a retry.
                let rows = try db.query(
                    """
                    SELECT o.id, o.payload, o.attempts FROM outbox o
                    WHERE o.platform = ? AND o.account = ? AND o.state = 'pending' AND o.next_attempt_at <= ?
                      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation = o.conversation
                                      AND p.id < o.id AND p.state IN ('pending','sending'))
                    ORDER BY o.id LIMIT ?
                    """,
                    [.text(a.platform.rawValue), .text(a.account), .real(now.timeIntervalSince1970), .int(Int64(limit))])
                for r in rows {
                    guard let id = r[0].int, let payload = r[1].string else { continue }
                    guard let m = try? decoder.decode(OutboundMessage.self, from: Data(payload.utf8)) else {
                        try db.query(
                            "UPDATE outbox SET state = 'failed', last_error = 'undecodable payload' WHERE id = ?", [.int(id)])
                        continue
                    }
                    try db.query(
                        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                        [.real(now.timeIntervalSince1970), .int(id)])
                    claimed.append(OutboxEntry(id: id, message: m, attempts: Int(r[2].int ?? 0) + 1))
                }
            }
            return claimed
        }
    }

    public func markSent(_ id: Int64, receipt: DeliveryReceipt) throws {
        try db.query(
            "UPDATE outbox SET state = 'sent', platform_message_id = ?, last_error = NULL, updated_at = ? WHERE id = ?",
            [.text(receipt.platformMessageIDs.joined(separator: ",")), .real(Date().timeIntervalSince1970), .int(id)])
    }

    public func markRetry(_ id: Int64, error: String, notBefore: Date) throws {
        try db.query(
            "UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            [.text(error), .real(notBefore.timeIntervalSince1970), .real(Date().timeIntervalSince1970), .int(id)])
    }

    public func markFailed(_ id: Int64, error: String) throws {
        try db.query(
            "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
            [.text(error), .real(Date().timeIntervalSince1970), .int(id)])
    }

    public func recoverInterruptedDeliveries(adapters: Set<AdapterID>) throws -> [Int64] {
        try db.transaction {
            var ids: [Int64] = []
            for a in adapters {
                let rows = try db.query(
                    "SELECT id FROM outbox WHERE platform = ? AND account = ? AND state = 'sending'",
                    [.text(a.platform.rawValue), .text(a.account)])
                ids += rows.compactMap { $0[0].int }
                try db.query(
                    "UPDATE outbox SET state = 'pending', last_error = 'interrupted while sending' WHERE platform = ? AND account = ? AND state = 'sending'",
                    [.text(a.platform.rawValue), .text(a.account)])
            }
            return ids
        }
    }

    public func nextOutboxAttempt(adapters: Set<AdapterID>) throws -> Date? {
        var earliest: Double?
        for a in adapters {
            if let t = try db.query(
                "SELECT min(next_attempt_at) FROM outbox WHERE platform = ? AND account = ? AND state = 'pending'",
                [.text(a.platform.rawValue), .text(a.account)]
            ).first?.first?.double {
                earliest = min(earliest ?? t, t)
            }
        }
        return earliest.map { Date(timeIntervalSince1970: $0) }
    }

    public func outboxState(_ id: Int64) throws -> (state: OutboxState, platformMessageID: String?, error: String?)? {
        guard let r = try db.query(
            "SELECT state, platform_message_id, last_error FROM outbox WHERE id = ?", [.int(id)]
        ).first, let state = OutboxState(rawValue: r[0].string ?? "") else { return nil }
        return (state, r[1].string, r[2].string)
    }

    /// Outbox rows by state, for tests and `herald doctor`.
    public func outboxCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try db.query("SELECT state, count(*) FROM outbox GROUP BY state") {
            out[r[0].string ?? "?"] = Int(r[1].int ?? 0)
        }
        return out
    }
}
