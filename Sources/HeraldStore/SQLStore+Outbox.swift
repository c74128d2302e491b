import Foundation
import HeraldCore

extension SQLStore {
    public func claimDueOutbox(now: Date, adapters: Set<AdapterID>, limit: Int) throws -> [OutboxEntry] {
        try db.transaction {
            var claimed: [OutboxEntry] = []
            for a in adapters {
                // Only the oldest unfinished row per conversation: a later reply never overtakes
                // an earlier one that is waiting for a retry.
                let rows = try db.query(
                    """
                    SELECT o.id, o.payload, o.attempts, o.plan FROM outbox o
                    WHERE o.platform = ? AND o.account = ? AND o.state = 'pending' AND o.next_attempt_at <= ?
                      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation = o.conversation
                                      AND p.id < o.id AND p.state IN ('pending','sending'))
                    ORDER BY o.id LIMIT ?\(db.dialect == .postgres ? " FOR UPDATE OF o SKIP LOCKED" : "")
                    """,
                    [.text(a.platform.rawValue), .text(a.account), .real(now.timeIntervalSince1970), .int(Int64(limit))])
                for r in rows {
                    guard let id = r[0].int, let payload = r[1].string else { continue }
                    guard let m = try? decoder.decode(OutboundMessage.self, from: Data(payload.utf8)) else {
                        try db.query(
                            "UPDATE outbox SET state = 'failed', last_error = 'undecodable payload' WHERE id = ?", [.int(id)])
                        continue
                    }
                    let plan = r[3].string.flatMap { try? decoder.decode(DeliveryPlan.self, from: Data($0.utf8)) }
                    // The claim names its owner and runs out: a shared database later recovers
                    // only rows whose lease ran out; here the gateway lock says more (below).
                    try db.query(
                        """
                        UPDATE outbox SET state = 'sending', attempts = attempts + 1, waits_for_link = 0, claimed_by = ?,
                          claim_expires = ?, updated_at = ? WHERE id = ?
                        """,
                        [
                            .text(owner), .real(now.timeIntervalSince1970 + Self.claimLease), .real(now.timeIntervalSince1970),
                            .int(id),
                        ])
                    claimed.append(OutboxEntry(id: id, message: m, attempts: Int(r[2].int ?? 0) + 1, plan: plan))
                }
            }
            return claimed
        }
    }

    private func encoded(_ plan: DeliveryPlan) throws -> String {
        String(decoding: try encoder.encode(plan), as: UTF8.self)
    }

    public func markInFlight(_ id: Int64, chunk: Int, plan: DeliveryPlan) throws {
        try db.query(
            "UPDATE outbox SET plan = ?, in_flight = ?, claim_expires = ?, updated_at = ? WHERE id = ?",
            [
                .text(try encoded(plan)), .int(Int64(chunk)), .real(Date().timeIntervalSince1970 + Self.claimLease),
                .real(Date().timeIntervalSince1970), .int(id),
            ])
    }

    public func recordProgress(_ id: Int64, plan: DeliveryPlan) throws {
        try db.query(
            "UPDATE outbox SET plan = ?, in_flight = NULL, platform_message_id = ?, updated_at = ? WHERE id = ?",
            [
                .text(try encoded(plan)), .text(plan.platformIDs.joined(separator: ",")), .real(Date().timeIntervalSince1970),
                .int(id),
            ])
    }

    public func markSent(_ id: Int64, receipt: DeliveryReceipt) throws {
        try db.query(
            "UPDATE outbox SET state = 'sent', in_flight = NULL, platform_message_id = ?, last_error = NULL, updated_at = ? WHERE id = ?",
            [.text(receipt.platformMessageIDs.joined(separator: ",")), .real(Date().timeIntervalSince1970), .int(id)])
    }

    public func markRetry(_ id: Int64, error: String, notBefore: Date, waitsForLink: Bool = false, countAttempt: Bool = true) throws {
        try db.query(
            """
            UPDATE outbox SET state = 'pending', in_flight = NULL, last_error = ?, next_attempt_at = ?, waits_for_link = ?,
              attempts = CASE WHEN attempts > ? THEN attempts - ? ELSE 0 END, updated_at = ? WHERE id = ?
            """,
            [
                .text(error), .real(notBefore.timeIntervalSince1970), .int(waitsForLink ? 1 : 0), .int(countAttempt ? 0 : 1), .int(countAttempt ? 0 : 1),
                .real(Date().timeIntervalSince1970), .int(id),
            ])
    }

