import Foundation

/// Runs scheduled jobs: sleeps until the next due run (no polling loop), claims it in the
/// store (the claim is the lease: two processes on one store run each due run once), and
/// commits the run as an inbound event of the job's session, so it takes the normal pipeline
/// and its result goes out through the outbox.
///
/// A run missed while Herald was down runs once at start-up if it is within `grace`; otherwise
/// it is recorded as skipped. Of several missed runs only the latest is considered.
public final class Scheduler: Sendable {
    let store: any JobStore
    let clock: any WallClock
    let grace: TimeInterval
    /// Jobs are re-read at least this often (another process, or `herald cron`, may change them).
    let rescan: TimeInterval
    let inboxBell: Doorbell
    /// Jobs whose target is on one of these adapters run here; a process without the target's
    /// adapter leaves them to the one that has it.
    let adapters: Set<AdapterID>
    /// Ring when jobs change in this process, so the next due time is recomputed at once.
    public let changed = Doorbell()
    let log = Logger("cron")

    public init(
        store: any JobStore, adapters: Set<AdapterID>, clock: any WallClock = SystemWallClock(), grace: TimeInterval = 3600,
        rescan: TimeInterval = 15, inboxBell: Doorbell
    ) {
        self.adapters = adapters
        self.store = store
        self.clock = clock
        self.grace = grace
        self.rescan = rescan
        self.inboxBell = inboxBell
    }

    public func run() async throws {
        while !Task.isCancelled {
            var next: Date?
            do {
                next = try await tick()
            } catch is CancellationError {
                return
            } catch {
                log.error("cannot read or claim jobs; trying again shortly", ["error": "\(error)"])
            }
            let wake = min(next ?? .distantFuture, clock.now().addingTimeInterval(rescan))
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [clock] in try? await clock.sleep(until: wake) }
                group.addTask { await self.changed.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Claims every run that is due now; returns the earliest future due time.
    @discardableResult
    public func tick() async throws -> Date? {
        let now = clock.now()
        var earliest: Date?
        for job in try await store.jobs() where job.enabled && adapters.contains(AdapterID(platform: job.target.platform, account: job.target.account)) {
            guard let schedule = try? Schedule(job.schedule), let zone = TimeZone(identifier: job.timeZone) else {
                log.error("job has an invalid schedule or time zone; it does not run", ["job": job.name, "schedule": job.schedule, "zone": job.timeZone])
                continue
            }
            let last = try await store.lastJobRun(job)
            guard var due = schedule.next(after: last ?? job.createdAt, in: zone, anchor: job.createdAt) else { continue }
            if due <= now {
                // The latest due time not after now; the ones before it are passed over.
                var passed = 0
                while passed < 10_000, let following = schedule.next(after: due, in: zone, anchor: job.createdAt), following <= now {
                    due = following
                    passed += 1
                }
                if passed > 0 { log.warning("runs missed while Herald was down are not repeated", ["job": job.name, "missed": "\(passed)"]) }
                if now.timeIntervalSince(due) <= grace {
                    try await claim(job, due: due, zone: zone)
                } else {
                    try await store.skipJobRun(job, scheduledFor: due, reason: "missed while Herald was down (more than \(Int(grace / 60)) minutes late)")
                    log.warning("a missed run is outside the grace window; recorded as skipped", ["job": job.name, "due": due.formatted(.iso8601)])
                }
                guard let following = schedule.next(after: due, in: zone, anchor: job.createdAt) else { continue }
                due = following
            }
            earliest = min(earliest ?? due, due)
        }
        return earliest
    }

    /// Claims one run and commits its inbound event; returns false when it was claimed already.
    @discardableResult
    func claim(_ job: Job, due: Date, zone: TimeZone) async throws -> Bool {
        guard try await store.claimJobRun(job, scheduledFor: due, event: Self.event(for: job, due: due, now: clock.now(), zone: zone)) != nil else {
            return false
        }
        log.info("job run claimed", ["job": job.name, "due": due.formatted(.iso8601)])
        inboxBell.ring()
        return true
    }

    /// Runs a job now (`/cron run`), outside its schedule.
    public func runNow(_ job: Job) async throws -> Bool {
        let zone = TimeZone(identifier: job.timeZone) ?? .current
        return try await claim(job, due: clock.now(), zone: zone)
    }

    /// The run's message: the real date and time in the job's zone, then the prompt. The date is
    /// here, in the user message, never in the cacheable system prompt.
    static func event(for job: Job, due: Date, now: Date, zone: TimeZone) -> InboundMessage {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "EEEE d MMMM yyyy, HH:mm"
        // The zone as the person wrote it (Foundation may call UTC "GMT").
        let text = "Scheduled job \"\(job.name)\". It is now \(f.string(from: now)) (\(job.timeZone)).\n\n\(job.prompt)"
        return InboundMessage(
            conversation: job.sessionConversation, sender: Sender(id: "job:\(job.name)", displayName: "scheduler"),
            eventID: "job:\(job.id):\(Int64((due.timeIntervalSince1970 * 1000).rounded()))", text: text, receivedAt: now,
            job: JobEvent(job))
    }
}
