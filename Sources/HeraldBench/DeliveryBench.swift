import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore

/// Delivery measured through the release `herald run` process and the Telegram fake: how fast
/// replies reach unthrottled chats while others are under flood control, and how many
/// duplicates one SIGKILL causes with many sends in flight.
enum DeliveryBench {
    static let token = "7012345678:AAH-bench-token"

    struct Herald {
        let process: Process
        let log: String
    }

    private static func config(dir: String, fake: FakeTelegramServer, model: StubOpenAIServer, users: ClosedRange<Int64>) throws -> String {
        let path = dir + "/herald.toml"
        try """
            state_dir = "\(dir)/state"
            log_level = "info"
            [models.local]
            url = "\(model.baseURL)"
            max_tokens = 16
            max_concurrent = 64
            [adapters.telegram]
            account = "bench"
            token_env = "HERALD_BENCH_TG_TOKEN"
            api_base = "\(fake.baseURL)"
            allowed_users = [\(users.map(String.init).joined(separator: ", "))]
            poll_timeout_seconds = 5
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func start(_ herald: String, config: String, log: String, fake: FakeTelegramServer) async throws -> Herald {
        let polls = fake.calls.filter { $0.method == "getUpdates" }.count
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: herald)
        p.arguments = ["run", "--config", config]
        p.environment = ProcessInfo.processInfo.environment.merging(["HERALD_BENCH_TG_TOKEN": token]) { _, b in b }
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        await fake.waitFor { $0.filter { $0.method == "getUpdates" }.count > polls }
        return Herald(process: p, log: log)
    }

    private static func stop(_ h: Herald, signal: Int32 = SIGTERM) {
        kill(h.process.processIdentifier, signal)
        h.process.waitUntilExit()
    }

    private static func accepted(_ calls: [FakeTelegramServer.Call]) -> [FakeTelegramServer.Call] {
        calls.filter { $0.method == "sendMessage" && $0.params["_status"] == nil }
    }

    /// Milliseconds from each fast chat's message reaching the fake to its reply reaching the
    /// fake, over `rounds` rounds of one message per chat, while `throttled` other chats get a
    /// 429 (retry_after 5 s) on every reply.
    static func latency(herald: String, model: StubOpenAIServer, fast: Int, throttled: Int, rounds: Int) async throws -> [Double] {
        let dir = Measure.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fake = try FakeTelegramServer(token: token)
        defer { fake.stop() }
        let all = Int64(1)...Int64(fast + throttled)
        for c in all { fake.addChat(c) }
        let config = try config(dir: dir, fake: fake, model: model, users: all)
        let h = try await start(herald, config: config, log: dir + "/herald.log", fake: fake)
        defer { stop(h) }
        var out: [Double] = []
        for round in 1...rounds {
            for t in Int64(fast + 1)...Int64(max(fast + 1, fast + throttled)) where throttled > 0 {
                fake.floodNext("sendMessage", chat: t, retryAfter: 5)
                fake.inject(chat: t, from: t, text: "slow r\(round)")
            }
            var sentAt: [String: Date] = [:]
            for c in 1...fast {
                sentAt["\(c)"] = Date()
                fake.inject(chat: Int64(c), from: Int64(c), text: "r\(round)")
            }
            let want = "echo: r\(round)"
            await fake.waitFor { calls in accepted(calls).filter { $0.params["text"] == want }.count >= fast }
            for call in accepted(fake.calls) where call.params["text"] == want {
                if let chat = call.params["chat_id"], let t = sentAt[chat] { out.append(call.at.timeIntervalSince(t) * 1000) }
            }
        }
        return out
    }

    /// One SIGKILL while `conversations` replies are being sent (each send takes 50 ms), then a
    /// restart: sends the kill left on the wire (the restart logs each), duplicates the person
    /// sees, and replies lost.
    static func crash(herald: String, model: StubOpenAIServer, conversations: Int) async throws
        -> (onTheWire: Int, duplicates: Int, lost: Int)
    {
        let dir = Measure.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fake = try FakeTelegramServer(token: token)
        defer { fake.stop() }
        let all = Int64(1)...Int64(conversations)
        for c in all { fake.addChat(c) }
        fake.setSendLatency(0.05)
        let config = try config(dir: dir, fake: fake, model: model, users: all)
        let first = try await start(herald, config: config, log: dir + "/first.log", fake: fake)
        for c in all { fake.inject(chat: c, from: c, text: "question \(c)") }
        await fake.waitFor { accepted($0).count >= conversations / 5 }
        stop(first, signal: SIGKILL)
        let second = try await start(herald, config: config, log: dir + "/second.log", fake: fake)
        await fake.waitFor { calls in Set(accepted(calls).compactMap { $0.params["chat_id"] }).count >= conversations }
        stop(second)
        let log = (try? String(contentsOfFile: dir + "/second.log", encoding: .utf8)) ?? ""
        let onTheWire = log.components(separatedBy: "on the wire at a crash").count - 1
        let sends = accepted(fake.calls)
        let chats = Set(sends.compactMap { $0.params["chat_id"] })
        return (onTheWire, sends.count - chats.count, conversations - chats.count)
    }
}
