import Foundation
import HeraldIRC
import HeraldPeers
import Testing

/// SASL and account tags against InspIRCd with Atheme services.
@Suite(.serialized, .enabled(if: SASLNetwork.enabled, "needs inspircd and atheme-services: run `make test`"))
struct IRCSASLTests {
    func config(_ dir: TempDir, net: SASLNetwork, model: StubOpenAIServer, allowed: [String] = ["alice"]) throws -> String {
        TestConfig.write(
            in: dir, modelURL: model.baseURL,
            extra: """
                [adapters.irc]
                account = "net"
                host = "127.0.0.1"
                port = \(net.port)
                tls = false
                nick = "herald"
                channels = ["#team"]
                sasl_user = "heraldbot"
                sasl_password_env = "HERALD_TEST_SASL"
                sasl_required = true
                require_account = true
                allowed_accounts = [\(allowed.map { "\"\($0)\"" }.joined(separator: ", "))]
                send_rate = 20
                """)
    }

    @Test func saslLogsInAndTheAccountTagDecidesWhoMayTalk() async throws {
        let net = try SASLNetwork()
        let model = try StubOpenAIServer()
        defer { model.stop(); net.stop() }
        let dir = TempDir()
        let bot = try await net.register("heraldbot", password: "b0tpass")
        bot.quit()
        let alice = try await net.register("alice", password: "al1cepass")
        try await alice.send("JOIN #team")
        let mallory = try await IRCTestClient(nick: "mallory", port: net.port, join: ["#team"])
        let p = try HeraldProcess(
            ["run", "--config", try config(dir, net: net, model: model)], environment: ["HERALD_TEST_SASL": "b0tpass"])
        defer { kill(p.process.processIdentifier, SIGTERM) }
        try await alice.waitFor("herald to join") { $0.contains { $0.command == "JOIN" && $0.nick == "herald" } }
        try await p.waitFor("the SASL login in the log") { _, err in
            err.contains { $0.contains("registered") && $0.contains("account=heraldbot") }
        }
        try await alice.say("herald: hello from alice", to: "#team")
        try await alice.waitFor("the answer to alice") {
            IRCTestClient.messages(in: $0, from: "herald").contains { $0.params[1] == "echo: alice: hello from alice" }
        }
        try await mallory.say("herald: hello from mallory", to: "#team")
        try await p.waitFor("mallory held back") { _, err in err.contains { $0.contains("message from an unknown sender held back") } }
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
        #expect(
            !model.requests.contains { $0.contains { $0.content.contains("mallory") } },
            "a nick without the account never reaches the model")
        // No account where one is required: not even a pairing code (anyone could take the nick).
        #expect(!mallory.lines.contains { $0.nick == "herald" && $0.params.first == "mallory" }, "nothing to mallory")
        #expect(!p.stderr.joined().contains("b0tpass"), "the password is never logged")
    }

    @Test func aWrongPasswordWithSaslRequiredAbortsTheConnection() async throws {
        let net = try SASLNetwork()
        let model = try StubOpenAIServer()
        defer { model.stop(); net.stop() }
        let dir = TempDir()
        let bot = try await net.register("heraldbot", password: "b0tpass")
        bot.quit()
        let watcher = try await IRCTestClient(nick: "watcher", port: net.port, join: ["#team"])
        let p = try HeraldProcess(
            ["run", "--config", try config(dir, net: net, model: model)], environment: ["HERALD_TEST_SASL": "wrong-password"])
        try await p.waitFor("the SASL failure") { _, err in err.contains { $0.contains("SASL authentication failed") } }
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
        #expect(
            !watcher.lines.contains { $0.command == "JOIN" && $0.nick?.hasPrefix("herald") == true },
            "never went on unauthenticated")
        #expect(!p.stderr.joined().contains("wrong-password"))
    }

    @Test func whoeverTakesANickNextNeverSeesTheAccountOwnersPrivateHistory() async throws {
        let net = try SASLNetwork()
        let model = try StubOpenAIServer()
        defer { model.stop(); net.stop() }
        let dir = TempDir()
        let bot = try await net.register("heraldbot", password: "b0tpass")
        bot.quit()
        let watcher = try await IRCTestClient(nick: "watcher", port: net.port, join: ["#team"])
        let p = try HeraldProcess(
            ["run", "--config", try config(dir, net: net, model: model, allowed: ["alice", "bob"])],
            environment: ["HERALD_TEST_SASL": "b0tpass"])
        defer { kill(p.process.processIdentifier, SIGTERM) }
        try await watcher.waitFor("herald to join") { $0.contains { $0.command == "JOIN" && $0.nick == "herald" } }
        let alice = try await net.register("alice", password: "al1cepass")
        try await alice.send("JOIN #team")
        try await alice.say("remember the code word heron-7", to: "herald")
        try await alice.waitFor("alice's answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        alice.quit()
        try await watcher.waitFor("the nick released") { $0.contains { $0.command == "QUIT" && $0.nick == "alice" } }
        let bob = try await net.register("bob", password: "b0bpass")
        try await bob.send("NICK alice")
        try await bob.waitFor("the nick taken") { $0.contains { $0.command == "NICK" && $0.params.first == "alice" } }
        try await bob.say("what was the code word?", to: "herald")
        try await bob.waitFor("bob's answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
        let asked = try #require(model.requests.last { $0.last?.content == "what was the code word?" })
        #expect(!asked.map(\.content).joined().contains("heron-7"), "bob (account bob) holds none of alice's conversation")
    }
}
