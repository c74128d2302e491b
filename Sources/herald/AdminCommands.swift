import Foundation
import HeraldCore
import HeraldStore

enum SessionsCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "limit"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.sessions)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        switch args.positional[0] {
        case "list":
            let limit = Int(args.options["limit"] ?? "50") ?? 50
            let rows = try await c.store.sessions(limit: limit)
            if rows.isEmpty { print("no sessions yet") }
            for s in rows {
                let last = s.lastActivity?.formatted(.iso8601) ?? "-"
                print("\(s.session.id.prefix(8))  \(s.active ? "active" : "ended ")  \(s.session.profile)  \(s.messages) msgs  last \(last)  \(s.session.conversation)")
            }
            return Exit.ok
        case "show":
            guard args.positional.count == 2 else { throw Arguments.UsageError(description: "sessions show needs an ID") }
            let prefix = args.positional[1]
            let matches = try await c.store.sessions(limit: 100_000).filter { $0.session.id.hasPrefix(prefix) }
            guard matches.count == 1, let s = matches.first?.session else {
                Herald.fail(matches.isEmpty ? "no session \(prefix)" : "\(prefix) matches \(matches.count) sessions; give more of the id")
                return Exit.failure
            }
            print("session \(s.id)\nconversation \(s.conversation)\nprofile \(s.profile)\nstarted \(s.createdAt.formatted(.iso8601))\n")
            for m in try await c.store.history(sessionID: s.id, limit: 100_000) {
                print("[\(m.role.rawValue), \(m.tokens) tok] \(m.content)")
            }
            let usage = try await c.store.usage(sessionID: s.id)
            print("\nusage: \(usage.count) model calls")
            for u in usage {
                print("  \(u.usage.model): prompt \(u.usage.promptTokens) (cached \(u.usage.cachedTokens)), completion \(u.usage.completionTokens), \(Int(u.usage.totalMilliseconds)) ms")
            }
            // Sub-agents this session delegated to, as a tree, with their usage rolled up.
            var total = usage.reduce(0) { $0 + $1.usage.promptTokens + $1.usage.completionTokens }
            func tree(_ id: String, depth: Int) async throws {
                for child in try await c.store.children(of: id) {
                    let u = try await c.store.usage(sessionID: child.id)
                    let tokens = u.reduce(0) { $0 + $1.usage.promptTokens + $1.usage.completionTokens }
                    total += tokens
                    let goal = try await c.store.history(sessionID: child.id, limit: 100).first?.content
                        .components(separatedBy: "Goal: ").dropFirst().first?.split(separator: "\n").first.map(String.init) ?? ""
                    let last = try await c.store.history(sessionID: child.id, limit: 1).last?.content ?? ""
                    print("\(String(repeating: "  ", count: depth))└ sub-agent \(child.id.prefix(8)): \(goal) (\(u.count) calls, \(tokens) tokens) → \(last.prefix(80))")
                    try await tree(child.id, depth: depth + 1)
                }
            }
            if !(try await c.store.children(of: s.id)).isEmpty {
                print("\nsub-agents:")
                try await tree(s.id, depth: 1)
                print("total with sub-agents: \(total) tokens")
            }
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "unknown sessions subcommand '\(args.positional[0])'")
        }
    }
}

enum PairCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.pair)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            let rows = try await c.store.pairings(now: Date())
            if rows.isEmpty { print("no pending pairing requests") }
            for p in rows {
                print("\(p.code)  \(p.adapter)  \(p.sender.id) (\(p.sender.displayName))  expires \(p.expiresAt.formatted(.iso8601))")
            }
            return Exit.ok
        case ("approve", 2):
            guard let p = try await c.store.approvePairing(code: args.positional[1].uppercased(), now: Date()) else {
                Herald.fail("no pending pairing code \(args.positional[1]) (it may have expired)")
                return Exit.failure
            }
            print("approved \(p.sender.id) (\(p.sender.displayName)) on \(p.adapter)")
            return Exit.ok
        case ("deny", 2):
            guard let p = try await c.store.denyPairing(code: args.positional[1].uppercased()) else {
                Herald.fail("no pending pairing code \(args.positional[1])")
                return Exit.failure
            }
            print("denied \(p.sender.id) on \(p.adapter)")
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "usage: herald pair list | approve CODE | deny CODE")
        }
    }
}
