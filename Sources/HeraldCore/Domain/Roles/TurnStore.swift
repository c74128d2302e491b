import Foundation

/// A finished turn, committed as one. SQLStore implements it.
public protocol TurnStore: Sendable {
    /// Commits a finished turn atomically; returns the new outbox ids in order.
    @discardableResult
    func completeTurn(_ turn: TurnCommit) async throws -> [Int64]
}
