import Foundation

/// Collects results as Markdown lines for BENCHMARKS.md.
struct Report {
    var lines: [String] = []

    mutating func latency(direct: [Double], pipeline: [Double]) {
        let d50 = percentile(direct, 0.5), d99 = percentile(direct, 0.99)
        let p50 = percentile(pipeline, 0.5), p99 = percentile(pipeline, 0.99)
        lines += [
            "### Added latency per message (\(pipeline.count) sequential messages, each in a new conversation)",
            "",
            "| path | p50 ms | p99 ms |",
            "|---|---|---|",
            "| stub called directly (OpenAIBackend) | \(f(d50)) | \(f(d99)) |",
            "| full durable pipeline (commit → lane → agent → outbox → delivery) | \(f(p50)) | \(f(p99)) |",
            "| **added by the pipeline** | **\(f(p50 - d50))** | **\(f(p99 - d99))** |",
            "",
        ]
    }

    private var throughputHeader = false

    mutating func throughput(conversations: Int, messages: Int, rate: Double, durable: Bool) {
        if !throughputHeader {
            throughputHeader = true
            lines += [
                "### Throughput (each conversation waits for its reply before sending the next)", "",
                "| conversations | messages | store | messages/s |", "|---|---|---|---|",
            ]
        }
        lines.append("| \(conversations) | \(messages) | \(durable ? "synchronous=FULL" : "WAL, synchronous=NORMAL") | \(Int(rate)) |")
    }

    mutating func memory(_ steps: [(sessions: Int, rss: Int)]) {
        lines += ["", "### Resident memory with idle sessions", "", "| sessions | RSS MiB |", "|---|---|"]
        for s in steps { lines.append("| \(s.sessions) | \(f(Double(s.rss) / 1_048_576)) |") }
        if steps.count >= 3 {
            let a = steps[1], b = steps[steps.count - 1]
            let slope = Double(b.rss - a.rss) / Double(max(1, b.sessions - a.sessions))
            lines += ["", "Slope between \(a.sessions) and \(b.sessions) sessions: **\(f(slope / 1024)) KB per idle session**."]
        }
        lines.append("")
    }

    mutating func coldStart(_ runs: [Double]) {
        lines += [
            "### Cold start to ready (\(runs.count) runs)", "",
            "`herald chat` exec on a fresh state directory (config parsed, store created and migrated, gateway up) until its answer to `/help` is on stdout:",
            "p50 **\(f(percentile(runs, 0.5))) ms**, max \(f(runs.max() ?? 0)) ms.", "",
        ]
    }

    var text: String { lines.joined(separator: "\n") }

