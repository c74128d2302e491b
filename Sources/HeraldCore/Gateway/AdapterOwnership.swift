import Synchronization

/// Which adapter accounts this node runs now. Alone on its store a node runs all of them from
/// the start; beside other nodes it runs those whose lease it holds, and only those deliver.
final class AdapterOwnership: Sendable {
    private let owned: Mutex<Set<AdapterID>>

    init(_ initial: Set<AdapterID>) { owned = Mutex(initial) }

    var current: Set<AdapterID> { owned.withLock { $0 } }
    func owns(_ id: AdapterID) -> Bool { owned.withLock { $0.contains(id) } }
    func set(_ id: AdapterID, owned value: Bool) {
        _ = owned.withLock { value ? $0.insert(id).inserted : $0.remove(id) != nil }
    }
}
