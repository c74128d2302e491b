import Foundation
import HeraldCore
import HeraldMCP
import HeraldNet
import HeraldStore

/// `herald doctor`: every check runs, each prints ok or what is wrong.
enum Doctor {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help", "online"])
        let online = args.flags.contains("online")
        if args.flags.contains("help") {
            print(Help.doctor)
            return Exit.ok
        }
        let path = Composition.configPath(args)
        let config: HeraldConfig
        do {
            config = try HeraldConfig.load(path: path)
            print("ok    config \(path)")
        } catch let e as ConfigError {
            print("FAIL  config \(e)")
            return Exit.config
        }
        var code = Exit.ok
        do {
            let profiles = try Profile.loadAll(config.profiles, directory: config.profilesDirectory, skillsDirectory: config.skillsDirectory)
            var reported = Set<String>()
            for name in config.profiles.keys.sorted() {
                guard let p = profiles[name] else { continue }
                let soul = (config.profilesDirectory as NSString).appendingPathComponent("\(name)/SOUL.md")
                let skills = "\(p.catalog.skills.count) skills"
                print(FileManager.default.fileExists(atPath: soul) ? "ok    profile \(name) (\(skills))" : "warn  profile \(name) (\(skills)): no \(soul), using a generic persona")
                for e in p.catalog.errors where reported.insert(e.description).inserted { print("warn  skill \(e)") }
                for s in p.config.skills ?? [] where p.catalog.skills[s] == nil { print("warn  profile \(name) enables skill '\(s)', which does not exist") }
            }
        } catch {
            print("FAIL  profiles: \(error)")
            code = Exit.config
        }
        do {
            let c = try Composition.load(args)
            print("ok    state directory \(config.stateDirectory), from \(config.stateDirectorySource)")
            print("ok    store \(c.store.location) (schema \(try await c.store.schemaVersion()))")
            print(OutboxCommand.countsLine(try await c.store.outboxCounts()))
            let adapters = try c.daemonAdapters()
            // Beside other nodes: who runs each account now.
            let leases = c.store.isShared ? try await c.store.adapterLeases() : [:]
            print("ok    adapters: \(config.adapters.map(\.kind).joined(separator: ", ").nilIfEmpty ?? "none configured")")
            for a in adapters {
                print("ok    adapter \(a.id): credentials resolve")
                if c.store.isShared {
                    if let l = leases[a.id], l.expires > Date() {
                        print("ok    adapter \(a.id) runs on node \(l.owner) (lease until \(ISO8601DateFormatter().string(from: l.expires)))")
                    } else {
                        print("warn  adapter \(a.id) runs on no node now")
                    }
                }
                guard online else { continue }
                let intake = Intake(adapter: a.id, store: c.store, doorbell: Doorbell())
                do {
                    if let verdict = try await Self.within(.seconds(30), { try await a.checkOnline(intake: intake) }) {
                        print("ok    adapter \(a.id) online: \(verdict)")
                    }
                } catch {
                    print("FAIL  adapter \(a.id) online: \(error)")
                    code = code == Exit.ok ? Exit.unavailable : code
                }
            }
        } catch let e as ConfigError {
            print("FAIL  \(e)")
            code = Exit.config
        } catch let e as SecretError {
            print("FAIL  adapter credentials: \(e)")
            code = Exit.unavailable
        } catch {
            print("FAIL  store: \(error)")
            code = Exit.failure
        }
        for (name, m) in config.models.sorted(by: { $0.key < $1.key }) {
            if let key = m.apiKey {
                do {
                    _ = try key.resolve()
                    print("ok    model \(name): api key from \(key)")
                } catch {
                    print("FAIL  model \(name): \(error)")
                    code = code == Exit.ok ? Exit.unavailable : code
                }
            }
            var root = m.url
            if root.hasSuffix("/v1") { root.removeLast(3) }
            if online && m.launch == nil {
                // One token from the model itself: the server is up, the key works, the model exists.
                do {
                    let backend = OpenAIBackend(config: m, apiKey: try m.apiKey?.resolve())
                    let started = ContinuousClock.now
                    _ = try await Self.within(.seconds(Double(m.timeoutSeconds))) {
                        try await backend.complete(
                            ModelRequest(messages: [SessionMessage(role: .user, content: "Say OK.")], maxTokens: 1, sessionID: "herald-doctor"),
                            onDelta: { _ in })
                    }
                    let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
                    print("ok    model \(name) online: \(m.model.isEmpty ? "its model" : m.model) answered a one-token request in \(ms) ms")
                } catch {
                    print("FAIL  model \(name) online: \(error)")
                    code = code == Exit.ok ? Exit.unavailable : code
                }
                continue
            }
            if m.launch != nil {
                print("ok    model \(name): started by Herald (\(m.launch![0]))")
                continue
            }
            do {
                let r = try await HTTPClient().send(HTTPRequest(url: root + "/health", connectTimeout: .seconds(3), timeout: .seconds(5)))
                let models = try await HTTPClient().send(HTTPRequest(url: m.url + "/models", connectTimeout: .seconds(3), timeout: .seconds(5)))
                if r.status == 200 || models.status == 200 {
                    print("ok    model \(name) at \(m.url)")
                } else {
                    print("FAIL  model \(name) at \(m.url): HTTP \(r.status)")
                    code = code == Exit.ok ? Exit.unavailable : code
                }
            } catch {
                print("FAIL  model \(name) at \(m.url): \(error)")
                code = code == Exit.ok ? Exit.unavailable : code
            }
        }
        // MCP servers: started for a moment, as `herald mcp list` does.
        for name in config.mcp.keys.sorted() {
            let server = MCPServer(config: config.mcp[name]!)
            switch await MCPCommand.started(server, { _ in }) {
            case .ready(let version, let tools): print("ok    mcp \(name): ready, protocol \(version), \(tools) tools (tool set \(server.toolset))")
            case .down(let why):
                print("FAIL  mcp \(name): down (\(why)); its tools are not offered")
                code = code == Exit.ok ? Exit.unavailable : code
            case .starting:
                print("FAIL  mcp \(name): did not come up within 30 s")
                code = code == Exit.ok ? Exit.unavailable : code
            }
        }
        return code
    }
}

extension Doctor {
    struct TimedOut: Error, CustomStringConvertible {
        var after: Duration
        var description: String { "no answer within \(after)" }
    }

    /// `body`'s result, or `TimedOut` once `limit` passes (the body is cancelled).
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut(after: limit) }
            return value
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
