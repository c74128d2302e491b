import Synchronization

/// One `Doorbell` per key, made on first use: a `Doorbell` wakes one waiter, so waiters on
/// different things (each approval request's turn) each get their own.
public final class DoorbellTable<Key: Hashable & Sendable>: Sendable {
    private let bells = Mutex<[Key: Doorbell]>([:])

    public init() {}

    public func bell(_ key: Key) -> Doorbell {
        bells.withLock { b in
            if let bell = b[key] { return bell }
            let bell = Doorbell()
            b[key] = bell
            return bell
        }
    }

    public func ring(_ key: Key) { bell(key).ring() }

    /// Rings every bell made so far (a signal all waiters must see).
    public func ringAll() { for bell in bells.withLock({ Array($0.values) }) { bell.ring() } }

    public func remove(_ key: Key) { _ = bells.withLock { $0.removeValue(forKey: key) } }
}
