import HeraldCore
import HeraldStore
import HeraldTestSupport
import Testing

/// The stores a behaviour test runs against: the same test body, SQLite and in memory.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory

    func make(_ path: String) throws -> any Store {
        switch self {
        case .sqlite: try SQLiteStore(path: path)
        case .memory: InMemoryStore()
        }
    }

    var testDescription: String { rawValue }
}

/// Inbox rows by state, from either store.
func inboxCounts(_ store: any Store) async throws -> [String: Int] {
    if let s = store as? SQLiteStore { return try await s.inboxCounts() }
    if let m = store as? InMemoryStore { return await m.inboxCounts() }
    return [:]
}
