import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import Testing

/// The stores a behaviour test runs against: the same test body on SQLite, in memory and on
/// PostgreSQL (a fresh schema per test). `make test` starts PostgreSQL and requires it; plain
/// `swift test` without HERALD_TEST_POSTGRES_URL leaves the PostgreSQL case out and says so.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    static var allCases: [StoreKind] {
        if Peers.postgresEnabled { return [.sqlite, .memory, .postgres] }
        Peers.noteSkipped
        return [.sqlite, .memory]
    }

    func make(_ path: String) throws -> any Store {
        switch self {
        case .sqlite: try SQLStore(path: path)
        case .memory: InMemoryStore()
        case .postgres: try Peers.freshPostgresStore()
        }
    }

    var testDescription: String { rawValue }
}

extension Peers {
    static let postgresURL = environment["HERALD_TEST_POSTGRES_URL"]
    static let postgresEnabled = postgresURL != nil || required

    static func requirePostgres() throws -> String {
        try #require(
            postgresURL, "the PostgreSQL peer is not configured: run `make test` (it starts PostgreSQL 15 and sets HERALD_TEST_POSTGRES_URL)")
    }

    /// A store in a schema of its own, so tests running at once never see each other's rows.
    static func freshPostgresStore(node: String? = nil) throws -> SQLStore {
        try SQLStore(postgres: try requirePostgres(), password: nil, node: node, schema: freshSchema())
    }

    static func freshSchema() -> String { "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "") }

    static let noteSkipped: Void = {
        print("note: HERALD_TEST_POSTGRES_URL is not set; the store behaviour tests run on SQLite and in memory only (make test runs PostgreSQL too)")
    }()
}

/// Inbox rows by state, from any store.
func inboxCounts(_ store: any Store) async throws -> [String: Int] {
    if let s = store as? SQLStore { return try await s.inboxCounts() }
    if let m = store as? InMemoryStore { return await m.inboxCounts() }
    return [:]
}
