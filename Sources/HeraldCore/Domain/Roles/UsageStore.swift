import Foundation

/// Tokens and cost, per session and summed. SQLStore implements it.
public protocol UsageStore: Sendable {
    func usage(sessionID: String) async throws -> [UsageRecord]
    /// Usage summed by day, profile and model since `since`.
    func usageReport(since: Date) async throws -> [UsageRow]
}
