import Foundation
import HeraldCore

/// Herald's state: the inbox, outbox, cursors, sessions, session messages, usage, jobs,
/// the library and pairings. In one SQLite file (WAL mode), the embedded default; or in a
/// PostgreSQL database several nodes share. An actor: one connection, every call serialised.
/// The SQL is written once; `SQLDialect` holds the few places the two differ.
public actor SQLStore: Store {
    let db: any SQLDatabase
    private let checkpointer: Checkpointer?
    /// Its own thread: a database wait never holds one of the cooperative pool's.
    private nonisolated let executor = StoreExecutor(name: "herald-store")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()

    /// Who this store's claims belong to: one process's instance, so a row it claimed is told
    /// apart from one a dead process (or another node) holds.
    public let owner: String
    /// How long an outbox claim holds without progress.
    public static let claimLease: TimeInterval = 300
    /// Where the store lives, for messages ("/var/lib/herald/herald.sqlite", "postgresql://herald@db/herald").
    public nonisolated let location: String
    /// Several nodes may share this store (PostgreSQL): claims are leased, not taken for good.
    public nonisolated let isShared: Bool
    /// Where the listener for other nodes connects (PostgreSQL only).
    nonisolated let listenURL: (url: String, password: String?)?

    /// Opens or creates the SQLite store at `path` and brings its schema up to date.
    /// `durable` uses `synchronous=FULL` (survives power loss); the default `NORMAL` survives
    /// any process crash, which is what the pipeline's guarantees are about.
    public init(path: String, durable: Bool = false) throws {
        let db = try SQLiteConnection(path: path, synchronous: durable ? "FULL" : "NORMAL")
        self.db = db
        owner = Self.newOwner()
        location = path
        isShared = false
        listenURL = nil
        try Self.migrate(db)
        if path != ":memory:" {
            try db.execute("PRAGMA wal_autocheckpoint=0")
            checkpointer = Checkpointer(path: path)
        } else {
            checkpointer = nil
        }
    }

    /// Connects to the PostgreSQL database at `url` (`postgresql://user@host:port/db`), the
    /// password given apart (a secret reference, never config text), and migrates it.
    /// `node` names this process in every lease it takes: "NAME/random" (default host/pid/random);
    /// the random part is new at each start, so a restarted node never mistakes the leases of
    /// its dead predecessor for its own live ones (those run out like any dead node's).
    /// `schema` keeps this store in its own schema of the database (created if missing), so
    /// separate installations or tests can share one database without seeing each other.
    public init(postgres url: String, password: String?, node: String? = nil, schema: String? = nil) throws {
        var url = url
        if let schema {
            guard schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw PostgresError(code: "schema", message: "a schema name is letters, digits and _ only: \(schema)")
            }
            try PostgresConnection(url: url, password: password).execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
            url += (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        let db = try PostgresConnection(url: url, password: password)
        self.db = db
        owner = node.map { "\($0)/\(UUID().uuidString.prefix(8).lowercased())" } ?? Self.newOwner()
        location = PostgresConnection.redacted(url)
        isShared = true
        listenURL = (url, password)
        checkpointer = nil
        try Self.migrate(db)
    }

    private static func newOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
    }

    deinit {
        checkpointer?.stop()
        executor.stop()
    }

    static func migrate(_ db: any SQLDatabase) throws {
        switch db.dialect {
        case .sqlite:
            let version = Int(try db.query("PRAGMA user_version").first?.first?.int ?? 0)
            guard version <= Migrations.all.count else {
                throw SQLiteError(
                    code: 0, message: "the state file has schema version \(version), newer than this Herald (\(Migrations.all.count)); upgrade Herald")
            }
            for (i, sql) in Migrations.all.enumerated().dropFirst(version) {
                try db.transaction {
                    try db.execute(sql)
                    try db.execute("PRAGMA user_version = \(i + 1)")
                }
            }
        case .postgres:
            // Several nodes may start at once: the advisory lock lets one migrate while the
            // others wait, then find nothing left to do.
            try db.transaction {
                try db.query("SELECT pg_advisory_xact_lock(7291)")
                try db.execute("CREATE TABLE IF NOT EXISTS herald_schema (version INTEGER NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
                let version = Int(try db.query("SELECT coalesce(max(version), 0) FROM herald_schema").first?.first?.int ?? 0)
                guard version <= PostgresMigrations.all.count else {
                    throw PostgresError(
                        code: "schema", message: "the database has schema version \(version), newer than this Herald (\(PostgresMigrations.all.count)); upgrade Herald")
                }
                for (i, sql) in PostgresMigrations.all.enumerated().dropFirst(version) {
                    try db.execute(sql)
                    try db.query("INSERT INTO herald_schema (version, applied_at) VALUES (?, ?)", [.int(Int64(i + 1)), .real(Date().timeIntervalSince1970)])
                }
            }
        }
    }

    /// The journal mode of the open file ("wal"); nil for PostgreSQL.
    public func journalMode() throws -> String? {
        db.dialect == .sqlite ? try db.query("PRAGMA journal_mode").first?.first?.string : nil
    }

    /// The schema version of the open store.
    public func schemaVersion() throws -> Int {
        switch db.dialect {
        case .sqlite: Int(try db.query("PRAGMA user_version").first?.first?.int ?? 0)
        case .postgres: Int(try db.query("SELECT coalesce(max(version), 0) FROM herald_schema").first?.first?.int ?? 0)
        }
    }

    // MARK: - Intake

    public func commitInbound(_ messages: [InboundMessage], cursors: [CursorUpdate], state: [CursorUpdate] = []) throws -> [InboxEntry] {
        let now = Date().timeIntervalSince1970
        return try db.transaction {
            var fresh: [InboxEntry] = []
            for m in messages {
                let payload = String(decoding: try encoder.encode(m), as: UTF8.self)
                let id = try db.insert(
                    """
                    INSERT INTO inbox (platform, account, event_id, conversation, sender_id, payload, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, account, event_id) DO NOTHING
                    """,
                    [.text(m.conversation.platform.rawValue), .text(m.conversation.account), .text(m.eventID),
                     .text(m.conversation.key), .text(m.sender.id), .text(payload), .real(now)])
                if let id { fresh.append(InboxEntry(id: id, message: m)) }
            }
            for c in cursors {
                try db.query(
                    """
                    INSERT INTO cursors (platform, account, key, value, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (platform, account, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """,
                    [.text(c.adapter.platform.rawValue), .text(c.adapter.account), .text(c.key), .text(c.value), .real(now)])
            }
            for v in state { try writeState(v.value, adapter: v.adapter, key: v.key, now: now) }
            if !fresh.isEmpty { try signal(.inbox) }
            return fresh
        }
    }

    public func cursor(adapter: AdapterID, key: String) throws -> String? {
        try db.query(
            "SELECT value FROM cursors WHERE platform = ? AND account = ? AND key = ?",
            [.text(adapter.platform.rawValue), .text(adapter.account), .text(key)]
        ).first?.first?.string
    }

    public func adapterState(adapter: AdapterID, key: String) throws -> String? {
        try db.query(
            "SELECT value FROM adapter_state WHERE platform = ? AND account = ? AND key = ?",
            [.text(adapter.platform.rawValue), .text(adapter.account), .text(key)]
        ).first?.first?.string
    }

    public func setAdapterState(_ value: String?, adapter: AdapterID, key: String) throws {
        try writeState(value, adapter: adapter, key: key, now: Date().timeIntervalSince1970)
    }

    func writeState(_ value: String?, adapter: AdapterID, key: String, now: Double) throws {
        guard let value else {
            try db.query(
                "DELETE FROM adapter_state WHERE platform = ? AND account = ? AND key = ?",
                [.text(adapter.platform.rawValue), .text(adapter.account), .text(key)])
            return
        }
        try db.query(
            """
            INSERT INTO adapter_state (platform, account, key, value, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (platform, account, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            [.text(adapter.platform.rawValue), .text(adapter.account), .text(key), .text(value), .real(now)])
    }

    public func pruneAdapterState(adapter: AdapterID, prefix: String, writtenBefore date: Date) throws -> Int {
        // substr rather than LIKE: a prefix may hold % or _. SQLite counts text in code points.
        try db.query(
            "DELETE FROM adapter_state WHERE platform = ? AND account = ? AND substr(key, 1, ?) = ? AND updated_at < ?",
            [.text(adapter.platform.rawValue), .text(adapter.account), .int(Int64(prefix.unicodeScalars.count)), .text(prefix),
             .real(date.timeIntervalSince1970)])
        return db.changes
    }

    public func knownEvents(adapter: AdapterID, eventIDs: [String]) throws -> Set<String> {
        var known = Set<String>()
        for id in eventIDs {
            if try !db.query(
                "SELECT 1 FROM inbox WHERE platform = ? AND account = ? AND event_id = ?",
                [.text(adapter.platform.rawValue), .text(adapter.account), .text(id)]
            ).isEmpty { known.insert(id) }
        }
        return known
    }

    // MARK: - Lanes

    public func pendingInboxCounts() throws -> [AdapterID: Int] {
        var out: [AdapterID: Int] = [:]
        for r in try db.query("SELECT platform, account, count(*) FROM inbox WHERE state = 'pending' GROUP BY platform, account") {
            out[AdapterID(platform: Platform(r[0].string ?? ""), account: r[1].string ?? "")] = Int(r[2].int ?? 0)
        }
        return out
    }

    public func pendingInbox(after id: Int64, adapters: Set<AdapterID>, limit: Int) throws -> [InboxEntry] {
        guard !adapters.isEmpty else { return [] }
        // One query over all adapters, so `limit` and the id order hold across them.
        let (filter, keys) = Self.inAdapters(adapters)
        let rows = try db.query(
            """
            SELECT id, payload, attempts FROM inbox
            WHERE state = 'pending' AND id > ? AND \(filter)
            ORDER BY id LIMIT ?
            """,
            [.int(id)] + keys + [.int(Int64(limit))])
        return try inboxEntries(rows)
    }

    /// `platform || '/' || account IN (?, ...)` over `adapters` (columns of `table`, e.g. "i."),
    /// and the values to bind to it.
    static func inAdapters(_ adapters: Set<AdapterID>, table: String = "") -> (sql: String, values: [SQLValue]) {
        let keys = adapters.map { $0.platform.rawValue + "/" + $0.account }.sorted()
        let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
        return ("\(table)platform || '/' || \(table)account IN (\(marks))", keys.map { .text($0) })
    }

    /// Inbox entries from rows of (id, payload, attempts).
    func inboxEntries(_ rows: [[SQLValue]]) throws -> [InboxEntry] {
        var result: [InboxEntry] = []
        for r in rows {
            guard let id = r[0].int, let payload = r[1].string else { continue }
            do {
                let m = try decoder.decode(InboundMessage.self, from: Data(payload.utf8))
                result.append(InboxEntry(id: id, message: m, attempts: Int(r[2].int ?? 0)))
            } catch {
                // A row this version cannot read is closed with the reason, not retried forever.
                try closeInbox(id, as: .failed, error: "undecodable payload: \(error)")
            }
        }
        return result
    }

    public func closeInbox(_ id: Int64, as disposition: InboxDisposition, error: String?) throws {
        try db.query(
            "UPDATE inbox SET state = ?, last_error = ?, closed_at = ? WHERE id = ?",
            [.text(disposition.rawValue), error.sql, .real(Date().timeIntervalSince1970), .int(id)])
    }

    public func beginTurn(_ id: Int64) throws -> Int {
        try db.query("UPDATE inbox SET starts = starts + 1 WHERE id = ?", [.int(id)])
        return max(0, Int(try db.query("SELECT starts FROM inbox WHERE id = ?", [.int(id)]).first?.first?.int ?? 1) - 1)
    }

    public func leaveTurn(_ id: Int64) throws {
        try db.query("UPDATE inbox SET starts = CASE WHEN starts > 0 THEN starts - 1 ELSE 0 END WHERE id = ?", [.int(id)])
    }

    public func recordInboxAttempt(_ id: Int64, error: String) throws -> Int {
        try db.query("UPDATE inbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", [.text(error), .int(id)])
        return Int(try db.query("SELECT attempts FROM inbox WHERE id = ?", [.int(id)]).first?.first?.int ?? 0)
    }

    /// The state of an inbox row, for tests and the CLI.
    public func inboxState(_ id: Int64) throws -> String? {
        try db.query("SELECT state FROM inbox WHERE id = ?", [.int(id)]).first?.first?.string
    }

    /// Inbox rows of one adapter account, whatever their state, for tests.
    public func inboxRows(adapter: AdapterID) throws -> Int {
        Int(
            try db.query(
                "SELECT count(*) FROM inbox WHERE platform = ? AND account = ?", [.text(adapter.platform.rawValue), .text(adapter.account)]
            ).first?.first?.int ?? 0)
    }

    /// Inbox rows by state, for tests and `herald doctor`.
    public func inboxCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try db.query("SELECT state, count(*) FROM inbox GROUP BY state") {
            out[r[0].string ?? "?"] = Int(r[1].int ?? 0)
        }
        return out
    }

    // MARK: - Usage

    public func usage(sessionID: String) throws -> [UsageRecord] {
        try db.query(
            """
            SELECT session_id, profile, model, prompt_tokens, completion_tokens, cached_tokens, prompt_ms,
                   generation_ms, total_ms, created_at FROM usage WHERE session_id = ? ORDER BY id
            """, [.text(sessionID)]
        ).map { r in
            UsageRecord(
                sessionID: r[0].string ?? "", profile: r[1].string ?? "",
                usage: Usage(
                    model: r[2].string ?? "", promptTokens: Int(r[3].int ?? 0), completionTokens: Int(r[4].int ?? 0),
                    cachedTokens: Int(r[5].int ?? 0), promptMilliseconds: r[6].double ?? 0,
                    generationMilliseconds: r[7].double ?? 0, totalMilliseconds: r[8].double ?? 0),
                at: Date(timeIntervalSince1970: r[9].double ?? 0))
        }
    }

    func insertUsage(_ u: UsageRecord, inboxID: Int64?) throws {
        try db.query(
            """
            INSERT INTO usage (session_id, profile, model, prompt_tokens, completion_tokens, cached_tokens,
                               prompt_ms, generation_ms, total_ms, created_at, inbox_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """,
            [.text(u.sessionID), .text(u.profile), .text(u.usage.model), .int(Int64(u.usage.promptTokens)),
             .int(Int64(u.usage.completionTokens)), .int(Int64(u.usage.cachedTokens)), .real(u.usage.promptMilliseconds),
             .real(u.usage.generationMilliseconds), .real(u.usage.totalMilliseconds), .real(u.at.timeIntervalSince1970),
             inboxID.map { .int($0) } ?? .null])
    }
}
