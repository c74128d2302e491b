import Foundation
import HeraldCore

extension SQLStore {
    private static let jobColumns = """
        id, name, schedule, time_zone, profile, prompt, target, toolsets, skills, model, fresh_session, enabled, created_at,
        origin, catch_up, notify_failures, deadline_seconds, paused_at, removed_at
        """

    @discardableResult
    public func saveJob(_ job: Job, replace: Bool) throws -> Job {
        let list = { (v: [String]?) -> SQLValue in v.map { .text($0.joined(separator: ",")) } ?? .null }
        let values: [SQLValue] = [
            .text(job.name), .text(job.schedule), .text(job.timeZone), .text(job.profile), .text(job.prompt), .text(job.target.key),
            list(job.toolsets), list(job.skills), job.model.sql, .int(job.freshSession ? 1 : 0), .int(job.enabled ? 1 : 0),
            .real(job.createdAt.timeIntervalSince1970), .text(job.origin.rawValue), .int(job.catchUp ? 1 : 0),
            .int(job.notifyFailures ? 1 : 0), job.deadline.map { .real($0) } ?? .null,
        ]
        try db.transaction {
            if replace {
                // A config edit keeps the job's id (and so its history) and its paused state.
                try db.query(
                    """
                    INSERT INTO jobs (name, schedule, time_zone, profile, prompt, target, toolsets, skills, model, fresh_session, enabled, created_at,
                        origin, catch_up, notify_failures, deadline_seconds)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT (name) DO UPDATE SET schedule = excluded.schedule, time_zone = excluded.time_zone,
                        profile = excluded.profile, prompt = excluded.prompt, target = excluded.target, toolsets = excluded.toolsets,
                        skills = excluded.skills, model = excluded.model, fresh_session = excluded.fresh_session,
                        origin = excluded.origin, catch_up = excluded.catch_up, notify_failures = excluded.notify_failures,
                        deadline_seconds = excluded.deadline_seconds, removed_at = NULL
                    """, values)
            } else {
                guard try db.query("SELECT 1 FROM jobs WHERE name = ?", [.text(job.name)]).isEmpty else {
                    throw SQLiteError(code: 19, message: "a job named '\(job.name)' exists already")
                }
                try db.query(
                    """
                    INSERT INTO jobs (name, schedule, time_zone, profile, prompt, target, toolsets, skills, model, fresh_session, enabled, created_at,
                        origin, catch_up, notify_failures, deadline_seconds)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    """, values)
            }
        }
        return try self.job(named: job.name) ?? job
    }

    public func jobs() throws -> [Job] {
        try db.query("SELECT \(Self.jobColumns) FROM jobs WHERE removed_at IS NULL ORDER BY name").compactMap(Self.job(from:))
    }

    public func job(named name: String) throws -> Job? {
        try db.query("SELECT \(Self.jobColumns) FROM jobs WHERE name = ?", [.text(name)]).first.flatMap(Self.job(from:))
    }

    static func job(from r: [SQLValue]) -> Job? {
        guard let target = ConversationRef(key: r[6].string ?? "") else { return nil }
        let list = { (v: SQLValue) -> [String]? in v.string.map { $0.split(separator: ",").map(String.init) } }
        return Job(
            id: r[0].int ?? 0, name: r[1].string ?? "", schedule: r[2].string ?? "", timeZone: r[3].string ?? "UTC",
            profile: r[4].string ?? "", prompt: r[5].string ?? "", target: target, toolsets: list(r[7]), skills: list(r[8]),
            model: r[9].string, freshSession: r[10].int == 1, enabled: r[11].int == 1,
            createdAt: Date(timeIntervalSince1970: r[12].double ?? 0), origin: Job.Origin(rawValue: r[13].string ?? "") ?? .chat,
            catchUp: r[14].int == 1, notifyFailures: r[15].int != 0, deadline: r[16].double,
            pausedAt: r[17].double.map { Date(timeIntervalSince1970: $0) }, removedAt: r[18].double.map { Date(timeIntervalSince1970: $0) })
    }

    public func setJobEnabled(_ name: String, _ enabled: Bool, at now: Date) throws -> Bool {
        // Pausing twice keeps the first pause's time: the runs skipped are from then on.
        try db.query(
            "UPDATE jobs SET enabled = ?, paused_at = CASE WHEN ? THEN NULL ELSE coalesce(paused_at, ?) END WHERE name = ? AND removed_at IS NULL",
            [.int(enabled ? 1 : 0), .int(enabled ? 1 : 0), .real(now.timeIntervalSince1970), .text(name)])
        return db.changes == 1
    }

    public func removeConfigJobs(keeping: Set<String>, at now: Date) throws -> [String] {
        try db.transaction {
            let gone = try db.query("SELECT name FROM jobs WHERE origin = 'config' AND removed_at IS NULL").compactMap { $0[0].string }
                .filter { !keeping.contains($0) }
            for name in gone {
                try db.query("UPDATE jobs SET removed_at = ?, enabled = 0 WHERE name = ?", [.real(now.timeIntervalSince1970), .text(name)])
            }
            return gone
        }
    }

