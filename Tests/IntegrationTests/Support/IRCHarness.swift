import Foundation
import HeraldPeers

/// ngircd, a stub model and `herald run` with an IRC adapter joined to two channels, each
/// bound to its own profile (souls HARBOUR and NOVEL).
struct IRCHarness {
    let server: IRCServer
    let model: StubOpenAIServer
    let dir = TempDir()
    let config: String

    init(
        serverPingTimeout: Int = 120, extra: String = "", allowed: String = #"allowed_nicks = ["alice"]"#,
        requireAccount: Bool = false, sendRate: Double = 20, sendBurst: Int = 5, channels: [String] = ["#harbour", "#novel"],
        bindings: String = "", script: @escaping StubOpenAIServer.Script = StubOpenAIServer.echo
    ) throws {
        server = try IRCServer(pingTimeout: serverPingTimeout)
        model = try StubOpenAIServer(script: script)
        for (name, soul) in [("harbour", "You are HARBOUR."), ("novel", "You are NOVEL.")] {
            try FileManager.default.createDirectory(atPath: dir.file("profiles/\(name)"), withIntermediateDirectories: true)
            try soul.write(toFile: dir.file("profiles/\(name)/SOUL.md"), atomically: true, encoding: .utf8)
        }
        let path = dir.file("herald.toml")
        try """
            state_dir = "\(dir.file("state"))"
            profiles_dir = "profiles"
            default_profile = "harbour"
            log_level = "info"

            [models.local]
            url = "\(model.baseURL)"
            max_tokens = 64

            [profiles.harbour]
            model = "local"
            [profiles.novel]
            model = "local"

            [[bindings]]
            platform = "irc"
            chat = "#harbour"
            profile = "harbour"
            [[bindings]]
            platform = "irc"
            chat = "#novel"
            profile = "novel"

            \(bindings)

            [adapters.irc]
            account = "test"
            host = "127.0.0.1"
            port = \(server.port)
            tls = false
            nick = "herald"
            channels = [\(channels.map { "\"\($0)\"" }.joined(separator: ", "))]
            require_account = \(requireAccount)
            \(allowed)
            send_rate = \(sendRate)
            send_burst = \(sendBurst)
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        config = path
    }

    /// Starts `herald run` and returns once `client` saw it join `channels` (ones it is in).
    func start(watch client: IRCTestClient, channels: Set<String> = ["#harbour"]) async throws -> HeraldProcess {
        // Only JOINs after this start count: a restarted herald must join again.
        let before = client.lines.count
        let p = try HeraldProcess(["run", "--config", config])
        try await client.waitFor("herald to join \(channels.sorted()); stderr: \(p.stderr.suffix(3))", seconds: 30) { lines in
            Set(lines.dropFirst(before).filter { $0.command == "JOIN" && $0.nick == "herald" }.compactMap(\.params.first)).isSuperset(of: channels)
        }
        return p
    }

    func stop(_ p: HeraldProcess) async throws {
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
    }

    func shutdown() {
        model.stop()
        server.stop()
    }
}
