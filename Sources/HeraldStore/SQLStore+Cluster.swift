import Foundation
import HeraldCore

extension SQLStore: ClusterStore {
    public nonisolated var node: String { owner }

    public func acquireAdapter(_ adapter: AdapterID, lease: TimeInterval, now: Date) throws -> Bool {
        let t = now.timeIntervalSince1970
        // One statement, so two nodes racing for a free account cannot both win: the loser's
        // insert conflicts, waits for the winner's commit and then finds a live lease.
        try db.query(
            """
            INSERT INTO adapter_leases (platform, account, owner, expires_at, acquired_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (platform, account) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
              acquired_at = CASE WHEN adapter_leases.owner = excluded.owner THEN adapter_leases.acquired_at ELSE excluded.acquired_at END
            WHERE adapter_leases.owner = excluded.owner OR adapter_leases.expires_at < ?
            """,
            [.text(adapter.platform.rawValue), .text(adapter.account), .text(owner), .real(t + lease), .real(t), .real(t)])
        return db.changes == 1
    }

    public func releaseAdapter(_ adapter: AdapterID) throws {
        try db.transaction {
            try db.query(
                "DELETE FROM adapter_leases WHERE platform = ? AND account = ? AND owner = ?",
                [.text(adapter.platform.rawValue), .text(adapter.account), .text(owner)])
            try signal(.lease)
        }
    }

    /// Who holds each adapter account and until when, for `herald doctor` and tests.
    public func adapterLeases() throws -> [AdapterID: (owner: String, expires: Date)] {
        var out: [AdapterID: (owner: String, expires: Date)] = [:]
        for r in try db.query("SELECT platform, account, owner, expires_at FROM adapter_leases") {
            out[AdapterID(platform: Platform(r[0].string ?? ""), account: r[1].string ?? "")] =
                (r[2].string ?? "", Date(timeIntervalSince1970: r[3].double ?? 0))
        }
        return out
    }

    public func claimInbox(adapters: Set<AdapterID>, newLanes: Int, lease: TimeInterval, now: Date, limit: Int) throws
        -> [InboxEntry]
    {
        guard !adapters.isEmpty else { return [] }
        let t = now.timeIntervalSince1970
        let (inAdapters, keys) = Self.inAdapters(adapters)
        let (inAdaptersOfI, _) = Self.inAdapters(adapters, table: "i.")
        let rows: [[SQLValue]] = try db.transaction {
            try db.query("UPDATE lanes SET expires_at = ? WHERE owner = ?", [.real(t + lease), .text(owner)])
            if newLanes > 0 {
                // The oldest waiting sessions no live node works. Two nodes may pick the same
                // one; the upsert's condition lets only the first have it. (`WHERE true` tells
                // SQLite's parser the ON belongs to the upsert, not to a join.)
                try db.query(
                    """
                    INSERT INTO lanes (conversation, owner, expires_at)
                    SELECT conversation, ?, ? FROM (
                      SELECT conversation, min(id) AS first FROM inbox
                      WHERE state = 'pending' AND \(inAdapters)
                        AND conversation NOT IN (SELECT conversation FROM lanes WHERE expires_at >= ?)
                      GROUP BY conversation ORDER BY first LIMIT ?) AS waiting
                    WHERE true
                    ON CONFLICT (conversation) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE lanes.owner = excluded.owner OR lanes.expires_at < ?
                    """,
                    [.text(owner), .real(t + lease)] + keys + [.real(t), .int(Int64(newLanes)), .real(t)])
            }
            return try db.query(
                """
                SELECT i.id, i.payload, i.attempts FROM inbox i JOIN lanes l ON l.conversation = i.conversation
                WHERE l.owner = ? AND i.state = 'pending' AND \(inAdaptersOfI)
                ORDER BY i.id LIMIT ?
                """,
                [.text(owner)] + keys + [.int(Int64(limit))])
        }
        return try inboxEntries(rows)
    }

    @discardableResult
    public func releaseLane(_ conversation: String) throws -> Bool {
        try db.query(
            """
            DELETE FROM lanes WHERE conversation = ? AND owner = ?
              AND NOT EXISTS (SELECT 1 FROM inbox WHERE conversation = ? AND state = 'pending')
            """, [.text(conversation), .text(owner), .text(conversation)])
        return db.changes == 1
    }

    public func renewLeases(lease: TimeInterval, now: Date) throws {
        let until = now.timeIntervalSince1970 + lease
        try db.transaction {
            try db.query("UPDATE lanes SET expires_at = ? WHERE owner = ?", [.real(until), .text(owner)])
            try db.query("UPDATE adapter_leases SET expires_at = ? WHERE owner = ?", [.real(until), .text(owner)])
            try db.query(
                "UPDATE outbox SET claim_expires = ? WHERE claimed_by = ? AND state = 'sending'",
                [.real(now.timeIntervalSince1970 + Self.claimLease), .text(owner)])
        }
    }

    public func listen(_ wake: @escaping @Sendable (ClusterSignal) -> Void) async throws {
        guard let url = listenURL else {
            // One process on SQLite: its own bells already ring; nothing to hear from others.
            try await Task.sleep(for: .seconds(86400 * 365 * 100))
            return
        }
        let listener = PostgresListener(url: url.url, password: url.password, channel: Self.channel) { payload in
            if let s = ClusterSignal(rawValue: payload) { wake(s) }
        }
        try await listener.run()
    }

    static let channel = "herald"

    /// Wakes the other nodes once this transaction commits (PostgreSQL delivers NOTIFY at commit).
    func signal(_ what: ClusterSignal) throws {
        guard db.dialect == .postgres else { return }
        try db.query("SELECT pg_notify(?, ?)", [.text(Self.channel), .text(what.rawValue)])
    }
}