    func write(_ path: String) throws {
        var host = utsname()
        uname(&host)
        let machine = withUnsafeBytes(of: &host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let header = """
            # Herald benchmarks

            Measured by `HeraldBench` (release build) against a stub OpenAI-compatible server on loopback
            (one-piece streamed reply), through the full durable pipeline on a SQLite store.
            Reproduce with `make bench` (= `swift build -c release && .build/release/HeraldBench --markdown BENCHMARKS.md`).

            Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(machine), \(ProcessInfo.processInfo.operatingSystemVersionString).
            Date: \(Date().formatted(.iso8601)).

            Aims on a 2-core machine: p99 added latency under 2 ms; at least 1,000 messages/s with durable
            writes; under 20 KB per idle session; start under 150 ms.

            How to read them:
            - Every message is committed to the inbox, processed in its lane, committed with its reply to the
              outbox and session, delivered, and marked sent: four SQLite transactions per message.
            - "WAL, synchronous=NORMAL" (the default) survives any crash of Herald; "synchronous=FULL"
              (`durable_writes = true`) also survives power loss and costs an fsync per commit.
            - With one conversation every message waits for the previous reply, and the session's history
              grows, so that row measures round trips, not capacity.
            - Idle sessions live only in SQLite; the slope is the store's page cache, not per-session state.
              (This measurement found a leak: finished lane tasks were kept by their task group until the
              gateway stopped, 16 KB each; lanes now run in a discarding task group.)
            - WAL checkpoints run on their own connection and thread; when SQLite checkpointed inside a
              commit, the fsync landed on a turn and the p99 added latency was about 4 ms.


            """
        // Keep sections other runs wrote (the context-day measurement needs a llama.cpp server).
        let old = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let kept = old.range(of: "<!-- BEGIN ").map { String(old[$0.lowerBound...]) } ?? ""
        try Data((header + text + "\n" + (kept.isEmpty ? "" : "\n" + kept)).utf8).write(to: URL(fileURLWithPath: path))
    }

    private func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Replaces (or appends) the section between `<!-- BEGIN name -->` and `<!-- END name -->`.
    static func replaceSection(_ name: String, with body: String, in path: String) throws {
        let begin = "<!-- BEGIN \(name) -->", end = "<!-- END \(name) -->"
        var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let block = "\(begin)\n\(body)\n\(end)"
        if let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) {
            text.replaceSubrange(b.lowerBound..<e.upperBound, with: block)
        } else {
            text += (text.hasSuffix("\n") ? "\n" : "\n\n") + block + "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func cluster(_ results: [(String, Double)], conversations: Int, messages: Int) -> String {
        let sqlite = results.first?.1 ?? 1
        let rows = results.map { name, rate in "| \(name) | \(String(format: "%.0f", rate)) | \(String(format: "%.2fx", rate / sqlite)) |" }
        return """
            ## Several nodes (`make bench-cluster`)

            Messages per second through the whole pipeline (intake commit, lane, turn, reply
            committed with the turn, delivery) against the stub model, \(conversations) conversations
            talking at once, each waiting for its reply before its next message, \(messages) messages;
            the median of three runs. The nodes are Gateways in one process, each with its own
            connection and owner, on one PostgreSQL 15 (Debian's, fsync off, on loopback); one of
            them runs the adapter and delivers, all of them work lanes. On this 2-core machine the
            nodes, PostgreSQL and the stub share the same two cores, so added nodes add coordination
            but no CPU: the figure shows the cost of the shared store and leases, not how far Herald
            scales across machines.

            | store | messages/s | vs SQLite |
            |---|---|---|
            \(rows.joined(separator: "\n"))
            """
    }

    static func delivery(calm: [Double], throttled: [Double], crashes: [(onTheWire: Int, duplicates: Int, lost: Int)]) -> String {
        func ms(_ v: Double) -> String { String(format: "%.0f ms", v) }
        let ratio = percentile(throttled, 0.99) / max(1, percentile(calm, 0.99))
        let crashRows = crashes.enumerated().map { i, c in "| \(i + 1) | \(c.onTheWire) | \(c.duplicates) | \(c.lost) |" }
        return """
            ## Delivery (`make bench-delivery`)

            The release `herald run` against the Telegram fake on loopback (stub model). Latency is
            from a fast chat's message being queued at the fake to the fake accepting its reply, 100 fast
            chats a round; Telegram's own pace (about 30 messages a second bot-wide, one a second per
            chat) is kept, so the last reply of a round of 100 waits about 3 s whatever else happens.

            | run | replies | p50 | p99 |
            |---|---|---|---|
            | nothing throttled | \(calm.count) | \(ms(percentile(calm, 0.5))) | \(ms(percentile(calm, 0.99))) |
            | 5 other chats answered 429 (retry_after 5 s) on every reply | \(throttled.count) | \(ms(percentile(throttled, 0.5))) | \(ms(percentile(throttled, 0.99))) |

            Fast chats' p99 with 5 throttled chats beside them: **\(String(format: "%.2f", ratio))x** the calm run's (aim: at most 2x).

            Duplicates per crash: 50 chats with replies due, each send taking 50 ms; SIGKILL once a
            fifth of the replies went, then a restart. "On the wire" is what the restart logs as sent
            but unacknowledged (the only sends that can show twice on Telegram, which has no
            idempotency key); the in-flight window is bounded by the adapter's `maxInFlight` (10).

            | crash | on the wire at the kill | duplicates seen | replies lost |
            |---|---|---|---|
            \(crashRows.joined(separator: "\n"))
            """
    }

    static func contextDay(_ results: [ContextDay.Result], budgets: [Int]) -> String {
        func pct(_ x: Int, _ y: Int) -> String { y == 0 ? "-" : String(format: "%.1f%%", Double(x) * 100 / Double(y)) }
        func row(_ r: ContextDay.Result) -> String {
            "| \(r.name) | \(r.turns) | \(r.calls) | \(r.prefixTokens) | \(r.prompt) | \(r.prompt / max(1, r.turns)) | \(pct(r.cached, r.prompt)) | \(pct(r.cachedAfterFirst, r.promptAfterFirst)) | \(r.summaries) | \(String(format: "%.0f", r.seconds)) |"
        }
        let a = results[0]
        let verdicts = results.dropFirst().map { b in
            "- \(b.name): **\(pct(b.prompt, a.prompt))** of (a)'s prompt tokens (aim: at most 25%); "
                + "**\(pct(b.cachedAfterFirst, b.promptAfterFirst))** of its prompt tokens from the second call of each session on came from the cache (aim: at least 90%)."
        }
        let lean = results.count > 1 ? results[1] : a
        let smallest: (budget: Int, result: ContextDay.Result) = zip(budgets, results.dropFirst()).min { $0.0 < $1.0 } ?? (0, a)
        func parts(_ r: ContextDay.Result) -> String { r.prefixParts.map { "\($0.name) \($0.tokens)" }.joined(separator: ", ") }
        let leanShare = pct(lean.prefixTokens * lean.turns, lean.prompt)
        return """
            ### Lean isolated sessions against one monolithic thread (\(Date().formatted(.iso8601)))

            A scripted day: three workstreams (harbour renovation, a novel, a garden) interleaved, \(a.turns) turns,
            sent (a) into one conversation whose profile has every shipped skill and tool set on, and (b) into
            three conversations bound to lean profiles (one skill, the memory tool set). Same persona, same
            model: SmolLM2-135M-Instruct on llama.cpp (xllamacpp, 2 threads, 3 slots of 8,192 tokens), 48-token
            replies, temperature 0, with a ChatML template that renders tools the Hermes way
            (`Tests/Peers/chatml-tools.jinja`): SmolLM2's own template has no tools, and llama.cpp then drops
            them from the prompt, which would hide what a monolith's schemas cost. Tokens are the server's own
            counts (its tokenizer); cached tokens are what llama.cpp reused from the slot's prompt cache.
            Summary calls count as model calls and their tokens are included. "Fixed prefix" is one request's
            system prompt plus what its tools add as the template renders them (/apply-template with and
            without the tools, counted by /tokenize).
            Reproduce: `make bench-context` (starts the server, runs
            `.build/release/HeraldBench --context-day http://127.0.0.1:18085 --markdown BENCHMARKS.md`).

            | run | turns | model calls | fixed prefix tokens | prompt tokens | per turn | cached | cached from 2nd call of each session | sessions summarised | seconds |
            |---|---|---|---|---|---|---|---|---|---|
            \(results.map(row).joined(separator: "\n"))

            \(verdicts.joined(separator: "\n"))

            Fixed prefix part by part, as `/context` shows it: (a) \(parts(a)); (b) \(parts(lean)).

            How to read it: three workstreams of equal length split the history exactly three ways, so by
            history alone the lean sessions carry a third of the monolith's tokens (3 x 190 of 1,770
            turn-histories: 32%). The fixed part of a request (persona, skill lines, tool schemas) shrinks
            from \(a.prefixTokens) to \(lean.prefixTokens) tokens, \(leanShare) of an average lean request, and moves the ratio towards
            a third from above. Below a third only the history budget helps, and each compaction costs a
            summary request and puts a summary (up to 120 words) into every later prompt of the session:
            the smallest budget here, \(smallest.budget) tokens (the newest one or two exchanges verbatim), comes to
            \(pct(smallest.result.prompt, a.prompt)). On this day a quarter is out of reach without giving up the history
            a workstream session is for; on longer days the monolith grows with the square of the turns (until
            its window is full and it compacts too) and a budgeted session linearly. Compaction is shaped for the cache (the summary request is the
            session's own prompt plus one instruction, and the summary stays out of the system prompt): a
            compaction costs the cache the summary and the turns kept after it, not the whole prompt.
            """
    }

    static func library(count: Int, fill: Double, latencies: [Double], delegation: [(slots: Int, cap: Int, seconds: Double)]) -> String {
        let sorted = latencies.sorted()
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        var lines = [
            "### Artifacts library and sub-agents (\(Date().formatted(.iso8601)))", "",
            "Search: \(count) synthetic artifacts (60-word texts from a skewed 5,000-word vocabulary, title, tags, summary) filed one by one through the store",
            "(\(String(format: "%.0f", fill)) s, \(String(format: "%.0f", Double(count) / fill)) artifacts/s), then \(latencies.count) two-word `/find` queries",
            "(FTS5 prefix match, top 10, one owner): p50 **\(String(format: "%.2f", pct(0.5))) ms**, p99 **\(String(format: "%.2f", pct(0.99))) ms**.",
        ]
        if !delegation.isEmpty {
            lines += [
                "", "Delegation: four helpers (up to 128-token answers) on the tiny model, llama.cpp with 2 threads, median of 7 runs:", "",
                "| llama.cpp slots | helpers at once | wall time s |", "|---|---|---|",
            ]
            for d in delegation { lines.append("| \(d.slots) | \(d.cap) | \(String(format: "%.2f", d.seconds)) |") }
        }
        lines += ["", "Reproduce: `make bench-library`."]
        return lines.joined(separator: "\n")
    }
}
