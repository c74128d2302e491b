import Foundation
import Synchronization

/// Tunables of the pipeline.
public struct GatewaySettings: Sendable {
    /// Deliveries give up (state `failed`, logged) after this many transient failures.
    public var deliveryMaxAttempts = 10
    public var deliveryBackoff = Backoff(base: .seconds(1), cap: .seconds(300))
    /// While every model of a profile is down, the turn waits this way and tries again.
    public var modelBackoff = Backoff(base: .seconds(1), cap: .seconds(60))
    /// A turn whose model keeps returning garbage is given up after this many attempts.
    public var badResponseMaxAttempts = 3
    /// A message whose turn was cut short by the process dying this many times in a row is set
    /// aside (closed as failed, the person told) instead of crash-looping the gateway.
    public var interruptedMaxStarts = 3
    /// Stop (draining everything) when every adapter's `run` has returned: `herald chat` at EOF.
    public var stopWhenAdaptersFinish = false
    /// A drain (`herald chat` at EOF) waits at most this long for the model; then it finishes
    /// only what is in flight and leaves the rest pending for the next start.
    public var drainTimeout: Duration = .seconds(120)
    /// Prices by model backend name, for `/usage`.
    public var prices: [String: ModelConfig.Price] = [:]
    /// A job run missed while Herald was down runs at start-up if it is at most this late.
    public var jobGrace: TimeInterval = 3600
    /// How long a tool call waits for the person's approval before it expires.
    public var approvalTimeout: TimeInterval = 1800
    /// Run scheduled jobs in this process.
    public var runJobs = true
    /// One artifacts library for all (true) or each person's own (false).
    public var artifactsShared = false
    /// The zone of jobs made in a chat (`/cron add`, `/brief`): an IANA identifier.
    public var timeZone = TimeZone.current.identifier
    /// Beside other nodes on a shared store: how long a lease holds without renewal.
    public var leaseSeconds: TimeInterval = 15
    /// Beside other nodes: sessions this node works at once.
    public var lanesPerNode = 16

    public init() {}
}

/// The orchestration core: runs the adapters, one serial lane per conversation (lanes in
/// parallel), the agent turns, and the delivery worker. Everything durable goes through the
/// `Store`, so a crash at any point loses nothing.
public final class Gateway: Sendable {
    /// How to stop.
    public enum StopMode: Sendable {
        /// Finish the turns and deliveries in flight; leave the rest for the next start.
        case inFlight
        /// Process every pending message and deliver every due reply first.
        case drainAll
    }

    let store: any Store
    /// The shared store's leases when this node has peers (PostgreSQL); nil alone on SQLite.
    let cluster: (any ClusterStore)?
    /// The adapters this node runs and delivers for now.
    let ownership: AdapterOwnership
    /// Rung (each adapter's own: a doorbell has one waiter) when another node lets an adapter go.
    let leaseBells = DoorbellTable<AdapterID>()
    let adapters: [AdapterID: any ChatAdapter]
    let agent: Agent
    let profiles: [String: Profile]
    let router: Router
    let access: AccessControl
    let settings: GatewaySettings
    let clock: any Clock<Duration>
    let log = Logger("gateway")

    let inboxBell = Doorbell()
    /// Rung (per request) when an approval is decided, so the turn waiting on it looks again.
    let approvalBells = DoorbellTable<Int64>()
    let deliveryBell = Doorbell()
    let lanes = LaneTable()
    /// What happened, for watchers: the dashboard's live view and `/metrics`.
    public let events: EventBus
    /// Counters since start, fed by `events`.
    public let metrics: Metrics
    /// Renders, chunks, paces and sends the outbox.
    let delivery: DeliveryStage
    let turns = TurnRegistry()
    /// Claims due job runs into the inbox.
    public let scheduler: Scheduler
    /// Files links and documents for profiles that keep the library.
    let librarian: Librarian?
    /// Set when a stop is requested; `stopMode` says how.
    let stopping: Latch
    let lanesDone: Latch
    private let mode: StopRequest

    public init(
        store: any Store, adapters: [any ChatAdapter], agent: Agent, profiles: [String: Profile], router: Router,
        access: AccessControl, settings: GatewaySettings = GatewaySettings(), clock: any Clock<Duration> = ContinuousClock(),
        wallClock: any WallClock = SystemWallClock(), librarian: Librarian? = nil, cluster: (any ClusterStore)? = nil
    ) {
        self.cluster = cluster
        let ownership = AdapterOwnership(cluster == nil ? Set(adapters.map(\.id)) : [])
        self.ownership = ownership
        self.librarian = librarian
        let events = EventBus(), metrics = Metrics()
        events.subscribe { metrics.record($0) }
        self.events = events
        self.metrics = metrics
        scheduler = Scheduler(
            store: store, adapters: Set(adapters.map(\.id)), clock: wallClock, grace: settings.jobGrace, inboxBell: inboxBell,
            events: events)
        self.store = store
        let byID = Dictionary(adapters.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.adapters = byID
        self.agent = agent
        self.profiles = profiles
        self.router = router
        self.access = access
        self.settings = settings
        self.clock = clock
        let mode = StopRequest()
        let stopping = Latch()
        let lanesDone = Latch()
        self.mode = mode
        self.stopping = stopping
        self.lanesDone = lanesDone
        delivery = DeliveryStage(
            store: store, adapters: byID, ownership: ownership, settings: settings, events: events,
            clock: clock, bell: deliveryBell, stopping: stopping, lanesDone: lanesDone,
            leaving: { stopping.isSet && mode.value.withLock { $0 } == .inFlight })
    }

    var adapterIDs: Set<AdapterID> { Set(adapters.keys) }

    /// The profile bound to a conversation, chat ids compared the way its platform compares them.
    func profile(for conversation: ConversationRef) -> String {
        let adapter = adapters[conversation.adapter]
        return router.profile(for: conversation) { adapter?.canonicalChat($0) ?? $0 }
    }
    var stopMode: StopMode { mode.value.withLock { $0 } }

    /// Asks the gateway to stop; `run()` returns once the chosen work is drained.
    public func stop(_ how: StopMode = .inFlight) {
        mode.value.withLock { $0 = how }
        stopping.set()
        inboxBell.ring()
        deliveryBell.ring()
    }

    /// Runs until `stop()` (or until cancelled, which stops at once).
    public func run() async throws {
        try await delivery.recover(adapters: ownership.current)
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let cluster { group.addTask { await self.runClusterUpkeep(cluster) } }
            group.addTask { await self.runAdapters() }
            group.addTask { await self.runLanes() }
            group.addTask { await self.delivery.run() }
            if settings.runJobs {
                group.addTask {
                    // The scheduler has no end of its own: it stops when the gateway stops.
                    await withTaskGroup(of: Void.self) { g in
                        g.addTask { try? await self.scheduler.run() }
                        g.addTask { await self.stopping.wait() }
                        await g.next()
                        g.cancelAll()
                    }
                }
            }
            try await group.waitForAll()
        }
        log.info("stopped")
    }

