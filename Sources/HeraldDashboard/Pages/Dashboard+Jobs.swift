import Foundation
import HeraldCore

/// Jobs: every job with its schedule, zone, next runs and last result; create, edit, pause,
/// resume and run now; each run's history with its real delivery status.
extension Dashboard {
    func jobs(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        let post = visit.request.method == "POST"
        switch (post, rest.count) {
        case (false, 0): return try await jobList(visit)
        case (true, 0): return try await saveJob(visit, editing: nil)
        case (false, 1): return try await jobPage(visit, rest[0])
        case (true, 1): return try await saveJob(visit, editing: rest[0])
        case (true, 2): return try await jobAction(rest[0], rest[1])
        default: return notFound(visit)
        }
    }

    /// The next `n` due times of a running job.
    func nextRuns(_ job: Job, _ n: Int = 3) -> [Date] {
        guard job.enabled, job.removedAt == nil, let schedule = try? Schedule(job.schedule) else { return [] }
        let zone = TimeZone(identifier: job.timeZone) ?? .current
        var out: [Date] = []
        var after = Date()
        while out.count < n, let next = schedule.next(after: after, in: zone, anchor: job.createdAt) {
            out.append(next)
            after = next
        }
        return out
    }

    private func jobList(_ visit: Visit) async throws -> HTTPResponse {
        var rows: [[String]] = []
        for job in try await store.jobs() {
            let last = try await store.jobRuns(job.name, limit: 1).first
            let next = nextRuns(job).map { HTML.time($0, zone: job.timeZone) }.joined(separator: "<br>")
            let state = job.enabled ? "<span class=\"state-sent\">on</span>" : "<span class=\"muted\">paused</span>"
            var actions = HTML.button("Run now", action: "/jobs/\(FormData.encode(job.name))/run", csrf: visit.csrf)
            actions +=
                job.enabled
                ? " " + HTML.button("Pause", action: "/jobs/\(FormData.encode(job.name))/pause", csrf: visit.csrf, cls: "quiet")
                : " " + HTML.button("Resume", action: "/jobs/\(FormData.encode(job.name))/resume", csrf: visit.csrf, cls: "quiet")
            rows.append([
                "<a href=\"/jobs/\(HTML.url(job.name))\" data-job=\"\(HTML.esc(job.name))\">\(HTML.esc(job.name))</a>",
                "<code>\(HTML.esc(job.schedule))</code>", HTML.esc(job.timeZone), state, next.isEmpty ? "–" : next,
                last.map { runCell($0, zone: job.timeZone) } ?? "<span class=\"muted\">not run yet</span>",
                HTML.esc(job.target.description), actions,
            ])
        }
        let body =
            visit.banner
            + HTML.table(["Job", "Schedule", "Zone", "State", "Next runs", "Last result", "Delivers to", ""], rows, id: "jobs", empty: "No jobs yet.")
            + "<h2>New job</h2>" + (try await jobForm(nil, visit: visit))
        return .html(HTML.page(title: "Jobs", section: "/jobs", csrf: visit.csrf, live: ["job", "delivery", "settings"], body))
    }

    /// A run's outcome in a cell: its state and, for a finished one, where its result went.
    func runCell(_ run: JobRun, zone: String) -> String {
        let text = Gateway.describe(run, zone: zone)
        return "<span class=\"state-\(run.delivery == .failed ? "failed" : run.state.rawValue)\" data-run-state=\"\(run.state.rawValue)\" data-delivery=\"\(run.delivery?.rawValue ?? "")\">\(HTML.esc(text))</span>"
    }

