import Foundation
import HeraldPeers

/// A fake Bot API server, a stub model and a config for `herald run` with one Telegram bot.
struct TelegramHarness {
    static let token = "7012345678:AAH-test-SECRET-token-value"
    let telegram: FakeTelegramServer
    let model: StubOpenAIServer
    let dir = TempDir()
    let config: String

    init(
        allowed: [Int64] = [111], groups: String = "mention", extra: String = "",
        script: @escaping StubOpenAIServer.Script = StubOpenAIServer.echo
    ) throws {
        telegram = try FakeTelegramServer(token: Self.token)
        model = try StubOpenAIServer(script: script)
        config = TestConfig.write(
            in: dir, modelURL: model.baseURL,
            extra: """
                [adapters.telegram]
                account = "main"
                token_env = "HERALD_TEST_TG_TOKEN"
                api_base = "\(telegram.baseURL)"
                allowed_users = [\(allowed.map(String.init).joined(separator: ", "))]
                groups = "\(groups)"
                poll_timeout_seconds = 5

                \(extra)
                """)
    }

    /// Starts `herald run` and waits until it polls.
    func start(fault: String? = nil) async throws -> HeraldProcess {
        let polls = telegram.calls.filter { $0.method == "getUpdates" }.count
        var env = ["HERALD_TEST_TG_TOKEN": Self.token]
        if let fault { env["HERALD_FAULT_POINT"] = fault }
        let p = try HeraldProcess(["run", "--config", config], environment: env)
        try await withDeadline(30, "herald to poll getUpdates; stderr: \(p.stderr.suffix(5))") { [telegram] in
            await telegram.waitFor { $0.filter { $0.method == "getUpdates" }.count > polls }
        }
        return p
    }

    func stop(_ p: HeraldProcess) async throws {
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
    }

    /// Waits until `n` messages were accepted (sendMessage calls that did not fail).
    func waitForSent(_ what: String, _ predicate: @escaping @Sendable ([FakeTelegramServer.Call]) -> Bool) async throws {
        try await withDeadline(30, what) { [telegram] in
            await telegram.waitFor { predicate($0.filter { $0.method == "sendMessage" }) }
        }
    }

    func shutdown() {
        telegram.stop()
        model.stop()
    }
}
