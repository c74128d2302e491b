import Foundation

extension Gateway {
    /// `/cron list|add|pause|resume|run|delete|history|confirm|cancel`. In a chat it acts on the
    /// jobs that deliver to that chat; `herald cron` manages them all.
    func cron(_ command: ChatCommand, message: InboundMessage, session: SessionRecord) async throws -> String {
        let here = message.conversation
        let words = command.words
        let verb = words.first?.lowercased() ?? "list"
        let rest = command.arguments.dropFirst(words.first?.count ?? 0).trimmingCharacters(in: .whitespaces)
        let mine = try await store.jobs().filter { $0.target == here }
        func find(_ name: String) -> Job? { mine.first { $0.name == name } }
        switch verb {
        case "list":
            guard !mine.isEmpty else { return "No jobs deliver here. Add one: /cron add NAME | 0 9 * * * | what to do" }
            return "Jobs delivering here:\n" + mine.map(describe).joined(separator: "\n")
        case "add":
            let parts = rest.split(separator: "|", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, !parts[2].isEmpty else { return "Usage: /cron add NAME | SCHEDULE | PROMPT (schedule: cron like 0 9 * * 1-5, or every 20m)" }
            let job = Job(
                name: parts[0], schedule: parts[1], timeZone: settings.timeZone, profile: session.profile, prompt: parts[2], target: here,
                createdAt: wallClockNow)
            return try await create(job)
        case "confirm":
            guard var draft = try await store.jobDraft(for: here) else { return "There is no draft job waiting here. /brief drafts one." }
            let parts = rest.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 {
                // Confirmed with edits: "SCHEDULE | PROMPT".
                draft.schedule = parts[0]
                draft.prompt = parts[1]
            }
            draft.createdAt = wallClockNow
            let reply = try await create(draft)
            if try await store.job(named: draft.name) != nil { try await store.setJobDraft(nil, for: here) }
            return reply
        case "cancel":
            guard try await store.jobDraft(for: here) != nil else { return "There is no draft job waiting here." }
            try await store.setJobDraft(nil, for: here)
            return "Draft dropped; nothing was scheduled."
        case "pause", "resume", "delete", "run", "history":
            guard words.count == 2 else { return "Usage: /cron \(verb) NAME" }
            guard let job = find(words[1]) else { return "No job '\(words[1])' delivers here. /cron list shows them." }
            switch verb {
            case "pause":
                _ = try await store.setJobEnabled(job.name, false, at: wallClockNow)
                scheduler.changed.ring()
                return "Job \(job.name) paused: its runs are skipped until you resume it."
            case "resume":
                _ = try await Scheduler.resume(job, store: store, now: wallClockNow)
                scheduler.changed.ring()
                return "Job \(job.name) resumed; runs due while it was paused are skipped, not made up."
            case "delete":
                if job.origin == .config { return Self.configJobNotDeleted(job.name) }
                _ = try await store.deleteJob(job.name)
                scheduler.changed.ring()
                return "Job \(job.name) deleted, with its history."
            case "run":
                return try await scheduler.runNow(job) ? "Running \(job.name) now; the result comes here." : "\(job.name) is already running."
            default:
                return try await history(job)
            }
        default:
            return "Usage: /cron list | add NAME | SCHEDULE | PROMPT | pause NAME | resume NAME | run NAME | delete NAME | history NAME | confirm | cancel"
        }
    }

    var wallClockNow: Date { scheduler.clock.now() }

    /// A job the config file defines is the file's: deleting it here would last until the next
    /// start, which puts it back.
    public static func configJobNotDeleted(_ name: String) -> String {
        "\(name) is defined in the config file: remove its [[jobs]] entry there (the next start drops it and keeps its history), or pause it."
    }

    private func create(_ job: Job) async throws -> String {
        guard !job.name.isEmpty, job.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return "A job name is letters, digits, '-' or '_'."
        }
        let schedule: Schedule
        do {
            schedule = try Schedule(job.schedule)
        } catch {
            return "That schedule does not work: \(error.message)"
        }
        guard TimeZone(identifier: job.timeZone) != nil else { return "Unknown time zone '\(job.timeZone)'." }
        guard try await store.job(named: job.name) == nil else { return "A job named \(job.name) exists already." }
        try await store.saveJob(job, replace: false)
        scheduler.changed.ring()
        let next = schedule.next(after: wallClockNow, in: TimeZone(identifier: job.timeZone)!, anchor: job.createdAt)
        return "Scheduled \(job.name) (\(schedule) in \(job.timeZone)); next run \(next.map { local($0, job.timeZone) } ?? "never")."
    }

    func describe(_ job: Job) -> String {
        let zone = TimeZone(identifier: job.timeZone) ?? .current
        let next = (try? Schedule(job.schedule))?.next(after: wallClockNow, in: zone, anchor: job.createdAt)
        let state = job.enabled ? "next \(next.map { local($0, job.timeZone) } ?? "never")" : "paused"
        return "\(job.name): \(job.schedule) (\(job.timeZone)), profile \(job.profile), \(state)"
    }

    private func history(_ job: Job) async throws -> String {
        let runs = try await store.jobRuns(job.name, limit: 5)
        guard !runs.isEmpty else { return "\(job.name) has not run yet." }
        return "Last runs of \(job.name):\n" + runs.map { Self.describe($0, zone: job.timeZone) }.joined(separator: "\n")
    }

    /// One history line: what happened and whether the result really arrived.
    public static func describe(_ run: JobRun, zone: String, utc: Bool = false) -> String {
        let when = utc ? local(run.scheduledFor, "UTC") : local(run.scheduledFor, zone)
        switch run.state {
        case .skipped: return "\(when) skipped: \(run.error ?? "missed")"
        case .running where run.attempts > 0:
            return "\(when) retrying (attempt \(run.attempts + 1) next): \(run.error ?? "unknown error")"
        case .running: return "\(when) running"
        case .failed: return "\(when) failed: \(run.error ?? "unknown error")"
        case .done:
            let tokens = "\(run.promptTokens)+\(run.completionTokens) tokens\(run.model.map { " on \($0)" } ?? "")"
            switch run.delivery {
            case .sent?: return "\(when) done, delivered (message \(run.platformMessageID ?? "?")), \(tokens)"
            case .failed?: return "\(when) done, NOT delivered: \(run.deliveryError ?? "unknown"), \(tokens)"
            default: return "\(when) done, delivery pending, \(tokens)"
            }
        }
    }

    /// A moment as wall-clock time in `zone`, to the second and with its UTC offset, so the
    /// two 02:30s of a fall-back night, or two runs of an `every 5s` job, read apart.
    public static func local(_ date: Date, _ zone: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: zone) ?? .current
        f.dateFormat = "yyyy-MM-dd HH:mm:ssxxxxx"
        return f.string(from: date)
    }

    func local(_ date: Date, _ zone: String) -> String { Self.local(date, zone) }
}
