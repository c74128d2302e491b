import Foundation

extension HeraldConfig {
    /// Loads and validates `path`. Every error names file:line.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HeraldConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, message: "cannot read the configuration file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, message: "the configuration is not valid UTF-8")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Parses configuration text. `file` is used for messages and to resolve relative paths.
    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ConfigError) -> HeraldConfig {
        let table: TOMLTable
        do {
            table = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(file: file, line: error.line, message: error.message)
        }
        var root = ConfigReader(file: file, table: table)
        func resolve(_ p: String) -> String { ConfigReader.resolve(p, relativeTo: file) }

        let configured = try root.string("state_dir").map(resolve)
        var state = configured ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share/herald")
        var stateSource = configured == nil ? "the default (no state_dir, no $HERALD_HOME)" : "state_dir in \(file)"
        if let home = environment["HERALD_HOME"], !home.isEmpty {
            state = home
            stateSource = configured == nil ? "$HERALD_HOME" : "$HERALD_HOME, which overrides state_dir = \"\(configured!)\" in \(file)"
        }
        let profilesDir = resolve(try root.string("profiles_dir", default: "profiles"))
        let skillsDir = resolve(try root.string("skills_dir", default: "skills"))
        let defaultProfile = try root.string("default_profile", default: "default")
        let durable = try root.bool("durable_writes") ?? false
        let store = try StoreConfig.read(&root)
        let logLevel = try root.string("log_level", default: "info")
        guard ["debug", "info", "warning", "error"].contains(logLevel) else {
            throw root.error("log_level", "'log_level' must be debug, info, warning or error")
        }

        var models: [String: ModelConfig] = [:]
        for (name, var r) in try root.tables("models") {
            let urls = try r.strings("urls") ?? []
            let single = urls.isEmpty ? try r.requiredString("url") : try r.string("url")
            if single != nil && !urls.isEmpty {
                throw r.error("urls", "give 'models.\(name).url' (one server) or 'urls' (several), not both")
            }
            var m = ModelConfig(name: name, url: single ?? urls[0])
            for u in urls.isEmpty ? [m.url] : urls where !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
                throw r.error(urls.isEmpty ? "url" : "urls", "'models.\(name).\(urls.isEmpty ? "url" : "urls")' must start with http:// or https:// (\(u))")
            }
            guard Set(urls).count == urls.count else { throw r.error("urls", "'models.\(name).urls' lists a server twice") }
            m.urls = urls
            m.model = try r.string("model", default: name)
            m.apiKey = try r.secret("api_key")
            m.maxTokens = try r.int("max_tokens", range: 1...1_000_000) ?? m.maxTokens
            m.temperature = try r.double("temperature") ?? m.temperature
            m.timeoutSeconds = try r.int("timeout_seconds", range: 1...86_400) ?? m.timeoutSeconds
            m.contextTokens = try r.int("context_tokens", range: 256...10_000_000)
            let concurrent = try r.int("max_concurrent", range: 1...1024)
            if let slots = try r.ints("slots") {
                guard !slots.isEmpty, slots.allSatisfy({ (0...1023).contains($0) }), Set(slots).count == slots.count else {
                    throw r.error("slots", "'models.\(name).slots' must list distinct slot numbers from 0, e.g. [0, 1]")
                }
                m.slots = slots.map { Int($0) }
            }
            // More requests at once than slots of our own would evict running sessions' caches.
            m.maxConcurrent = concurrent ?? m.slots?.count ?? m.maxConcurrent
            m.launch = try r.strings("launch")
            if m.launch?.isEmpty == true { throw r.error("launch", "'models.\(name).launch' must name a command") }
            m.caFile = try r.string("ca_file").map(resolve)
            if var p = try r.table("price") {
                m.price = ModelConfig.Price(
                    prompt: try p.double("prompt") ?? 0, cachedPrompt: try p.double("cached_prompt"),
                    completion: try p.double("completion") ?? 0)
                try p.finish()
            }
            try r.finish()
            models[name] = m
        }
        if models.isEmpty { throw root.error(nil, "no model backends: add a [models.NAME] table with a url") }

        var mcp: [String: MCPServerConfig] = [:]
        for (name, var r) in try root.tables("mcp") {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw r.error(nil, "an MCP server's name is letters, digits, '-' or '_' (it prefixes its tools' names)")
            }
            let command = try r.strings("command")
            let url = try r.string("url")
            var s: MCPServerConfig
            switch (command, url) {
            case (let c?, nil):
                guard !c.isEmpty else { throw r.error("command", "'mcp.\(name).command' must name a program") }
                s = MCPServerConfig(name: name, endpoint: .stdio(command: c))
            case (nil, let u?):
                guard u.hasPrefix("http://") || u.hasPrefix("https://") else { throw r.error("url", "'mcp.\(name).url' must start with http:// or https://") }
                s = MCPServerConfig(name: name, endpoint: .http(url: u))
            default:
                throw r.error(nil, "[mcp.\(name)] needs either command = [...] (stdio) or url = \"https://...\" (Streamable HTTP)")
            }
            s.environment = try r.strings("env") ?? []
            s.bearer = try r.secret("bearer")
            s.caFile = try r.string("ca_file").map(resolve)
            s.include = try r.strings("include")
            s.exclude = try r.strings("exclude") ?? []
            s.confirm = try r.strings("confirm") ?? []
            s.timeoutSeconds = try r.int("timeout_seconds", range: 1...3600) ?? s.timeoutSeconds
            s.maxResultChars = try r.int("max_result_chars", range: 200...1_000_000) ?? s.maxResultChars
            try r.finish()
            mcp[name] = s
        }
        let knownSets = ToolSet.known + [WorkspaceTools.toolset] + mcp.values.map(\.toolset).sorted()

        var profiles: [String: ProfileConfig] = [:]
        for (name, var r) in try root.tables("profiles") {
            let model = try r.requiredString("model")
            let fallback = try r.strings("fallback") ?? []
            for m in [model] + fallback where models[m] == nil {
                throw r.error(fallback.contains(m) ? "fallback" : "model", "profile '\(name)' names an unknown model '\(m)'")
            }
            var p = ProfileConfig(name: name, models: [model] + fallback)
            p.historyTokens = try r.int("history_tokens", range: 64...10_000_000) ?? p.historyTokens
            p.skills = try r.strings("skills")
            p.toolsets = try r.strings("toolsets") ?? p.toolsets
            for set in p.toolsets where !knownSets.contains(set) {
                throw r.error("toolsets", "profile '\(name)' names an unknown tool set '\(set)' (known: \(knownSets.joined(separator: ", ")))")
            }
            p.memoryChars = try r.int("memory_chars", range: 0...100_000) ?? p.memoryChars
            p.userMemoryChars = try r.int("user_memory_chars", range: 0...100_000) ?? p.userMemoryChars
            p.contextTokens = try r.int("context_tokens", range: 256...10_000_000)
            p.filesArtifacts = try r.bool("files_artifacts") ?? false
            // The workspace is set up for every profile (its tools are off unless `workspace` is
            // among the tool sets); its folder defaults to one of its own in the state directory.
            var w = WorkspaceSettings(
                path: try r.string("workspace").map(resolve) ?? (state as NSString).appendingPathComponent("workspaces/\(name)"))
            w.perSession = try r.bool("workspace_per_session") ?? false
            w.limits.network = try r.bool("run_network") ?? false
            w.limits.wallSeconds = try r.int("run_timeout_seconds", range: 1...86_400) ?? w.limits.wallSeconds
            w.limits.cpuSeconds = try r.int("run_cpu_seconds", range: 1...86_400) ?? w.limits.cpuSeconds
            w.limits.memoryMB = try r.int("run_memory_mb", range: 16...1_048_576) ?? w.limits.memoryMB
            w.limits.processes = try r.int("run_processes", range: 1...100_000) ?? w.limits.processes
            w.limits.outputChars = try r.int("run_output_chars", range: 200...1_000_000) ?? w.limits.outputChars
            for name in try r.strings("run_env") ?? [] { w.environment[name] = environment[name] }
            w.policy = RunPolicy(allow: try r.strings("run_allow") ?? [], deny: try r.strings("run_deny") ?? [])
            p.workspace = w
            try r.finish()
            profiles[name] = p
        }
        if profiles[defaultProfile] == nil {
            if profiles.isEmpty, let first = models.keys.sorted().first {
                profiles[defaultProfile] = ProfileConfig(name: defaultProfile, models: [first])
            } else {
                throw root.error("default_profile", "default profile '\(defaultProfile)' has no [profiles.\(defaultProfile)] table")
            }
        }

        var bindings: [Binding] = []
        for var r in try root.tableArray("bindings") {
            let profile = try r.requiredString("profile")
            guard profiles[profile] != nil else { throw r.error("profile", "binding names an unknown profile '\(profile)'") }
            bindings.append(
                Binding(
                    platform: try r.string("platform").map { Platform($0) }, account: try r.string("account"),
                    chat: try r.string("chat"), thread: try r.string("thread"), profile: profile))
            try r.finish()
        }

        let timeZone = try root.string("time_zone") ?? TimeZone.current.identifier
        guard TimeZone(identifier: timeZone) != nil else { throw root.error("time_zone", "unknown time zone '\(timeZone)' (use an IANA name like Europe/Paris)") }
        var jobGrace: TimeInterval = 3600
        var approvalTimeout: TimeInterval = 1800
        if var r = try root.table("approvals") {
            approvalTimeout = TimeInterval(try r.int("timeout_seconds", range: 1...604_800) ?? 1800)
            try r.finish()
        }
        if var r = try root.table("scheduler") {
            jobGrace = TimeInterval(try r.int("grace_minutes", range: 0...10_080) ?? 60) * 60
            try r.finish()
        }
        var web = WebConfig()
        if var r = try root.table("web") {
            web.searchURL = try r.string("search_url")
            if let u = web.searchURL, !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
                throw r.error("search_url", "'web.search_url' must start with http:// or https://")
            }
            web.allowPrivate = try r.bool("allow_private") ?? false
            web.maxBytes = try r.int("max_bytes", range: 1024...(256 << 20)) ?? web.maxBytes
            web.timeoutSeconds = try r.int("timeout_seconds", range: 1...600) ?? web.timeoutSeconds
            web.maxRedirects = try r.int("max_redirects", range: 0...20) ?? web.maxRedirects
            web.maxChars = try r.int("max_chars", range: 100...1_000_000) ?? web.maxChars
            try r.finish()
        }
        var delegation: (maxConcurrent: Int?, maxDepth: Int, timeoutSeconds: Int) = (nil, 1, 300)
        if var r = try root.table("delegation") {
            delegation.maxConcurrent = try r.int("max_concurrent", range: 1...64)
            delegation.maxDepth = try r.int("max_depth", range: 1...3) ?? 1
            delegation.timeoutSeconds = try r.int("timeout_seconds", range: 1...3600) ?? 300
            try r.finish()
        }
        var artifactsShared = false
        if var r = try root.table("artifacts") {
            let v = try r.string("visibility", default: "owner")
            guard ["owner", "shared"].contains(v) else { throw r.error("visibility", "'artifacts.visibility' must be \"owner\" or \"shared\"") }
            artifactsShared = v == "shared"
            try r.finish()
        }
        var dashboard = DashboardConfig()
        if var r = try root.table("dashboard") {
            dashboard.enabled = try r.bool("enabled") ?? false
            dashboard.bind = try r.string("bind") ?? dashboard.bind
            guard dashboard.bind.contains(":") || dashboard.bind.split(separator: ".").count == 4 else {
                throw r.error("bind", "'dashboard.bind' is an IPv4 or IPv6 address such as 127.0.0.1")
            }
            dashboard.port = try r.int("port", range: 1...65_535) ?? dashboard.port
            dashboard.sessionDays = try r.int("session_days", range: 1...365) ?? dashboard.sessionDays
            dashboard.maxConnections = try r.int("max_connections", range: 4...1024) ?? dashboard.maxConnections
            try r.finish()
        }
        var hooks: [String: HookConfig] = [:]
        for (name, var r) in try root.tables("hooks") {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw r.error(nil, "a hook's name is letters, digits, '-' or '_' (it is the end of its URL)")
            }
            guard let secret = try r.secret("secret") else {
                throw r.error(nil, "[hooks.\(name)] needs secret_env or secret_file: its requests are signed with it")
            }
            let action: HookConfig.Action
            switch (try r.string("job"), try r.string("conversation")) {
            case (let job?, nil): action = .runJob(job)
            case (nil, let to?):
                let parts = to.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3 || parts.count == 4, !parts.contains(where: \.isEmpty) else {
                    throw r.error("conversation", "'hooks.\(name).conversation' is PLATFORM/ACCOUNT/CHAT[/THREAD]")
                }
                action = .post(ConversationRef(platform: Platform(parts[0]), account: parts[1], chat: parts[2], thread: parts.count == 4 ? parts[3] : nil))
            default:
                throw r.error(nil, "[hooks.\(name)] needs either job = \"NAME\" (run it now) or conversation = \"PLATFORM/ACCOUNT/CHAT\" (post the payload there)")
            }
            var hook = HookConfig(name: name, secret: secret, action: action)
            hook.maxBodyBytes = try r.int("max_body_bytes", range: 1...(16 << 20)) ?? hook.maxBodyBytes
            try r.finish()
            hooks[name] = hook
        }
        if !hooks.isEmpty && !dashboard.enabled {
            throw root.error("hooks", "webhooks are served by the dashboard's server: set enabled = true in [dashboard]")
        }
        var jobs: [Job] = []
        for var r in try root.tableArray("jobs") {
            let name = try r.requiredString("name")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw r.error("name", "a job name is letters, digits, '-' or '_'")
            }
            let schedule = try r.requiredString("schedule")
            do { _ = try Schedule(schedule) } catch { throw r.error("schedule", "job '\(name)': \(error.message)") }
            let zone = try r.string("time_zone") ?? timeZone
            guard TimeZone(identifier: zone) != nil else { throw r.error("time_zone", "unknown time zone '\(zone)'") }
            let profile = try r.string("profile") ?? defaultProfile
            guard profiles[profile] != nil else { throw r.error("profile", "job '\(name)' names an unknown profile '\(profile)'") }
            guard var t = try r.table("target") else { throw r.error(nil, "job '\(name)' needs a target = { platform = ..., chat = ... }") }
            let target = ConversationRef(
                platform: Platform(try t.requiredString("platform")), account: try t.string("account") ?? "main",
                chat: try t.requiredString("chat"), thread: try t.string("thread"))
            try t.finish()
            let model = try r.string("model")
            if let model, models[model] == nil { throw r.error("model", "job '\(name)' names an unknown model '\(model)'") }
            let toolsets = try r.strings("toolsets")
            for set in toolsets ?? [] where !knownSets.contains(set) { throw r.error("toolsets", "unknown tool set '\(set)'") }
            jobs.append(
                Job(
                    name: name, schedule: schedule, timeZone: zone, profile: profile, prompt: try r.requiredString("prompt"), target: target,
                    toolsets: toolsets, skills: try r.strings("skills"), model: model, freshSession: try r.bool("fresh_session") ?? true,
                    enabled: try r.bool("enabled") ?? true, origin: .config, catchUp: try r.bool("catch_up") ?? false,
                    notifyFailures: try r.bool("notify_failures") ?? true,
                    deadline: try r.int("deadline_minutes", range: 1...525_600).map { TimeInterval($0) * 60 }))
            try r.finish()
        }
        guard Set(jobs.map(\.name)).count == jobs.count else { throw root.error("jobs", "two [[jobs]] have the same name") }

        var access = AccessConfig()
        if var r = try root.table("access") {
            access.pairingValidity = TimeInterval(try r.int("pairing_valid_minutes", range: 1...10_080) ?? 60) * 60
            access.maxPendingPairings = try r.int("max_pending_pairings", range: 1...100) ?? 3
            try r.finish()
        }

        var adapters: [(String, ConfigReader)] = []
        if var a = try root.table("adapters") {
            for kind in a.table.keys {
                switch a.table[kind] {
                case .table:
                    if let r = try a.table(kind) { adapters.append((kind, r)) }
                case .array:
                    for r in try a.tableArray(kind) { adapters.append((kind, r)) }
                default:
                    throw a.error(kind, "'adapters.\(kind)' must be a table")
                }
            }
        }
        try root.finish()
        var config = HeraldConfig(
            file: file, stateDirectory: state, profilesDirectory: profilesDir, skillsDirectory: skillsDir, defaultProfile: defaultProfile,
            durableWrites: durable, logLevel: logLevel, models: models, profiles: profiles, bindings: bindings,
            access: access, adapters: adapters)
        config.stateDirectorySource = stateSource
        config.timeZone = timeZone
        config.jobs = jobs
        config.mcp = mcp
        config.jobGrace = jobGrace
        config.approvalTimeout = approvalTimeout
        config.web = web
        config.delegation = delegation
        config.artifactsShared = artifactsShared
        config.dashboard = dashboard
        config.hooks = hooks
        config.store = store
        return config
    }
}
