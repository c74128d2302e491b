/// The SQL a store speaks where SQLite and PostgreSQL differ. Everything else in `SQLStore`
/// is written once, in the SQL both accept (`?` placeholders, `ON CONFLICT`, `||`, `substr`).
enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// One connection to a database, owned and serialised by a `SQLStore` actor.
protocol SQLDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs SQL with no results (may hold several statements).
    func execute(_ sql: String) throws
    /// Runs one statement with `?` placeholders, returning its rows.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]]
    /// Runs one INSERT into a table with an `id` key; the new row's id, or nil when it inserted
    /// nothing (`ON CONFLICT DO NOTHING`). One round trip on PostgreSQL (`RETURNING id`).
    func insert(_ sql: String, _ params: [SQLValue]) throws -> Int64?
    /// Rows the last INSERT, UPDATE or DELETE touched.
    var changes: Int { get }
    /// Runs `body` in one transaction; a nested call joins the outer one.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

extension SQLDatabase {
    @discardableResult
    func query(_ sql: String) throws -> [[SQLValue]] { try query(sql, []) }
}

extension SQLDialect {
    /// The column that orders rows of a table keyed by text in insertion order.
    var rowOrder: String {
        switch self {
        case .sqlite: "rowid"
        case .postgres: "seq"
        }
    }

    /// The UTC day (YYYY-MM-DD) of a column holding Unix seconds.
    func day(_ column: String) -> String {
        switch self {
        case .sqlite: "date(\(column), 'unixepoch')"
        case .postgres: "to_char(to_timestamp(\(column)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }
}
