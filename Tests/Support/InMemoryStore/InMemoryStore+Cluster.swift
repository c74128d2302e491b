import Foundation
import HeraldCore

extension InMemoryStore {
    /// This store as node `name` sees it: several gateways on one in-memory store, each with
    /// its own seat, as several `herald run` share one PostgreSQL database.
    public nonisolated func node(_ name: String) -> InMemoryNode { InMemoryNode(store: self, node: name) }

    func signal(_ what: ClusterSignal) { for w in watchers.values { w(what) } }

    func watch(_ id: UUID, _ wake: (@Sendable (ClusterSignal) -> Void)?) { watchers[id] = wake }

    func acquireAdapter(_ adapter: AdapterID, owner: String, lease: TimeInterval, now: Date) -> Bool {
        if let held = adapterLeases[adapter], held.owner != owner, held.expires >= now { return false }
        adapterLeases[adapter] = (owner, now.addingTimeInterval(lease))
        return true
    }

    func releaseAdapter(_ adapter: AdapterID, owner: String) {
        guard adapterLeases[adapter]?.owner == owner else { return }
        adapterLeases[adapter] = nil
        signal(.lease)
    }

    func claimInbox(owner: String, adapters: Set<AdapterID>, newLanes: Int, lease: TimeInterval, now: Date, limit: Int)
        -> [InboxEntry]
    {
        let until = now.addingTimeInterval(lease)
        for (k, l) in lanes where l.owner == owner { lanes[k] = (owner, until) }
        let pending = inbox.filter { $0.state == "pending" && adapters.contains(Self.adapter($0.entry.message.conversation)) }
        var taken = 0
        for row in pending where taken < newLanes {
            let key = row.entry.message.conversation.key
            if let l = lanes[key], l.owner == owner || l.expires >= now { continue }
            lanes[key] = (owner, until)
            taken += 1
        }
        return Array(pending.filter { lanes[$0.entry.message.conversation.key]?.owner == owner }.prefix(limit).map(\.entry))
    }

    func releaseLane(_ conversation: String, owner: String) -> Bool {
        guard lanes[conversation]?.owner == owner,
            !inbox.contains(where: { $0.state == "pending" && $0.entry.message.conversation.key == conversation })
        else { return false }
        lanes[conversation] = nil
        return true
    }

    func renewLeases(owner: String, lease: TimeInterval, now: Date) {
        let until = now.addingTimeInterval(lease)
        for (k, l) in lanes where l.owner == owner { lanes[k] = (owner, until) }
        for (k, l) in adapterLeases where l.owner == owner { adapterLeases[k] = (owner, until) }
    }

    /// Who holds each adapter account, for tests.
    public func adapterHolders() -> [AdapterID: String] { adapterLeases.mapValues(\.owner) }
}

/// One node's seat on an `InMemoryStore`: the cluster role in memory, for fast tests of the
/// gateway beside other nodes.
public struct InMemoryNode: ClusterStore {
    let store: InMemoryStore
    public let node: String

    public func acquireAdapter(_ adapter: AdapterID, lease: TimeInterval, now: Date) async throws -> Bool {
        await store.acquireAdapter(adapter, owner: node, lease: lease, now: now)
    }

    public func releaseAdapter(_ adapter: AdapterID) async throws { await store.releaseAdapter(adapter, owner: node) }

    public func claimInbox(adapters: Set<AdapterID>, newLanes: Int, lease: TimeInterval, now: Date, limit: Int) async throws
        -> [InboxEntry]
    {
        await store.claimInbox(owner: node, adapters: adapters, newLanes: newLanes, lease: lease, now: now, limit: limit)
    }

    public func releaseLane(_ conversation: String) async throws -> Bool { await store.releaseLane(conversation, owner: node) }

    public func renewLeases(lease: TimeInterval, now: Date) async throws {
        await store.renewLeases(owner: node, lease: lease, now: now)
    }

    public func listen(_ wake: @escaping @Sendable (ClusterSignal) -> Void) async throws {
        let id = UUID()
        await store.watch(id, wake)
        await withTaskCancellationHandler {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        } onCancel: {
            Task { await store.watch(id, nil) }
        }
    }
}
