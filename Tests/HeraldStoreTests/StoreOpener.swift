import Foundation
import Testing

@testable import HeraldStore

/// Opens the store under test, and opens it again as another process would (a new owner on
/// the same rows): a SQLite file, or a fresh PostgreSQL schema when HERALD_TEST_POSTGRES_URL
/// is set (`make test` sets it and requires it; plain `swift test` leaves PostgreSQL out and says so).
struct StoreOpener {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres

        static var allCases: [Kind] {
            if postgresURL != nil || required { return [.sqlite, .postgres] }
            noteSkipped
            return [.sqlite]
        }

        var testDescription: String { rawValue }
    }

    static let environment = ProcessInfo.processInfo.environment
    static let postgresURL = environment["HERALD_TEST_POSTGRES_URL"]
    static let required = environment["HERALD_REQUIRE_PEERS"] == "1"
    static let noteSkipped: Void = {
        print("note: HERALD_TEST_POSTGRES_URL is not set; the store tests run on SQLite only (make test runs PostgreSQL too)")
    }()

    let kind: Kind
    let path: String
    let schema = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")

    init(_ kind: Kind, path: String) throws {
        self.kind = kind
        self.path = path
    }

    func open(node: String? = nil) throws -> SQLStore {
        switch kind {
        case .sqlite:
            return try SQLStore(path: path)
        case .postgres:
            let url = try #require(
                Self.postgresURL,
                "the PostgreSQL peer is not configured: run `make test` (it starts PostgreSQL 15 and sets HERALD_TEST_POSTGRES_URL)"
            )
            return try SQLStore(postgres: url, password: nil, node: node, schema: schema)
        }
    }
}
