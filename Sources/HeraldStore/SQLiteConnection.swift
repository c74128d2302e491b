import CSQLite
import Foundation

/// A SQLite error with the database's message and the statement that failed.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "sqlite error \(code): \(message)" }
}

/// A value bound to or read from a statement.
enum SQLValue: Sendable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
}

/// One SQLite connection with a cache of prepared statements. Not thread-safe on its own:
/// its single owner (the `SQLStore` actor) serialises every use.
final class SQLiteConnection: SQLDatabase {
    let dialect = SQLDialect.sqlite
    private let db: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var transactionDepth = 0

    /// Opens (creating with mode 0600) the database at `path`, in WAL mode with a busy timeout.
    init(path: String, synchronous: String = "NORMAL") throws {
        if path != ":memory:" && !FileManager.default.fileExists(atPath: path) {
            // Create the file 0600 before SQLite does, so no other user can ever read it.
            let fd = open(path, O_CREAT | O_WRONLY, 0o600)
            if fd >= 0 { close(fd) }
        }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(message) (\(path))")
        }
        db = handle
        sqlite3_busy_timeout(db, 5000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=\(synchronous)")
        try execute("PRAGMA foreign_keys=ON")
        if path != ":memory:" {
            // WAL and shm files inherit nothing from the database file's mode.
            for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        }
    }

    deinit {
        for s in statements.values { sqlite3_finalize(s) }
        sqlite3_close(db)
    }

    /// Runs SQL with no results (may hold several statements).
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(err)
            throw SQLiteError(code: sqlite3_errcode(db), message: message)
        }
    }

    /// Runs one statement, returning its rows.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]] {
        let stmt = try prepare(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .null: sqlite3_bind_null(stmt, idx)
            case .int(let v): sqlite3_bind_int64(stmt, idx, v)
            case .real(let v): sqlite3_bind_double(stmt, idx, v)
            case .text(let v): sqlite3_bind_text(stmt, idx, v, -1, csqlite_transient())
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error() }
            let n = sqlite3_column_count(stmt)
            var row: [SQLValue] = []
            row.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(stmt, c))))
                }
            }
            rows.append(row)
        }
        return rows
    }

    func insert(_ sql: String, _ params: [SQLValue]) throws -> Int64? {
        try query(sql, params)
        return changes > 0 ? sqlite3_last_insert_rowid(db) : nil
    }
    var changes: Int { Int(sqlite3_changes(db)) }

    /// Runs `body` in an IMMEDIATE transaction (the write lock is taken up front, so two
    /// processes on one file queue on the busy timeout instead of failing mid-transaction).
    /// Runs `body` in one transaction. A nested call joins the outer transaction, so store
    /// operations compose (a job claim commits its inbound event in the claim's transaction).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        try execute("BEGIN IMMEDIATE")
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            throw error()
        }
        statements[sql] = stmt
        return stmt
    }

    private func error() -> SQLiteError {
        SQLiteError(code: sqlite3_errcode(db), message: String(cString: sqlite3_errmsg(db)))
    }
}

extension SQLValue {
    var int: Int64? { if case .int(let v) = self { v } else { nil } }
    var double: Double? {
        switch self {
        case .real(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }
    var string: String? { if case .text(let v) = self { v } else { nil } }
}

extension Optional where Wrapped == String {
    var sql: SQLValue { map { .text($0) } ?? .null }
}
