import CPostgres
import Foundation

/// A PostgreSQL error with its SQLSTATE and the server's message (never the connection's
/// password: libpq does not echo it, and the conninfo is never part of an error).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE ("40001"), or "connect" when no connection could be made.
    public var code: String
    public var message: String
    public var description: String { "postgresql error \(code): \(message)" }
}

/// One libpq connection with its prepared statements. Not thread-safe on its own: its single
/// owner (a `SQLStore` actor, or the listener's thread) serialises every use.
final class PostgresConnection: SQLDatabase {
    let dialect = SQLDialect.postgres
    private var conn: OpaquePointer
    private var statements: [String: String] = [:]
    private var transactionDepth = 0
    private(set) var changes = 0
    private let url: String
    private let password: String?

    /// Connects to `url` (`postgresql://user@host:port/db?options`), with the password given apart.
    init(url: String, password: String?) throws {
        self.url = url
        self.password = password
        conn = try Self.connect(url: url, password: password)
    }

    deinit { PQfinish(conn) }

    private static func connect(url: String, password: String?) throws -> OpaquePointer {
        var keys = ["dbname", "application_name"]
        var values = [url, "herald"]
        if let password {
            keys.append("password")
            values.append(password)
        }
        let conn: OpaquePointer? = withCStrings(keys) { k in
            withCStrings(values) { v in
                var kp = k.map { UnsafePointer($0) } + [nil]
                var vp = v.map { UnsafePointer($0) } + [nil]
                return PQconnectdbParams(&kp, &vp, 1)
            }
        }
        guard let conn else { throw PostgresError(code: "connect", message: "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw PostgresError(code: "connect", message: "\(message) (\(redacted(url)))")
        }
        cpostgres_silence_notices(conn)
        return conn
    }

    /// The URL without a password someone wrote into it anyway.
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? "postgresql://***"
    }

    var socket: Int32 { PQsocket(conn) }
    var raw: OpaquePointer { conn }

    func execute(_ sql: String) throws {
        try reconnectIfLost()
        guard let res = PQexec(conn, sql) else { throw lastError() }
        defer { PQclear(res) }
        try check(res)
    }

    @discardableResult
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]] {
        try reconnectIfLost()
        let name = try prepared(sql)
        let texts: [String?] = params.map {
            switch $0 {
            case .null: nil
            case .int(let v): String(v)
            case .real(let v): "\(v)"
            // PostgreSQL text cannot hold NUL; it is kept visible as U+FFFD rather than cutting the rest off.
            case .text(let v): v.contains("\u{0}") ? v.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : v
            }
        }
        let res: OpaquePointer? = withOptionalCStrings(texts) { ptrs in
            PQexecPrepared(conn, name, Int32(ptrs.count), ptrs, nil, nil, 0)
        }
        guard let res else { throw lastError() }
        defer { PQclear(res) }
        try check(res)
        changes = Int(String(cString: PQcmdTuples(res))) ?? 0
        let rows = Int(PQntuples(res)), cols = Int(PQnfields(res))
        guard rows > 0 else { return [] }
        let types = (0..<cols).map { PQftype(res, Int32($0)) }
        var out: [[SQLValue]] = []
        out.reserveCapacity(rows)
        for r in 0..<rows {
            var row: [SQLValue] = []
            row.reserveCapacity(cols)
            for c in 0..<cols {
                if PQgetisnull(res, Int32(r), Int32(c)) == 1 {
                    row.append(.null)
                    continue
                }
                let text = String(cString: PQgetvalue(res, Int32(r), Int32(c)))
                row.append(Self.value(text, type: types[c]))
            }
            out.append(row)
        }
        return out
    }

    /// Text results typed by their column's type oid (pg_type.dat): integers as `.int`, floats
    /// and numerics (a `sum` of integers is numeric) as `.int` when whole, else `.real`.
    private static func value(_ text: String, type: Oid) -> SQLValue {
        switch type {
        case 20, 21, 23, 26: return Int64(text).map(SQLValue.int) ?? .text(text)
        case 16: return .int(text == "t" ? 1 : 0)
        case 1700: return Int64(text).map(SQLValue.int) ?? Double(text).map(SQLValue.real) ?? .text(text)
        case 700, 701: return Double(text).map(SQLValue.real) ?? .text(text)
        default: return .text(text)
        }
    }

    func insert(_ sql: String, _ params: [SQLValue]) throws -> Int64? {
        try query(sql + " RETURNING id", params).first?.first?.int
    }

    /// A read-committed transaction; claims lock what they take (`FOR UPDATE SKIP LOCKED`,
    /// `ON CONFLICT ... WHERE`). A serialisation failure or deadlock reruns the whole body.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        var attempt = 0
        while true {
            attempt += 1
            try execute("BEGIN")
            transactionDepth = 1
            do {
                let result = try body()
                try execute("COMMIT")
                transactionDepth = 0
                return result
            } catch let e as PostgresError where ["40001", "40P01"].contains(e.code) && attempt < 5 {
                try? execute("ROLLBACK")
                transactionDepth = 0
            } catch {
                try? execute("ROLLBACK")
                transactionDepth = 0
                throw error
            }
        }
    }

    /// After the server restarted or the network dropped, one reconnect before the next
    /// statement (never inside a transaction: its work is gone and must fail loudly).
    private func reconnectIfLost() throws {
        guard PQstatus(conn) != CONNECTION_OK, transactionDepth == 0 else { return }
        PQfinish(conn)
        conn = try Self.connect(url: url, password: password)
        statements = [:]
    }

    /// The prepared statement for `sql`, with `?` placeholders numbered `$1...` outside quotes.
    private func prepared(_ sql: String) throws -> String {
        if let name = statements[sql] { return name }
        let name = "s\(statements.count + 1)"
        let text = Self.numbered(sql)
        guard let res = PQprepare(conn, name, text, 0, nil) else { throw lastError() }
        defer { PQclear(res) }
        try check(res)
        statements[sql] = name
        return name
    }

    /// `?` to `$n`, leaving `?` inside '...' and "..." alone.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }

    private func check(_ res: OpaquePointer) throws {
        let status = PQresultStatus(res)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "?????"
            let message = String(cString: PQresultErrorMessage(res)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PostgresError(code: state, message: message)
        }
    }

    private func lastError() -> PostgresError {
        PostgresError(
            code: "?????", message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Calls `body` with C copies of `strings`, freed after.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>]) -> T) -> T {
    let ptrs = strings.map { strdup($0)! }
    defer { ptrs.forEach { free($0) } }
    return body(ptrs)
}

private func withOptionalCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let ptrs = strings.map { $0.map { strdup($0)! } }
    defer { ptrs.forEach { $0.map { free($0) } } }
    return body(ptrs.map { $0.map { UnsafePointer($0) } })
}