    private func jobPage(_ visit: Visit, _ name: String) async throws -> HTTPResponse {
        guard let job = try await store.job(named: name) else { return notFound(visit) }
        var body = visit.banner
        let next = nextRuns(job, 5).map { HTML.time($0, zone: job.timeZone) }.joined(separator: ", ")
        body += """
            <div class="card"><div class="row">
            <div><label>Schedule</label><code>\(HTML.esc(job.schedule))</code> in \(HTML.esc(job.timeZone))</div>
            <div><label>Profile</label>\(HTML.esc(job.profile))</div>
            <div><label>Delivers to</label>\(HTML.esc(job.target.description))</div>
            <div><label>Made in</label>\(HTML.esc(job.origin.rawValue))</div>
            <div><label>State</label>\(job.removedAt != nil ? "removed from the config" : job.enabled ? "on" : "paused since " + HTML.time(job.pausedAt, zone: job.timeZone))</div>
            </div><label>Next runs</label>\(next.isEmpty ? "none" : next)
            <label>Prompt</label><pre>\(HTML.esc(job.prompt))</pre>
            """
        if job.removedAt == nil {
            let path = "/jobs/\(FormData.encode(job.name))"
            body += HTML.button("Run now", action: path + "/run", csrf: visit.csrf) + " "
            body +=
                job.enabled
                ? HTML.button("Pause", action: path + "/pause", csrf: visit.csrf, cls: "quiet")
                : HTML.button("Resume", action: path + "/resume", csrf: visit.csrf, cls: "quiet")
            if job.origin != .config {
                body += " " + HTML.button("Delete", action: path + "/delete", csrf: visit.csrf, confirm: "Delete \(job.name) and its history?", cls: "danger")
            }
        }
        body += "</div><h2>Runs</h2>"
        let runs = try await store.jobRuns(job.name, limit: 50)
        body += HTML.table(
            ["Due", "Outcome", "Tokens", "Output"],
            runs.map { r in
                [
                    HTML.time(r.scheduledFor, zone: job.timeZone), runCell(r, zone: job.timeZone),
                    "<span class=\"num\">\(r.promptTokens) + \(r.completionTokens)</span>", HTML.short(r.output ?? r.error ?? "", 200),
                ]
            }, id: "runs", empty: "\(job.name) has not run yet.")
        if job.origin == .config {
            body += "<p class=\"muted\">This job lives in the config file (\(HTML.esc(job.name))); edit it there, or pause it here.</p>"
        } else if job.removedAt == nil {
            body += "<h2>Edit</h2>" + (try await jobForm(job, visit: visit))
        }
        return .html(HTML.page(title: "Job \(job.name)", section: "/jobs", csrf: visit.csrf, live: ["job", "delivery"], body))
    }

    /// The form for a new job or an edit. Targets offered are the conversations Herald knows.
    private func jobForm(_ job: Job?, visit: Visit) async throws -> String {
        let known = Set(try await store.sessions(limit: 200).map(\.session.conversation.description)).sorted()
        let profiles = gateway.profileNames.map { p in
            "<option\(p == (job?.profile ?? gateway.profileNames.first) ? " selected" : "")>\(HTML.esc(p))</option>"
        }.joined()
        let action = job.map { "/jobs/\(HTML.url($0.name))" } ?? "/jobs"
        return """
            <form method="post" action="\(action)" class="card" id="\(job == nil ? "new-job" : "edit-job")">\(HTML.csrfField(visit.csrf))
            <div class="row">
            <div><label for="name">Name</label><input type="text" id="name" name="name" value="\(HTML.esc(job?.name ?? ""))"\(job == nil ? "" : " readonly") required pattern="[A-Za-z0-9_-]+"></div>
            <div><label for="schedule">Schedule</label><input type="text" id="schedule" name="schedule" value="\(HTML.esc(job?.schedule ?? ""))" placeholder="0 9 * * 1-5, every 20m, at 2026-12-24 18:00" required></div>
            <div><label for="time_zone">Time zone</label><input type="text" id="time_zone" name="time_zone" value="\(HTML.esc(job?.timeZone ?? timeZone))"></div>
            </div><div class="row">
            <div><label for="profile">Profile</label><select id="profile" name="profile">\(profiles)</select></div>
            <div><label for="target">Delivers to</label><input type="text" id="target" name="target" list="conversations" value="\(HTML.esc(job?.target.description ?? known.first ?? ""))" placeholder="telegram/main/123456" required>
            <datalist id="conversations">\(known.map { "<option value=\"\(HTML.esc($0))\">" }.joined())</datalist></div>
            </div>
            <label for="prompt">Prompt</label><textarea id="prompt" name="prompt" required>\(HTML.esc(job?.prompt ?? ""))</textarea>
            <p><button>\(job == nil ? "Create job" : "Save")</button></p></form>
            """
    }

