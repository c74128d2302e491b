import Foundation
import HeraldPeers
import HeraldStore

/// Several `herald run` nodes on one PostgreSQL schema, with the fake Bot API server (one bot,
/// private chats), ngircd (one IRC connection, channels) and the echo model.
final class ClusterHarness: Sendable {
    static let token = "7012345678:AAH-test-SECRET-token-value"
    let telegram: FakeTelegramServer
    let irc: IRCServer
    let model: StubOpenAIServer
    let dir = TempDir()
    let schema = Peers.freshSchema()
    let url: String
    let users: [Int64]
    let channels: [String]
    let lease: Double

    init(users: [Int64], channels: [String], lease: Double = 3) throws {
        telegram = try FakeTelegramServer(token: Self.token)
        irc = try IRCServer()
        // The echo model, answering the person's words: a turn a kill cut short runs again
        // with Herald's note in front, which a real model reads and does not repeat.
        model = try StubOpenAIServer { messages in
            var said = messages.last { $0.role == "user" }?.content ?? ""
            if said.hasPrefix("[Herald: "), let end = said.range(of: "]\n\n") { said = String(said[end.upperBound...]) }
            return .text("echo: " + said)
        }
        let base = try Peers.requirePostgres()
        url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        self.users = users
        self.channels = channels
        self.lease = lease
        // Created and migrated once here, so the nodes start on a ready schema.
        _ = try SQLStore(postgres: base, password: nil, schema: schema)
    }

    /// The config of node `name`: its own state directory, the shared store.
    func config(_ name: String) throws -> String {
        let path = dir.file("\(name).toml")
        try """
        state_dir = "\(dir.file(name))"
        profiles_dir = "\(TestConfig.repoConfig)/profiles"
        log_level = "info"
        store = "\(url)"

        [node]
        name = "\(name)"
        lease_seconds = \(lease)

        [models.local]
        url = "\(model.baseURL)"
        max_tokens = 24
        timeout_seconds = 60

        [profiles.default]
        model = "local"
        history_tokens = 1500

        [adapters.telegram]
        account = "main"
        token_env = "HERALD_TEST_TG_TOKEN"
        api_base = "\(telegram.baseURL)"
        allowed_users = [\(users.map(String.init).joined(separator: ", "))]
        poll_timeout_seconds = 2

        [adapters.irc]
        account = "test"
        host = "127.0.0.1"
        port = \(irc.port)
        tls = false
        nick = "herald"
        channels = [\(channels.map { "\"\($0)\"" }.joined(separator: ", "))]
        require_account = false
        allowed_nicks = ["alice"]
        send_rate = 200
        send_burst = 50
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func start(_ name: String) throws -> HeraldProcess {
        try HeraldProcess(["run", "--config", try config(name)], environment: ["HERALD_TEST_TG_TOKEN": Self.token])
    }

    /// A connection of the test's own to the nodes' store.
    func store() throws -> SQLStore { try SQLStore(postgres: url, password: nil, node: "test") }

    func shutdown() {
        telegram.stop()
        model.stop()
        irc.stop()
    }
}

extension HeraldProcess {
    /// The node runs `adapter` ("telegram/main", "irc/test"): it said so in its log.
    func runs(_ adapter: String) -> Bool {
        stderr.contains { $0.contains("this node runs the adapter") && $0.contains(adapter) }
    }
}