    public func hasUnfinishedRun(_ job: Job) throws -> Bool {
        try !db.query(
            """
            SELECT 1 FROM job_runs r JOIN inbox i ON i.id = r.inbox_id
            WHERE r.job_id = ? AND r.state = 'claimed' AND i.state = 'pending' LIMIT 1
            """, [.int(job.id)]
        ).isEmpty
    }

    public func deleteJob(_ name: String) throws -> Bool {
        try db.transaction {
            try db.query("DELETE FROM job_runs WHERE job_id = (SELECT id FROM jobs WHERE name = ?)", [.text(name)])
            try db.query("DELETE FROM jobs WHERE name = ?", [.text(name)])
            return db.changes == 1
        }
    }

    public func claimJobRun(_ job: Job, scheduledFor: Date, event: InboundMessage) throws -> InboxEntry? {
        let now = Date().timeIntervalSince1970
        return try db.transaction {
            guard
                let run = try db.insert(
                    """
                    INSERT INTO job_runs (job_id, scheduled_for, state, claimed_at) VALUES (?, ?, 'claimed', ?)
                    ON CONFLICT (job_id, scheduled_for) DO NOTHING
                    """, [.int(job.id), .real(scheduledFor.timeIntervalSince1970), .real(now)])
            else { return nil }
            guard let entry = try commitInbound([event], cursors: []).first else { return nil }
            try db.query("UPDATE job_runs SET inbox_id = ? WHERE id = ?", [.int(entry.id), .int(run)])
            return entry
        }
    }

    public func skipJobRun(_ job: Job, scheduledFor: Date, reason: String) throws {
        try db.query(
            """
            INSERT INTO job_runs (job_id, scheduled_for, state, reason, claimed_at) VALUES (?, ?, 'skipped', ?, ?)
            ON CONFLICT (job_id, scheduled_for) DO NOTHING
            """, [.int(job.id), .real(scheduledFor.timeIntervalSince1970), .text(reason), .real(Date().timeIntervalSince1970)])
    }

    public func lastJobRun(_ job: Job) throws -> Date? {
        try db.query("SELECT max(scheduled_for) FROM job_runs WHERE job_id = ?", [.int(job.id)]).first?.first?.double
            .map { Date(timeIntervalSince1970: $0) }
    }

    public func jobRuns(_ name: String, limit: Int) throws -> [JobRun] {
        try db.query(
            """
            SELECT r.id, r.scheduled_for, r.state, r.reason, r.claimed_at, i.state, i.closed_at, i.last_error,
                   (SELECT content FROM session_messages m WHERE m.inbox_id = r.inbox_id AND m.role = 'assistant' ORDER BY m.id DESC LIMIT 1),
                   (SELECT model FROM usage u WHERE u.inbox_id = r.inbox_id ORDER BY u.id DESC LIMIT 1),
                   (SELECT sum(prompt_tokens) FROM usage u WHERE u.inbox_id = r.inbox_id),
                   (SELECT sum(completion_tokens) FROM usage u WHERE u.inbox_id = r.inbox_id),
                   o.state, o.platform_message_id, o.last_error, i.attempts
            FROM job_runs r JOIN jobs j ON j.id = r.job_id
            LEFT JOIN inbox i ON i.id = r.inbox_id
            LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE inbox_id = r.inbox_id)
            WHERE j.name = ? ORDER BY r.scheduled_for DESC LIMIT ?
            """, [.text(name), .int(Int64(limit))]
        ).map { r in
            let state: JobRun.State
            switch (r[2].string, r[5].string) {
            case ("skipped", _): state = .skipped
            case (_, "done"): state = .done
            case (_, "failed"), (_, "denied"): state = .failed
            default: state = .running
            }
            return JobRun(
                id: r[0].int ?? 0, job: name, scheduledFor: Date(timeIntervalSince1970: r[1].double ?? 0), state: state,
                startedAt: r[4].double.map { Date(timeIntervalSince1970: $0) }, endedAt: r[6].double.map { Date(timeIntervalSince1970: $0) },
                output: r[8].string, error: r[3].string ?? r[7].string, model: r[9].string, promptTokens: Int(r[10].int ?? 0),
                completionTokens: Int(r[11].int ?? 0), delivery: r[12].string.flatMap(OutboxState.init(rawValue:)),
                platformMessageID: r[13].string, deliveryError: r[14].string, attempts: Int(r[15].int ?? 0))
        }
    }

    public func setJobDraft(_ job: Job?, for conversation: ConversationRef) throws {
        guard let job else {
            try db.query("DELETE FROM job_drafts WHERE conversation = ?", [.text(conversation.key)])
            return
        }
        let payload = String(decoding: try encoder.encode(job), as: UTF8.self)
        try db.query(
            """
            INSERT INTO job_drafts (conversation, payload, created_at) VALUES (?, ?, ?)
            ON CONFLICT (conversation) DO UPDATE SET payload = excluded.payload, created_at = excluded.created_at
            """, [.text(conversation.key), .text(payload), .real(Date().timeIntervalSince1970)])
    }

    public func jobDraft(for conversation: ConversationRef) throws -> Job? {
        guard let payload = try db.query("SELECT payload FROM job_drafts WHERE conversation = ?", [.text(conversation.key)]).first?.first?.string
        else { return nil }
        return try? decoder.decode(Job.self, from: Data(payload.utf8))
    }
}