    private func saveJob(_ visit: Visit, editing: String?) async throws -> HTTPResponse {
        let f = visit.request.form
        let name = editing ?? (f["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let listPath = editing.map { "/jobs/\(FormData.encode($0))" } ?? "/jobs"
        func refuse(_ why: String) -> HTTPResponse { back(listPath, error: why) }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return refuse("A job's name is letters, digits, '-' or '_'.")
        }
        let schedule = (f["schedule"] ?? "").trimmingCharacters(in: .whitespaces)
        do { _ = try Schedule(schedule) } catch { return refuse("Invalid schedule: \(error.message)") }
        let zone = (f["time_zone"] ?? timeZone).trimmingCharacters(in: .whitespaces)
        guard TimeZone(identifier: zone) != nil else { return refuse("Unknown time zone '\(zone)' (use an IANA name like Europe/Paris).") }
        let profile = f["profile"] ?? ""
        guard gateway.profile(named: profile) != nil else { return refuse("Unknown profile '\(profile)'.") }
        guard let target = ConversationRef(key: (f["target"] ?? "").trimmingCharacters(in: .whitespaces)),
            !target.chat.isEmpty, gateway.adapterList.contains(target.adapter)
        else {
            return refuse("Deliver to PLATFORM/ACCOUNT/CHAT of an adapter this Herald runs (\(gateway.adapterList.map(\.description).joined(separator: ", "))).")
        }
        let prompt = (f["prompt"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty else { return refuse("A job needs a prompt.") }
        var job: Job
        if let editing {
            guard let existing = try await store.job(named: editing), existing.removedAt == nil else { return refuse("No job \(editing).") }
            guard existing.origin != .config else { return refuse("\(editing) lives in the config file; edit it there.") }
            job = existing
            job.schedule = schedule
            job.timeZone = zone
            job.profile = profile
            job.target = target
            job.prompt = prompt
        } else {
            guard try await store.job(named: name) == nil else { return refuse("A job named \(name) exists already.") }
            job = Job(name: name, schedule: schedule, timeZone: zone, profile: profile, prompt: prompt, target: target, origin: .dashboard)
        }
        try await gateway.saveJob(job, replace: editing != nil)
        log.info("job saved from the dashboard", ["job": name, "schedule": schedule])
        return back("/jobs/\(FormData.encode(name))", done: editing == nil ? "Created \(name)." : "Saved \(name).")
    }

    private func jobAction(_ name: String, _ action: String) async throws -> HTTPResponse {
        let path = "/jobs/\(FormData.encode(name))"
        switch action {
        case "run":
            return try await gateway.runJobNow(name)
                ? back(path, done: "\(name) is running now.") : back(path, error: "\(name) could not start (no such job, or this moment was claimed already).")
        case "pause", "resume":
            let on = action == "resume"
            return try await gateway.setJob(name, enabled: on)
                ? back(path, done: on ? "\(name) resumed; runs due while it was paused are skipped." : "\(name) paused.")
                : back(path, error: "No job \(name).")
        case "delete":
            if let job = try await store.job(named: name), job.origin == .config, job.removedAt == nil {
                return back(path, error: Gateway.configJobNotDeleted(name))
            }
            guard try await gateway.deleteJob(name) else { return back("/jobs", error: "No job \(name).") }
            return back("/jobs", done: "Deleted \(name) and its history.")
        default:
            return .text("unknown action\n", status: 404)
        }
    }
}
