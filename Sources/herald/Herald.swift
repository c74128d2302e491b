import Foundation
import HeraldCore
import HeraldStore

/// Entry point: dispatches to a command and maps errors to exit codes.
@main
struct Herald {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        var args = Array(CommandLine.arguments.dropFirst())
        guard let command = args.first else {
            print(Help.main)
            exit(Exit.usage)
        }
        args.removeFirst()
        do {
            let code: Int32
            switch command {
            case "run": code = try await runGateway(args)
            case "chat": code = try await chat(args)
            case "doctor": code = try await Doctor.run(args)
            case "sessions": code = try await SessionsCommand.run(args)
            case "pair": code = try await PairCommand.run(args)
            case "profile": code = try await ProfileCommand.run(args)
            case "memory": code = try await MemoryCommand.run(args)
            case "skills": code = try await SkillsCommand.run(args)
            case "usage": code = try await UsageCommand.run(args)
            case "cron": code = try await CronCommand.run(args)
            case "artifacts": code = try await ArtifactsCommand.run(args)
            case "outbox": code = try await OutboxCommand.run(args)
            case "mcp": code = try await MCPCommand.run(args)
            case "dashboard": code = try await DashboardCommand.run(args)
            case "help", "--help", "-h":
                print(args.first.flatMap(help(for:)) ?? Help.main)
                code = Exit.ok
            default:
                fail("unknown command '\(command)'\n\n\(Help.main)")
                code = Exit.usage
            }
            exit(code)
        } catch let e as Arguments.UsageError {
            fail("\(e)\n\n\(help(for: command) ?? Help.main)")
            exit(Exit.usage)
        } catch let e as ConfigError {
            fail("config error: \(e)")
            exit(Exit.config)
        } catch let e as LockError {
            fail(e.message)
            exit(Exit.unavailable)
        } catch let e as SecretError {
            fail("secret unavailable: \(e)")
            exit(Exit.unavailable)
        } catch {
            fail("error: \(Redactor.shared.redact("\(error)"))")
            exit(Exit.failure)
        }
    }

    static func help(for command: String) -> String? {
        ["run": Help.run, "chat": Help.chat, "doctor": Help.doctor, "sessions": Help.sessions, "pair": Help.pair,
         "profile": Help.profile, "memory": Help.memory, "skills": Help.skills, "usage": Help.usage, "cron": Help.cron, "artifacts": Help.artifacts, "outbox": Help.outbox, "mcp": Help.mcp, "dashboard": Help.dashboard][command]
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func runGateway(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
        if args.flags.contains("help") {
            print(Help.run)
            return Exit.ok
        }
        let c = try Composition.load(args, runsGateway: true)
        let adapters = try c.daemonAdapters()
        guard !adapters.isEmpty else {
            fail("no adapters to run: add an [adapters.KIND] table to \(c.config.file) (use `herald chat` for the terminal)")
            return Exit.config
        }
        try await c.syncJobs()
        let mcp = c.mcpServers()
        let gateway = try c.gateway(adapters: adapters, mcp: mcp)
        try await Lifecycle.run(gateway, managed: c.managedServers(), mcp: mcp, dashboard: try c.dashboard(gateway))
        withExtendedLifetime(c.lock) {}
        return Exit.ok
    }

    static func chat(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "profile", "session"], flags: ["help", "no-stream"])
        if args.flags.contains("help") {
            print(Help.chat)
            return Exit.ok
        }
        guard args.positional.isEmpty else { throw Arguments.UsageError(description: "unexpected argument '\(args.positional[0])'") }
        let c = try Composition.load(args, runsGateway: true)
        let session = args.options["session"] ?? "main"
        let console = try c.consoleAdapter(session: session, noStream: args.flags.contains("no-stream"))
        if let profile = args.options["profile"] {
            guard c.config.profiles[profile] != nil else {
                throw ConfigError(file: c.config.file, line: 0, message: "no profile '\(profile)' (known: \(c.config.profiles.keys.sorted().joined(separator: ", ")))")
            }
            let current = try await c.store.activeSession(for: console.conversation, profile: profile)
            if current.profile != profile { _ = try await c.store.startNewSession(for: console.conversation, profile: profile) }
        }
        try await c.syncJobs()
        var settings = GatewaySettings()
        settings.stopWhenAdaptersFinish = true
        let mcp = c.mcpServers()
        try await Lifecycle.run(try c.gateway(adapters: [console], settings: settings, mcp: mcp, node: false), managed: c.managedServers(), mcp: mcp)
        // Whatever could not be answered now is kept, and the person is told so.
        let waiting = (try await c.store.inboxCounts())["pending"] ?? 0
        let outbox = try await c.store.outboxCounts()
        let unsent = (outbox[.pending] ?? 0) + (outbox[.sending] ?? 0)
        if waiting + unsent > 0 {
            fail("herald: kept for the next start: \(waiting) message(s) not answered yet, \(unsent) repl(ies) not shown yet")
        }
        withExtendedLifetime(c.lock) {}
        return Exit.ok
    }
}