    // MARK: - Adapters

    private func runAdapters() async {
        await withTaskGroup(of: Void.self) { group in
            for adapter in adapters.values {
                group.addTask {
                    if let cluster = self.cluster {
                        await self.superviseShared(adapter, cluster: cluster)
                    } else {
                        await self.superviseRun(adapter)
                    }
                }
            }
            group.addTask {
                await self.stopping.wait()
            }
            // The first to finish is either the stop request or every adapter ending.
            var remaining = adapters.count
            while let _ = await group.next() {
                if stopping.isSet { break }
                remaining -= 1
                if remaining == 0 {
                    if settings.stopWhenAdaptersFinish {
                        stop(.drainAll)
                        let (clock, limit) = (self.clock, settings.drainTimeout)
                        Task { [weak self] in
                            try? await clock.sleep(for: limit)
                            guard let self, !self.lanesDone.isSet else { return }
                            self.log.warning("the drain took too long; finishing what is in flight only", ["after": "\(limit)"])
                            self.stop(.inFlight)
                        }
                    }
                    break
                }
            }
            group.cancelAll()
        }
    }

    /// Runs one adapter, restarting it with backoff if it fails, until it ends or we stop.
    func superviseRun(_ adapter: any ChatAdapter) async {
        let intake = Intake(adapter: adapter.id, store: store, doorbell: inboxBell, events: events) { [delivery, id = adapter.id] in
            delivery.linkUp(id)
        }
        var failures = 0
        while !Task.isCancelled {
            do {
                try await adapter.run(intake: intake)
                return
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let delay = settings.deliveryBackoff.delay(after: failures)
                log.error("adapter failed; restarting", ["adapter": adapter.id.description, "error": "\(error)", "in": "\(delay)"])
                if await stopping.sleep(for: delay, clock: clock) { return }
            }
        }
    }

    // MARK: - Lanes

    private func runLanes() async {
        // Discarding: a finished lane's task is freed at once (a plain group keeps every
        // child's result until it is awaited, which grew memory with each lane run).
        await withDiscardingTaskGroup { group in
            while true {
                var fetchedAll = false
                // Only a fetch that began after the stop was asked for has seen every message
                // committed before it (herald chat's last line is committed, then the stop).
                let stopSeenBeforeFetch = stopping.isSet
                do {
                    if !(stopping.isSet && stopMode == .inFlight) {
                        var batch: [InboxEntry]
                        repeat {
                            if let cluster {
                                // Only sessions whose lane this node holds (or takes now).
                                let room = max(0, settings.lanesPerNode - lanes.running)
                                batch = try await cluster.claimInbox(adapters: adapterIDs, newLanes: room, lease: lease, now: Date(), limit: 512)
                                batch = lanes.unseen(batch)
                            } else {
                                batch = try await store.pendingInbox(after: lanes.highWater, adapters: adapterIDs, limit: 512)
                            }
                            let accepted = lanes.accept(batch)
                            for lane in accepted.start {
                                group.addTask { await self.runLane(lane) }
                            }
                            for entry in accepted.interrupts {
                                group.addTask {
                                    await self.interrupt(entry)
                                    self.lanes.finished(entry.id)
                                }
                            }
                        } while batch.count == 512
                        fetchedAll = true
                    }
                } catch {
                    log.error("cannot read the inbox", ["error": "\(error)"])
                }
                if stopping.isSet {
                    if stopMode == .inFlight || (stopSeenBeforeFetch && fetchedAll && lanes.isIdle) { break }
                    if !stopSeenBeforeFetch { continue }  // fetch once more, now that the stop is known
                }
                await inboxBell.wait()
                // Cancelled (the process is going, at once): a cancelled wait returns at once,
                // so looping on would spin.
                if Task.isCancelled { break }
            }
        }
        lanesDone.set()
        deliveryBell.ring()
    }

    private func runLane(_ lane: String) async {
        while let entry = lanes.next(lane, stopping: stopping.isSet && stopMode == .inFlight) {
            await turns.run(lane, inbox: entry.id) { await self.process(entry) }
            lanes.finished(entry.id)
        }
        // Beside other nodes the session is free for any of them once nothing of it waits.
        if let cluster { _ = try? await cluster.releaseLane(lane) }
        inboxBell.ring()
    }
}

/// How the gateway was asked to stop, shared with the delivery stage.
private final class StopRequest: Sendable {
    let value = Mutex<Gateway.StopMode>(.inFlight)
}
