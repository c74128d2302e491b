import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore

/// Measures the durable pipeline against a stub OpenAI-compatible server on loopback.
/// Release builds only: `make bench` (or `swift build -c release && .build/release/HeraldBench`).
@main
struct HeraldBench {
    static func main() async throws {
        var args = CommandLine.arguments.dropFirst()
        var markdown: String?
        var quick = false
        var contextDay: String?
        var library = false
        var delegation: [String] = []
        var budgets = [1500, 750, 250]
        var delivery = false
        var sandbox = false
        var cluster: String?
        while let a = args.popFirst() {
            switch a {
            case "--markdown": markdown = args.popFirst()
            case "--quick": quick = true
            case "--context-day": contextDay = args.popFirst()
            case "--library": library = true
            case "--delivery": delivery = true
            case "--sandbox": sandbox = true
            case "--cluster": cluster = args.popFirst()
            case "--delegation": delegation = (args.popFirst() ?? "").split(separator: ",").map(String.init)
            case "--budgets": budgets = (args.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
            default:
                print("usage: HeraldBench [--markdown FILE] [--quick] [--context-day LLAMA_URL [--budgets 1500,750,250]] [--library [--delegation URL_1SLOT,URL_4SLOTS]] [--delivery] [--sandbox] [--cluster POSTGRES_URL]")
                exit(64)
            }
        }
        #if DEBUG
            print("warning: this is a debug build; numbers are only meaningful from `swift build -c release`")
        #endif
        Logger.setLevel(.error)
        if library {
            let count = quick ? 10_000 : 100_000
            let (fill, latencies) = try await LibraryBench.search(count: count, queries: 1000)
            var delegationTimes: [(slots: Int, cap: Int, seconds: Double)] = []
            if delegation.count == 2 {
                for (url, slots) in [(delegation[0], 1), (delegation[1], 4)] {
                    _ = try await LibraryBench.delegation(llama: url, cap: slots)  // warm-up
                    var runs: [Double] = []
                    for _ in 0..<7 { runs.append(try await LibraryBench.delegation(llama: url, cap: slots)) }
                    delegationTimes.append((slots, slots, runs.sorted()[3]))
                }
            }
            let section = Report.library(count: count, fill: fill, latencies: latencies, delegation: delegationTimes)
            print(section)
            if let markdown { try Report.replaceSection("library", with: section, in: markdown) }
            return
        }
        if let cluster {
            let model = try StubOpenAIServer(record: false) { messages in .text("echo: " + (messages.last?.content ?? ""), pieces: 1) }
            defer { model.stop() }
            let results = try await ClusterBench.run(
                postgres: cluster, model: model, conversations: 50, messages: quick ? 500 : 2000, runs: quick ? 1 : 3)
            let section = Report.cluster(results, conversations: 50, messages: quick ? 500 : 2000)
            print(section)
            if let markdown { try Report.replaceSection("cluster", with: section, in: markdown) }
            return
        }
        if sandbox {
            let (direct, sandboxed) = try await SandboxBench.run(runs: quick ? 20 : 200)
            let section = Report.sandbox(direct: direct, sandboxed: sandboxed)
            print(section)
            if let markdown { try Report.replaceSection("sandbox", with: section, in: markdown) }
            return
        }
        if delivery {
            guard let herald = Measure.heraldBinary() else {
                print("--delivery needs the herald product built in release mode beside HeraldBench")
                exit(1)
            }
            let model = try StubOpenAIServer(record: false) { messages in .text("echo: " + (messages.last?.content ?? ""), pieces: 1) }
            defer { model.stop() }
            let rounds = quick ? 2 : 5
            let calm = try await DeliveryBench.latency(herald: herald, model: model, fast: 100, throttled: 0, rounds: rounds)
            let stormy = try await DeliveryBench.latency(herald: herald, model: model, fast: 100, throttled: 5, rounds: rounds)
            var crashes: [(onTheWire: Int, duplicates: Int, lost: Int)] = []
            for _ in 0..<(quick ? 2 : 5) { crashes.append(try await DeliveryBench.crash(herald: herald, model: model, conversations: 50)) }
            let section = Report.delivery(calm: calm, throttled: stormy, crashes: crashes)
            print(section)
            if let markdown { try Report.replaceSection("delivery", with: section, in: markdown) }
            return
        }
        if let llama = contextDay {
            let soul = (try? String(contentsOfFile: "config/profiles/default/SOUL.md", encoding: .utf8)) ?? Profile.fallbackSoul
            let results = try await ContextDay.run(
                llama: llama, skillsDirectory: "config/skills", soul: soul.trimmingCharacters(in: .whitespacesAndNewlines),
                turnsPerStream: quick ? 5 : 20, budgets: budgets)
            let section = Report.contextDay(results, budgets: budgets)
            print(section)
            if let markdown { try Report.replaceSection("context-day", with: section, in: markdown) }
            return
        }
        let model = try StubOpenAIServer(record: false) { messages in .text("echo: " + (messages.last?.content ?? ""), pieces: 1) }
        defer { model.stop() }
        var report = Report()

        let n = quick ? 300 : 2000
        let direct = try await Measure.directLatency(model: model, count: n)
        let pipeline = try await Measure.pipelineLatency(model: model, count: n)
        report.latency(direct: direct, pipeline: pipeline)

        for c in [1, 10, 100, 1000] {
            let total = quick ? max(c, 500) : max(2 * c, 4000)
            let rate = try await Measure.throughput(model: model, conversations: c, messages: total, durable: false)
            report.throughput(conversations: c, messages: total, rate: rate, durable: false)
        }
        let durable = try await Measure.throughput(model: model, conversations: 100, messages: quick ? 500 : 4000, durable: true)
        report.throughput(conversations: 100, messages: quick ? 500 : 4000, rate: durable, durable: true)

        let memory = try await Measure.idleSessionMemory(model: model, steps: quick ? [0, 1000, 5000] : [0, 1000, 10_000])
        report.memory(memory)

        if let herald = Measure.heraldBinary() {
            let starts = try await Measure.coldStart(herald: herald, model: model, runs: quick ? 5 : 20)
            report.coldStart(starts)
        } else {
            report.lines.append("cold start: skipped (build the herald product in release mode first)")
        }
        print(report.text)
        if let markdown { try report.write(markdown) }
    }
}
