import Synchronization

private let waiterIDs = Atomic<UInt64>(0)

/// Tasks waiting for a condition on some locked state. Kept inside the state, so checking
/// the condition and registering happen under the same lock as every change.
public struct WaiterList<Value>: Sendable {
    private var entries: [(id: UInt64, predicate: @Sendable (Value) -> Bool, c: CheckedContinuation<Void, Never>)] = []

    public init() {}

    public mutating func add(_ id: UInt64, _ predicate: @escaping @Sendable (Value) -> Bool, _ c: CheckedContinuation<Void, Never>) {
        entries.append((id, predicate, c))
    }

    /// Removes a waiter that gave up; nil if it was already woken.
    public mutating func remove(_ id: UInt64) -> CheckedContinuation<Void, Never>? {
        guard let i = entries.firstIndex(where: { $0.id == id }) else { return nil }
        return entries.remove(at: i).c
    }

    /// Removes and returns the waiters whose condition now holds; resume them outside the lock.
    public mutating func ready(_ value: Value) -> [CheckedContinuation<Void, Never>] {
        var woken: [CheckedContinuation<Void, Never>] = []
        entries.removeAll { e in
            guard e.predicate(value) else { return false }
            woken.append(e.c)
            return true
        }
        return woken
    }
}

/// Waits until `register` finds the condition true or a change wakes the waiter. Returns at
/// once when the task is cancelled, so a deadline around the wait can always fire.
/// `register` returns false when the condition already holds (nothing registered).
public func cancellableWait(
    register: (UInt64, CheckedContinuation<Void, Never>) -> Bool,
    cancel: @escaping @Sendable (UInt64) -> CheckedContinuation<Void, Never>?
) async {
    let id = waiterIDs.add(1, ordering: .relaxed).newValue
    await withTaskCancellationHandler {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            guard register(id, c) else { return c.resume() }
            // Cancelled before we registered: the handler found nothing to remove.
            if Task.isCancelled, let c = cancel(id) { c.resume() }
        }
    } onCancel: {
        cancel(id)?.resume()
    }
}
