import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore

/// The measurements. Each builds what it measures from scratch in a temporary directory.
enum Measure {
    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "herald-bench-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    static func backend(_ model: StubOpenAIServer) -> OpenAIBackend {
        OpenAIBackend(config: ModelConfig(name: "stub", url: model.baseURL, maxTokens: 16, maxConcurrent: 32))
    }

    /// A gateway on a fresh store with the bench adapter.
    static func gateway(_ model: StubOpenAIServer, durable: Bool = false) throws -> (Gateway, BenchAdapter, Task<Void, any Error>, String) {
        let dir = tempDir()
        let store = try SQLStore(path: dir + "/herald.sqlite", durable: durable)
        let adapter = BenchAdapter()
        let profile = Profile(config: ProfileConfig(name: "default", models: ["stub"], historyTokens: 256), soul: "You are a benchmark.")
        let gateway = Gateway(
            store: store, adapters: [adapter], agent: Agent(backends: ["stub": backend(model)]), profiles: ["default": profile],
            router: Router(bindings: [], defaultProfile: "default"), access: AccessControl(store: store, config: AccessConfig()))
        let task = Task { try await gateway.run() }
        return (gateway, adapter, task, dir)
    }

    static func finish(_ g: (Gateway, BenchAdapter, Task<Void, any Error>, String)) async {
        g.0.stop(.inFlight)
        _ = await g.2.result
        try? FileManager.default.removeItem(atPath: g.3)
    }

    /// Milliseconds of each sequential call straight to the stub through OpenAIBackend.
    static func directLatency(model: StubOpenAIServer, count: Int) async throws -> [Double] {
        let b = backend(model)
        var out: [Double] = []
        for i in 0..<(count + 50) {
            let request = ModelRequest(
                messages: [SessionMessage(role: .system, content: "You are a benchmark."), SessionMessage(role: .user, content: "m\(i)")],
                sessionID: "s\(i)")
            let t = ContinuousClock.now
            _ = try await b.complete(request) { _ in }
            if i >= 50 { out.append((ContinuousClock.now - t).ms) }
        }
        return out
    }

    /// Milliseconds from an adapter's commit to the delivery of the reply, one message at a time,
    /// each in a new conversation (so history does not grow the prompt).
    static func pipelineLatency(model: StubOpenAIServer, count: Int) async throws -> [Double] {
        let g = try gateway(model)
        var out: [Double] = []
        for i in 0..<(count + 50) {
            let t = ContinuousClock.now
            try await g.1.roundTrip("m\(i)", chat: "lat\(i)")
            if i >= 50 { out.append((ContinuousClock.now - t).ms) }
        }
        await finish(g)
        return out
    }

    /// Messages per second with `conversations` talking at once, each waiting for its reply
    /// before sending the next.
    static func throughput(model: StubOpenAIServer, conversations: Int, messages: Int, durable: Bool) async throws -> Double {
        let g = try gateway(model, durable: durable)
        let each = max(1, messages / conversations)
        // Warm up the connections and the lanes.
        try await g.1.roundTrip("warm", chat: "warm")
        let t = ContinuousClock.now
        let adapter = g.1
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<conversations {
                group.addTask {
                    for i in 0..<each { try await adapter.roundTrip("c\(c)m\(i)", chat: "t\(c)") }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - t).ms / 1000
        await finish(g)
        return Double(each * conversations) / seconds
    }

    /// Resident memory after `steps` sessions exist (each had one turn and is now idle).
    static func idleSessionMemory(model: StubOpenAIServer, steps: [Int]) async throws -> [(sessions: Int, rss: Int)] {
        let g = try gateway(model)
        var made = 0
        var out: [(Int, Int)] = []
        for target in steps {
            while made < target {
                let batch = min(100, target - made)
                let base = made
                let adapter = g.1
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<batch { group.addTask { try await adapter.roundTrip("s\(base + i)", chat: "idle\(base + i)") } }
                    try await group.waitForAll()
                }
                made += batch
            }
            out.append((target, residentBytes()))
        }
        await finish(g)
        return out
    }

    static func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = s.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func heraldBinary() -> String? {
        let dir = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        let p = dir + "/herald"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// Milliseconds from exec of `herald chat` on a fresh state directory to its answer to /help:
    /// config parsed, store created and migrated, gateway running, a full turn through the pipeline.
    static func coldStart(herald: String, model: StubOpenAIServer, runs: Int) async throws -> [Double] {
        var out: [Double] = []
        for _ in 0..<runs {
            let dir = tempDir()
            let config = dir + "/herald.toml"
            try Data("state_dir = \"\(dir)/state\"\nlog_level = \"error\"\n[models.local]\nurl = \"\(model.baseURL)\"\n".utf8)
                .write(to: URL(fileURLWithPath: config))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: herald)
            p.arguments = ["chat", "--config", config, "--no-stream"]
            let input = Pipe(), output = Pipe()
            p.standardInput = input
            p.standardOutput = output
            let t = ContinuousClock.now
            try p.run()
            input.fileHandleForWriting.write(Data("/help\n".utf8))
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("Commands:") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            out.append((ContinuousClock.now - t).ms)
            try? input.fileHandleForWriting.close()
            p.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
        return out
    }
}

extension Duration {
    var ms: Double {
        let (s, a) = components
        return Double(s) * 1000 + Double(a) / 1e15
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}
