import Synchronization

/// Exponential backoff with jitter: base·2^(attempt-1), capped, then spread by ±`jitter` so
/// many clients that failed together do not retry together. Pure; the caller sleeps on its clock.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration
    public var jitter: Double

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300), jitter: Double = 0.2) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay before attempt number `attempt + 1` (attempt counts from 1).
    public func delay(after attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = base * (1 << exponent)
        let capped = raw > cap ? cap : raw
        let spread = 1 + jitter * (random * 2 - 1)
        return capped * spread
    }
}

/// A one-way latch: once set it stays set, and every waiter wakes.
public final class Latch: Sendable {
    private struct State {
        var set = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isSet: Bool { state.withLock { $0.set } }

    public func set() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if s.set { return [] }
            s.set = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns once the latch is set, or when the task is cancelled.
    public func wait() async {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.set || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Sleeps for `duration` on `clock`; returns true if the latch was set first.
    public func sleep(for duration: Duration, clock: any Clock<Duration>) async -> Bool {
        if isSet { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await clock.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }
        return isSet
    }
}
