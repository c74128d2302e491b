import Foundation
import HeraldCore
import HeraldStore

/// `herald outbox`: what is on its way, what failed and why, and a retry for the failed.
enum OutboxCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "state", "limit"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.outbox)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        switch args.positional[0] {
        case "list":
            var states: Set<OutboxState> = []
            if let s = args.options["state"] {
                guard let state = OutboxState(rawValue: s) else {
                    throw Arguments.UsageError(description: "unknown state '\(s)' (pending, sending, sent, failed)")
                }
                states = [state]
            }
            let rows = try await c.store.outboxRecords(states: states, limit: Int(args.options["limit"] ?? "50") ?? 50)
            if rows.isEmpty { print("the outbox is empty") }
            for r in rows { print(line(r)) }
            return Exit.ok
        case "show":
            let r = try await record(args, c.store)
            guard let r else { return Exit.failure }
            print(line(r))
            print("created \(r.createdAt.formatted(.iso8601)), updated \(r.updatedAt.formatted(.iso8601))")
            if let reason = r.error { print("last error: \(reason)") }
            if let plan = r.plan {
                for (i, chunk) in plan.chunks.enumerated() {
                    let state =
                        plan.unknown.contains(i)
                        ? "unknown" : i < plan.sent ? "sent \(plan.platformIDs.indices.contains(i) ? plan.platformIDs[i] : "")" : "not sent"
                    print("chunk \(i + 1)/\(plan.chunks.count) [\(state)] \(chunk.plain.prefix(60).replacingOccurrences(of: "\n", with: " "))")
                }
            }
            print("\n\(r.message.text)")
            return Exit.ok
        case "retry":
            guard let r = try await record(args, c.store) else { return Exit.failure }
            guard try await c.store.retryOutbox(r.id) else {
                Herald.fail("outbox \(r.id) is \(r.state.rawValue), not failed: nothing to retry")
                return Exit.failure
            }
            print("outbox \(r.id) will be sent again\(r.plan.map { " from chunk \($0.sent + 1)" } ?? "")")
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "unknown outbox command '\(args.positional[0])'")
        }
    }

    private static func record(_ args: Arguments, _ store: SQLStore) async throws -> OutboxRecord? {
        guard args.positional.count == 2, let id = Int64(args.positional[1]) else {
            throw Arguments.UsageError(description: "outbox \(args.positional[0]) needs a numeric ID")
        }
        guard let r = try await store.outboxRecord(id) else {
            Herald.fail("no outbox row \(id)")
            return nil
        }
        return r
    }

    static func line(_ r: OutboxRecord) -> String {
        let chunks = r.plan.map { " \($0.sent)/\($0.chunks.count) chunks" } ?? ""
        let kind = r.message.isNotice ? " notice" : ""
        let why = r.error.map { " — \($0)" } ?? ""
        return "\(r.id)  \(r.state.rawValue)\(kind)  \(r.attempts) attempts\(chunks)  \(r.message.conversation)\(why)"
    }

    /// The doctor's line: warns when replies failed for good.
    static func countsLine(_ counts: [OutboxState: Int]) -> String {
        let failed = counts[.failed] ?? 0
        let text = OutboxState.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        return failed > 0 ? "warn  outbox: \(text) (herald outbox list --state failed)" : "ok    outbox: \(text)"
    }
}
