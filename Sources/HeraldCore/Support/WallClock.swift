import Foundation

/// Calendar time for the scheduler: what time it is, and sleeping until a moment. Injected so
/// tests drive the scheduler's time instead of waiting for it.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at `date`, or throws `CancellationError` when cancelled.
    func sleep(until date: Date) async throws
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
    }
}
