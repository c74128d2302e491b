import Foundation
import HeraldConsole
import HeraldCore
import HeraldDashboard
import HeraldMCP
import HeraldStore
import HeraldIRC
import HeraldEmail
import HeraldMatrix
import HeraldTelegram

/// The composition root: reads the config and wires the store, the model backends, the
/// profiles and the adapters into a Gateway.
struct Composition {
    let config: HeraldConfig
    let store: SQLStore
    /// Held for the process's lifetime by whatever runs the gateway (`herald run`, `herald chat`).
    let lock: ExclusiveLock?

    /// Finds the config: --config, $HERALD_CONFIG, ./config/herald.toml, ~/.config/herald/herald.toml.
    static func configPath(_ args: Arguments) -> String {
        if let p = args.options["config"] { return p }
        let env = ProcessInfo.processInfo.environment
        if let p = env["HERALD_CONFIG"], !p.isEmpty { return p }
        if FileManager.default.fileExists(atPath: "config/herald.toml") { return "config/herald.toml" }
        return ((env["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config/herald/herald.toml")
    }

    /// Reads the config and opens the store. `runsGateway` first takes the state directory's
    /// lock, before the store is touched: a second gateway on the same store would recover the
    /// first one's live deliveries and answer its messages again. Short commands (listings,
    /// `pair approve`, `cron add`, `outbox retry`) take no lock and work beside a gateway.
    static func load(_ args: Arguments, runsGateway: Bool = false) throws -> Composition {
        let config = try HeraldConfig.load(path: configPath(args))
        Logger.setLevel(["debug": .debug, "warning": .warning, "error": .error][config.logLevel] ?? .info)
        try FileManager.default.createDirectory(
            atPath: config.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if runsGateway, config.stateDirectorySource.contains("overrides") {
            Logger("herald").warning("the state directory comes from the environment", ["dir": config.stateDirectory, "why": config.stateDirectorySource])
        }
        switch config.store.location {
        case .sqlite:
            let lock =
                runsGateway
                ? try ExclusiveLock(
                    path: (config.stateDirectory as NSString).appendingPathComponent("gateway.lock"),
                    guarding: config.stateDirectory) : nil
            let store = try SQLStore(path: config.databasePath, durable: config.durableWrites)
            return Composition(config: config, store: store, lock: lock)
        case .postgres(let url, let password):
            // Several nodes share this store: leases, not a lock file, keep each message to one.
            let store = try SQLStore(postgres: url, password: try password?.resolve(), node: config.store.nodeName)
            return Composition(config: config, store: store, lock: nil)
        }
    }

    /// One backend per `[models.NAME]`, with its API key resolved.
    func backends() throws -> [String: any ModelBackend] {
        var out: [String: any ModelBackend] = [:]
        for (name, m) in config.models {
            let key = try m.apiKey.map { try $0.resolve() }
            if m.urls.count > 1 {
                // One backend per server (each learns its own slots and context), routed by session.
                out[name] = ModelPool(
                    name: name,
                    members: m.urls.map { url in
                        var one = m
                        one.url = url
                        return (url, OpenAIBackend(config: one, apiKey: key))
                    })
            } else {
                out[name] = OpenAIBackend(config: m, apiKey: key)
            }
        }
        return out
    }

    /// Managed servers for backends with a `launch` command.
    func managedServers() -> [ManagedServer] {
        config.models.values.compactMap { m in
            guard let launch = m.launch else { return nil }
            var root = m.url
            if root.hasSuffix("/") { root.removeLast() }
            if root.hasSuffix("/v1") { root.removeLast(3) }
            return ManagedServer(name: m.name, command: launch, healthURL: root + "/health")
        }
    }

    /// The adapters `herald run` starts: every `[adapters.KIND]` except the console.
    func daemonAdapters() throws -> [any ChatAdapter] {
        var out: [any ChatAdapter] = []
        for (kind, reader) in config.adapters {
            switch kind {
            case "console":
                var r = reader
                _ = try r.bool("stream")
                _ = try r.string("label")
                try r.finish()
            case "telegram":
                out.append(try TelegramAdapter(config: TelegramConfig(reader, stateDirectory: config.stateDirectory)))
            case "irc":
                let irc = try IRCConfig(reader)
                out.append(IRCAdapter(config: irc, password: try irc.saslPassword?.resolve()))
            case "matrix":
                out.append(MatrixAdapter(config: try MatrixConfig(reader, stateDirectory: config.stateDirectory)))
            case "email":
                let email = try EmailConfig(reader, stateDirectory: config.stateDirectory)
                out.append(EmailAdapter(config: email, password: try email.password!.resolve()))
            default:
                throw reader.error(nil, "unknown adapter kind '\(kind)' (this Herald knows: console, telegram, irc, matrix, email)")
            }
        }
        return out
    }

    /// The console adapter for `herald chat`, with `[adapters.console]` settings if present.
    func consoleAdapter(session: String, noStream: Bool) throws -> ConsoleAdapter {
        var stream = true
        var label = "herald"
        if var r = config.adapters.first(where: { $0.kind == "console" })?.reader {
            stream = try r.bool("stream") ?? true
            label = try r.string("label") ?? label
            try r.finish()
        }
        return ConsoleAdapter(session: session, label: label, stream: stream && !noStream)
    }

    /// One client per `[mcp.NAME]` server; the gateway's agent offers their tools and
    /// `Lifecycle` runs them beside it.
    func mcpServers() -> [MCPServer] {
        config.mcp.keys.sorted().compactMap { config.mcp[$0].map(MCPServer.init(config:)) }
    }

    /// - Parameter node: take part as a node beside others when the store is shared (`herald
    ///   run`); `herald chat` works only its own console conversation and needs no leases.
    func gateway(adapters: [any ChatAdapter], settings: GatewaySettings = GatewaySettings(), mcp: [MCPServer] = [], node: Bool = true) throws
        -> Gateway
    {
        var settings = settings
        settings.prices = config.models.mapValues(\.price)
        settings.timeZone = config.timeZone
        settings.jobGrace = config.jobGrace
        settings.approvalTimeout = config.approvalTimeout
        let profiles = try loadProfiles()
        let backends = try backends()
        let (tools, librarian) = StandardTools.make(config: config, store: store, backends: backends)
        settings.artifactsShared = config.artifactsShared
        settings.leaseSeconds = config.store.leaseSeconds
        settings.lanesPerNode = config.store.lanes
        return Gateway(
            store: store, adapters: adapters, agent: Agent(backends: backends, tools: tools, providers: mcp), profiles: profiles,
            router: Router(bindings: config.bindings, defaultProfile: config.defaultProfile),
            access: AccessControl(store: store, config: config.access), settings: settings, librarian: librarian,
            cluster: node && store.isShared ? store : nil)
    }

    /// The dashboard `herald run` serves, when `[dashboard] enabled`. Its token is made on the
    /// first start, and the login link printed then (once; `herald dashboard url` prints it
    /// again). Hooks' secrets are resolved here, so a missing one stops the start.
    func dashboard(_ gateway: Gateway) throws -> Dashboard? {
        let d = config.dashboard
        guard d.enabled else { return nil }
        let (token, created) = try DashboardAuth.token(stateDirectory: config.stateDirectory)
        if created {
            Herald.fail("herald: the dashboard's login link (also: herald dashboard url): \(DashboardAuth.loginURL(bind: d.bind, port: d.port, token: token))")
        }
        var hooks: [String: Dashboard.Hook] = [:]
        for (name, hook) in config.hooks { hooks[name] = Dashboard.Hook(config: hook, secret: try hook.secret.resolve()) }
        return Dashboard(gateway: gateway, store: store, config: d, token: token, hooks: hooks, timeZone: config.timeZone)
    }

    /// The profiles with their skills. A broken skill is logged with its file:line and
    /// skipped; the other skills and profiles still load.
    func loadProfiles() throws -> [String: Profile] {
        let profiles = try Profile.loadAll(config.profiles, directory: config.profilesDirectory, skillsDirectory: config.skillsDirectory)
        var reported = Set<String>()
        for p in profiles.values {
            for e in p.catalog.errors where reported.insert(e.description).inserted {
                Logger("skills").warning("skill not loaded", ["error": e.description])
            }
        }
        return profiles
    }

    /// Puts the config's `[[jobs]]` into the store (an edited job keeps its history and pause).
    /// The config file owns its jobs: each is saved (a paused one stays paused), and a config
    /// job no longer in the file is marked removed, its history kept.
    func syncJobs() async throws {
        for var job in config.jobs {
            job.origin = .config
            try await store.saveJob(job, replace: true)
        }
        let gone = try await store.removeConfigJobs(keeping: Set(config.jobs.map(\.name)), at: Date())
        if !gone.isEmpty { Logger("cron").info("jobs removed from the config no longer run; their history is kept", ["jobs": gone.joined(separator: ",")]) }
    }
}