    public func markFailed(_ id: Int64, error: String, historyNote: String? = nil) throws {
        try db.transaction {
            try db.query(
                "UPDATE outbox SET state = 'failed', in_flight = NULL, last_error = ?, history_note = ?, updated_at = ? WHERE id = ?",
                [.text(error), historyNote.map { .text($0) } ?? .null, .real(Date().timeIntervalSince1970), .int(id)])
            guard let historyNote else { return }
            // The reply the row carried is the turn's last assistant message.
            try db.query(
                """
                UPDATE session_messages SET content = content || ? WHERE id = (
                  SELECT max(m.id) FROM session_messages m JOIN outbox o ON o.inbox_id = m.inbox_id
                  WHERE o.id = ? AND m.role = 'assistant')
                """,
                [.text(historyNote), .int(id)])
        }
    }

    public func recoverInterruptedDeliveries(adapters: Set<AdapterID>) throws -> [InterruptedDelivery] {
        try db.transaction {
            var found: [InterruptedDelivery] = []
            for a in adapters {
                // Under the gateway lock every claim of another owner is a dead process's; this
                // process's own live claims are never taken back.
                let rows = try db.query(
                    """
                    SELECT id, in_flight FROM outbox WHERE platform = ? AND account = ? AND state = 'sending'
                      AND coalesce(claimed_by, '') != ? ORDER BY id
                    """,
                    [.text(a.platform.rawValue), .text(a.account), .text(owner)])
                found += rows.compactMap { r in r[0].int.map { InterruptedDelivery(id: $0, adapter: a, chunkInFlight: r[1].int.map(Int.init)) } }
                try db.query(
                    """
                    UPDATE outbox SET state = 'pending', last_error = 'interrupted while sending', in_flight = NULL, claimed_by = NULL
                    WHERE platform = ? AND account = ? AND state = 'sending' AND coalesce(claimed_by, '') != ?
                    """,
                    [.text(a.platform.rawValue), .text(a.account), .text(owner)])
            }
            return found
        }
    }

    public func wakeOutbox(adapter: AdapterID) throws -> Int {
        try db.query(
            "UPDATE outbox SET next_attempt_at = ?, waits_for_link = 0 WHERE platform = ? AND account = ? AND state = 'pending' AND waits_for_link = 1",
            [.real(Date().timeIntervalSince1970), .text(adapter.platform.rawValue), .text(adapter.account)])
        return db.changes
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

    private static let recordColumns =
        "id, payload, state, attempts, last_error, plan, platform_message_id, created_at, updated_at"

    private func record(_ r: [SQLValue]) -> OutboxRecord? {
        guard let id = r[0].int, let payload = r[1].string, let state = OutboxState(rawValue: r[2].string ?? ""),
            let message = try? decoder.decode(OutboundMessage.self, from: Data(payload.utf8))
        else { return nil }
        return OutboxRecord(
            id: id, message: message, state: state, attempts: Int(r[3].int ?? 0), error: r[4].string,
            plan: r[5].string.flatMap { try? decoder.decode(DeliveryPlan.self, from: Data($0.utf8)) },
            platformMessageIDs: (r[6].string ?? "").split(separator: ",").map(String.init),
            createdAt: Date(timeIntervalSince1970: r[7].double ?? 0), updatedAt: Date(timeIntervalSince1970: r[8].double ?? 0))
    }

    public func outboxRecords(states: Set<OutboxState>, limit: Int) throws -> [OutboxRecord] {
        let filter = states.isEmpty ? "" : "WHERE state IN (\(states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")))"
        return try db.query("SELECT \(Self.recordColumns) FROM outbox \(filter) ORDER BY id DESC LIMIT ?", [.int(Int64(limit))])
            .compactMap(record)
    }

    public func outboxRecord(_ id: Int64) throws -> OutboxRecord? {
        try db.query("SELECT \(Self.recordColumns) FROM outbox WHERE id = ?", [.int(id)]).first.flatMap(record)
    }

    public func retryOutbox(_ id: Int64) throws -> Bool {
        try db.transaction {
            // The reply is on its way again: the history no longer says it was not delivered.
            try db.query(
                """
                UPDATE session_messages SET content = replace(content, (SELECT history_note FROM outbox WHERE id = ?), '')
                WHERE id = (SELECT max(m.id) FROM session_messages m JOIN outbox o ON o.inbox_id = m.inbox_id
                            WHERE o.id = ? AND m.role = 'assistant' AND o.history_note IS NOT NULL AND o.state = 'failed')
                """,
                [.int(id), .int(id)])
            try db.query(
                """
                UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, waits_for_link = 0, history_note = NULL,
                  updated_at = ? WHERE id = ? AND state = 'failed'
                """,
                [.real(Date().timeIntervalSince1970), .real(Date().timeIntervalSince1970), .int(id)])
            return db.changes > 0
        }
    }

    public func outboxCounts() throws -> [OutboxState: Int] {
        var out: [OutboxState: Int] = [:]
        for r in try db.query("SELECT state, count(*) FROM outbox GROUP BY state") {
            if let s = OutboxState(rawValue: r[0].string ?? "") { out[s] = Int(r[1].int ?? 0) }
        }
        return out
    }
}
