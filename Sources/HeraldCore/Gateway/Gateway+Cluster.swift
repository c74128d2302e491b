import Foundation

/// Beside other nodes on one shared store: an adapter account runs where its lease is held,
/// a session's lane where its lane lease is held, and the leases are renewed while this node
/// lives. A node that dies stops renewing; when its leases run out another node takes over,
/// the adapter from its committed cursor and each lane from its first pending message.
extension Gateway {
    var lease: TimeInterval { settings.leaseSeconds }
    /// A third of the lease: two renewals may fail (a slow database, a pause) before it is lost.
    var renewEvery: Duration { .milliseconds(Int(settings.leaseSeconds * 1000 / 3)) }

    /// Runs `adapter` whenever this node holds its lease; waits (woken by a released lease or
    /// every third of the lease) while another node does.
    func superviseShared(_ adapter: any ChatAdapter, cluster: any ClusterStore) async {
        var waiting = false
        while !stopping.isSet && !Task.isCancelled {
            let acquired: Bool
            do {
                acquired = try await cluster.acquireAdapter(adapter.id, lease: lease, now: Date())
            } catch {
                log.error(
                    "cannot reach the shared store for the adapter's lease",
                    ["adapter": adapter.id.description, "error": "\(error)"])
                acquired = false
            }
            guard acquired else {
                if !waiting { log.info("another node runs this adapter; standing by", ["adapter": adapter.id.description]) }
                waiting = true
                _ = await leaseBells.bell(adapter.id).wait(for: renewEvery, clock: clock)
                continue
            }
            log.info("this node runs the adapter", ["adapter": adapter.id.description, "node": cluster.node])
            waiting = false
            // What the previous owner left on the wire is resumed here, as after a restart.
            try? await delivery.recover(adapters: [adapter.id])
            ownership.set(adapter.id, owned: true)
            deliveryBell.ring()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.superviseRun(adapter) }
                group.addTask {
                    // Renewal: the adapter stops the moment its lease is another node's.
                    while !Task.isCancelled {
                        if await self.stopping.sleep(for: self.renewEvery, clock: self.clock) { return }
                        do {
                            if try await cluster.acquireAdapter(adapter.id, lease: self.lease, now: Date()) { continue }
                            self.log.warning(
                                "the adapter's lease went to another node; stopping it here", ["adapter": adapter.id.description])
                            return
                        } catch {
                            self.log.warning(
                                "cannot renew the adapter's lease", ["adapter": adapter.id.description, "error": "\(error)"])
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
            ownership.set(adapter.id, owned: false)
            if stopping.isSet {
                try? await cluster.releaseAdapter(adapter.id)
                return
            }
        }
    }

    /// Renews this node's lane and delivery leases and looks at the inbox and outbox once per
    /// renewal (another node's expired lanes are found this way); signals from other nodes
    /// ring the bells in between.
    func runClusterUpkeep(_ cluster: any ClusterStore) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await cluster.listen {
                    [inboxBell = self.inboxBell, deliveryBell = self.deliveryBell, leaseBells = self.leaseBells] signal in
                    switch signal {
                    case .inbox: inboxBell.ring()
                    case .outbox: deliveryBell.ring()
                    case .lease: leaseBells.ringAll()
                    }
                }
            }
            group.addTask {
                // A cancelled sleep returns at once: without the check this would spin.
                while !Task.isCancelled, !(await self.stopping.sleep(for: self.renewEvery, clock: self.clock)) {
                    do {
                        try await cluster.renewLeases(lease: self.lease, now: Date())
                    } catch {
                        self.log.warning("cannot renew this node's leases", ["error": "\(error)"])
                    }
                    self.inboxBell.ring()
                    self.deliveryBell.ring()
                }
            }
            await stopping.wait()
            group.cancelAll()
        }
    }
}
