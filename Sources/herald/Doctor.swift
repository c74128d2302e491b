import Foundation
import HeraldCore
import HeraldNet
import HeraldStore

/// `herald doctor`: every check runs, each prints ok or what is wrong.
enum Doctor {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
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
            print("ok    store \(config.databasePath) (schema \(try await c.store.schemaVersion()))")
            print(OutboxCommand.countsLine(try await c.store.outboxCounts()))
            let adapters = try c.daemonAdapters()
            print("ok    adapters: \(config.adapters.map(\.kind).joined(separator: ", ").nilIfEmpty ?? "none configured")")
            for a in adapters { print("ok    adapter \(a.id): credentials resolve") }
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
        return code
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
