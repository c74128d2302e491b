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
    let events: EventBus?
    /// Jobs whose target is on one of these adapters run here; a process without the target's
    /// adapter leaves them to the one that has it.
    let adapters: Set<AdapterID>
    /// Ring when jobs change in this process, so the next due time is recomputed at once.
    public let changed = Doorbell()
    let log = Logger("cron")

    public init(
        store: any JobStore, adapters: Set<AdapterID>, clock: any WallClock = SystemWallClock(), grace: TimeInterval = 3600,
        rescan: TimeInterval = 15, inboxBell: Doorbell, events: EventBus? = nil
    ) {
        self.events = events
        self.adapters = adapters
        self.store = store
        self.clock = clock
        self.grace = grace
        self.rescan = rescan
        self.inboxBell = inboxBell
        self.startedAt = clock.now()
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
    ///
    /// A job runs one run at a time: while a run waits (for a model that is down, say), the
    /// job's later due times are not claimed behind it. When it ends (the gateway rings
    /// `changed`), the latest due time is claimed and the ones passed over are recorded as
    /// skipped with the reason, or with `catch_up` each is run in turn.
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
                if try await store.hasUnfinishedRun(job) { continue }  // the run in flight ends first
                let passed = Self.dueTimes(of: job, schedule, zone, after: last ?? job.createdAt, through: now)
                if job.catchUp {
                    due = passed[0]
                } else {
                    due = passed[passed.count - 1]
                    try await skip(job, passed.dropLast())
                }
                if now.timeIntervalSince(due) <= grace {
                    try await claim(job, due: due, zone: zone, schedule: schedule)
                } else {
                    try await store.skipJobRun(job, scheduledFor: due, reason: lateReason(due))
                    log.warning("a run is outside the grace window; recorded as skipped", ["job": job.name, "due": due.formatted(.iso8601)])
                }
                guard let following = schedule.next(after: due, in: zone, anchor: job.createdAt) else { continue }
                due = following
            }
            earliest = min(earliest ?? due, due)
        }
        return earliest
    }

    /// When this scheduler started: a due time before it was missed while Herald was down.
    let startedAt: Date

    /// The due times of `job` after `start` and not after `end`, oldest first (bounded: a job
    /// every second, down a week).
    static func dueTimes(of job: Job, _ schedule: Schedule, _ zone: TimeZone, after start: Date, through end: Date) -> [Date] {
        var times: [Date] = []
        var due = schedule.next(after: start, in: zone, anchor: job.createdAt)
        while let d = due, d <= end, times.count < 10_000 {
            times.append(d)
            due = schedule.next(after: d, in: zone, anchor: job.createdAt)
        }
        return times
    }

    /// Whether a due time fell while Herald was down (before this scheduler started).
    private func missedWhileDown(_ due: Date) -> Bool { due < startedAt }

    /// Why the latest due time was not run: it is past the grace window.
    func lateReason(_ due: Date) -> String {
        let minutes = Int(grace / 60)
        let late = "more than \(minutes) minute\(minutes == 1 ? "" : "s") late"
        return missedWhileDown(due) ? "missed while Herald was down (\(late))" : "an earlier run was still unfinished (\(late))"
    }

    /// Records due times passed over (the newest 50 of them; a count of the rest in the log).
    private func skip(_ job: Job, _ due: ArraySlice<Date>) async throws {
        guard !due.isEmpty else { return }
        for d in due.suffix(50) {
            let reason = missedWhileDown(d) ? "missed while Herald was down" : "its time passed while an earlier run was still unfinished"
            try await store.skipJobRun(job, scheduledFor: d, reason: reason)
        }
        log.warning("due runs passed over are not repeated (catch_up = false)", ["job": job.name, "skipped": "\(due.count)"])
    }

    /// Resumes a paused job: every due time since the pause began is recorded as skipped
    /// (paused), so none fires on resume and none looks missed while Herald was down.
    public static func resume(_ job: Job, store: any JobStore, now: Date) async throws -> Bool {
        if let since = job.pausedAt, let schedule = try? Schedule(job.schedule), let zone = TimeZone(identifier: job.timeZone) {
            let last = try await store.lastJobRun(job)
            let skipped = dueTimes(of: job, schedule, zone, after: max(since, last ?? job.createdAt), through: now)
            // The newest ones are what a person looks for; the last one bounds the next run.
            for d in skipped.suffix(50) { try await store.skipJobRun(job, scheduledFor: d, reason: "paused") }
        }
        return try await store.setJobEnabled(job.name, true, at: now)
    }

    /// Claims one run and commits its inbound event; returns false when it was claimed already.
    /// The run's deadline is the job's own, else its next due time.
    @discardableResult
    func claim(_ job: Job, due: Date, zone: TimeZone, schedule: Schedule?) async throws -> Bool {
        let next = schedule?.next(after: due, in: zone, anchor: job.createdAt)
        let deadline = job.deadline.map { due.addingTimeInterval($0) } ?? next ?? due.addingTimeInterval(3600)
        let event = Self.event(for: job, due: due, now: clock.now(), zone: zone, deadline: deadline)
        guard try await store.claimJobRun(job, scheduledFor: due, event: event) != nil else { return false }
        log.info("job run claimed", ["job": job.name, "due": due.formatted(.iso8601)])
        inboxBell.ring()
        events?.publish(.jobRun(job: job.name, state: .running))
        return true
    }

    /// Runs a job now (`/cron run`), outside its schedule.
    public func runNow(_ job: Job) async throws -> Bool {
        let zone = TimeZone(identifier: job.timeZone) ?? .current
        return try await claim(job, due: clock.now(), zone: zone, schedule: try? Schedule(job.schedule))
    }

    /// The run's message: the real date and time in the job's zone, then the prompt. The date is
    /// here, in the user message, never in the cacheable system prompt; the gateway writes it
    /// again with the time the model is really asked (`JobEvent.text(at:)`).
    static func event(for job: Job, due: Date, now: Date, zone: TimeZone, deadline: Date? = nil) -> InboundMessage {
        let event = JobEvent(job, deadline: deadline)
        return InboundMessage(
            conversation: job.sessionConversation, sender: Sender(id: "job:\(job.name)", displayName: "scheduler"),
            eventID: "job:\(job.id):\(Int64((due.timeIntervalSince1970 * 1000).rounded()))", text: event.text(at: now) ?? job.prompt,
            receivedAt: now, job: event)
    }
}
