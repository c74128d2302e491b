import Foundation
import HeraldCore
import HeraldStore

/// `herald cron`: every job, whatever chat it delivers to.
enum CronCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "schedule", "prompt", "to", "profile", "time-zone", "limit"], flags: ["help", "utc"])
        let utc = args.flags.contains("utc")
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.cron)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        try await c.syncJobs()
        let store = c.store
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            let jobs = try await store.jobs()
            if jobs.isEmpty { print("no jobs") }
            for job in jobs {
                let zone = TimeZone(identifier: job.timeZone) ?? .current
                let next = job.enabled ? (try? Schedule(job.schedule))?.next(after: Date(), in: zone, anchor: job.createdAt) : nil
                let when = { (d: Date) in Gateway.local(d, utc ? "UTC" : job.timeZone) }
                let state =
                    job.enabled ? "next \(next.map(when) ?? "never")" : "paused since \(job.pausedAt.map(when) ?? "?")"
                print("\(job.name)  \(job.schedule)  \(job.timeZone)  profile \(job.profile)  to \(job.target)  from \(job.origin.rawValue)  \(state)")
            }
            return Exit.ok
        case ("add", 2):
            guard let schedule = args.options["schedule"], let prompt = args.options["prompt"], let to = args.options["to"] else {
                throw Arguments.UsageError(description: "cron add needs --schedule, --prompt and --to")
            }
            let parts = to.split(separator: "/").map(String.init)
            guard parts.count == 3 || parts.count == 4 else { throw Arguments.UsageError(description: "--to is PLATFORM/ACCOUNT/CHAT[/THREAD]") }
            do {
                _ = try Schedule(schedule)
            } catch {
                Herald.fail("invalid schedule: \(error.message)")
                return Exit.usage
            }
            let zone = args.options["time-zone"] ?? c.config.timeZone
            guard TimeZone(identifier: zone) != nil else { throw Arguments.UsageError(description: "unknown time zone '\(zone)'") }
            let profile = args.options["profile"] ?? c.config.defaultProfile
            guard c.config.profiles[profile] != nil else { throw Arguments.UsageError(description: "unknown profile '\(profile)'") }
            let name = args.positional[1]
            guard try await store.job(named: name) == nil else {
                Herald.fail("a job named \(name) exists already")
                return Exit.failure
            }
            try await store.saveJob(
                Job(
                    name: name, schedule: schedule, timeZone: zone, profile: profile, prompt: prompt,
                    target: ConversationRef(platform: Platform(parts[0]), account: parts[1], chat: parts[2], thread: parts.count == 4 ? parts[3] : nil),
                    origin: .cli),
                replace: false)
            print("added \(name); a running `herald run` picks it up within a minute")
            return Exit.ok
        case ("pause", 2), ("resume", 2):
            let resume = args.positional[0] == "resume"
            guard let job = try await store.jobs().first(where: { $0.name == args.positional[1] }),
                try await resume ? Scheduler.resume(job, store: store, now: Date()) : store.setJobEnabled(job.name, false, at: Date())
            else {
                Herald.fail("no job \(args.positional[1])")
                return Exit.failure
            }
            print(resume ? "\(job.name) resumed; runs due while it was paused are skipped" : "\(job.name) paused")
            return Exit.ok
        case ("delete", 2):
            if let job = try await store.job(named: args.positional[1]), job.origin == .config, job.removedAt == nil {
                Herald.fail(Gateway.configJobNotDeleted(job.name))
                return Exit.failure
            }
            guard try await store.deleteJob(args.positional[1]) else {
                Herald.fail("no job \(args.positional[1])")
                return Exit.failure
            }
            print("deleted \(args.positional[1]) and its history")
            return Exit.ok
        case ("history", 2):
            guard let job = try await store.job(named: args.positional[1]) else {
                Herald.fail("no job \(args.positional[1])")
                return Exit.failure
            }
            let runs = try await store.jobRuns(job.name, limit: Int(args.options["limit"] ?? "20") ?? 20)
            print("\(job.name): times in \(utc ? "UTC" : job.timeZone)")
            if let removed = job.removedAt { print("removed from the config on \(Gateway.local(removed, utc ? "UTC" : job.timeZone)); its history is kept") }
            if runs.isEmpty { print("\(job.name) has not run yet") }
            for run in runs { print(Gateway.describe(run, zone: job.timeZone, utc: utc)) }
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "unknown cron subcommand '\(args.positional.joined(separator: " "))'")
        }
    }
}
