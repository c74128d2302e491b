import Foundation
import HeraldIRC
import HeraldPeers
import Testing

/// The IRC adapter through the real `herald run` process against a real ngircd.
@Suite(.serialized, .enabled(if: IRCServer.enabled, "needs ngircd: run `make test`"))
struct IRCEndToEndTests {
    @Test func twoChannelsBoundToTwoProfilesAnswerEachFromItsOwnSession() async throws {
        let h = try IRCHarness()
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour", "#novel"])
        let p = try await h.start(watch: alice, channels: ["#harbour", "#novel"])
        try await alice.say("herald: how many crates?", to: "#harbour")
        try await alice.say("herald, who is Mara?", to: "#novel")
        try await alice.say("this line is not for the bot", to: "#novel")
        try await alice.say("\u{01}VERSION\u{01}", to: "herald")
        try await alice.say("a private word", to: "herald")
        try await alice.waitFor("three answers") { IRCTestClient.messages(in: $0, from: "herald").count >= 3 }
        try await h.stop(p)
        #expect(
            alice.messages(from: "herald", to: "alice").map { $0.params[1] } == ["echo: a private word"],
            "a query is its own session; CTCP VERSION is ignored")
        #expect(alice.messages(from: "herald", to: "#harbour").map { $0.params[1] } == ["echo: alice: how many crates?"], "a channel turn says who spoke")
        #expect(alice.messages(from: "herald", to: "#novel").map { $0.params[1] } == ["echo: alice: who is Mara?"])
        #expect(h.model.requests.count == 3, "unaddressed channel talk and CTCP never reach the model")
        for r in h.model.requests {
            let text = r.map(\.content).joined(separator: "\n")
            #expect(text.contains("HARBOUR") != text.contains("NOVEL"), "one soul per prompt")
            #expect(!(text.contains("crates") && text.contains("Mara")), "each conversation's own session")
            if text.contains("crates") { #expect(text.contains("HARBOUR")) }
            if text.contains("Mara") { #expect(text.contains("NOVEL")) }
        }
    }

    @Test func aReplyThatTriesToInjectACommandIsOneSanitisedMessage() async throws {
        let h = try IRCHarness { _ in .text("\r\nPRIVMSG NickServ :DROP") }
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let services = try await IRCTestClient(nick: "NickServ", port: h.server.port)
        let p = try await h.start(watch: alice)
        try await alice.say("herald: hi", to: "#harbour")
        try await alice.waitFor("the answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        try await alice.say("herald: again", to: "#harbour")
        try await alice.waitFor("the second answer") { IRCTestClient.messages(in: $0, from: "herald").count == 2 }
        try await h.stop(p)
        #expect(alice.messages(from: "herald").map { $0.params[1] } == ["PRIVMSG NickServ :DROP", "PRIVMSG NickServ :DROP"])
        #expect(services.messages(from: "herald").isEmpty, "nothing reached NickServ")
    }

    @Test func aLongMultibyteReplyIsCutIntoLinesThatFitAndRejoin() async throws {
        let unit = "Привет, мир! 🚀 Съешь же ещё этих мягких французских булок, да выпей чаю. "
        let reply = String(String(repeating: unit, count: 40).prefix(1800)).trimmingCharacters(in: .whitespaces)
        #expect(reply.utf8.count > 3000)
        let h = try IRCHarness { _ in .text(reply) }
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await alice.say("herald: a long one", to: "#harbour")
        // Cut at spaces, and servers strip a line's trailing space: the lines rejoin with one.
        try await alice.waitFor("the whole reply") {
            IRCTestClient.messages(in: $0, from: "herald").map { $0.params[1] }.joined(separator: " ") == reply
        }
        try await h.stop(p)
        let raw = alice.rawLines.filter {
            String(decoding: $0, as: UTF8.self).contains(" PRIVMSG #harbour :")
                && String(decoding: $0, as: UTF8.self).hasPrefix(":herald")
        }
        #expect(raw.count >= 7)
        #expect(raw.allSatisfy { $0.count + 2 <= 512 }, "every relayed line fits 512 bytes with CR LF")
        #expect(raw.allSatisfy { String(validating: $0, as: UTF8.self) != nil }, "no UTF-8 sequence is split")
    }

    @Test func aLongReplyBeingPacedInOneChannelDoesNotHoldAShortOneInAnother() async throws {
        let long = (1...40).map { "line \($0) of the long list" }.joined(separator: "\n")
        let h = try IRCHarness(sendRate: 2, sendBurst: 1) { messages in
            messages.last?.content.contains("long list") == true ? .text(long) : .text("the short answer")
        }
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour", "#novel"])
        let p = try await h.start(watch: alice, channels: ["#harbour", "#novel"])
        try await alice.say("herald: the long list please", to: "#harbour")
        try await alice.waitFor("the long reply under way") { IRCTestClient.messages(in: $0, from: "herald").count >= 3 }
        let before = alice.messages(from: "herald", to: "#harbour").count
        try await alice.say("herald: a quick one", to: "#novel")
        try await alice.waitFor("the short reply") { lines in
            IRCTestClient.messages(in: lines, from: "herald").contains { $0.params == ["#novel", "the short answer"] }
        }
        let heard = alice.messages(from: "herald")
        let short = try #require(heard.firstIndex { $0.params.first == "#novel" })
        let longLinesMeanwhile = heard[..<short].filter { $0.params.first == "#harbour" }.count - before
        try await h.stop(p)
        // The connection's pace (2 lines/s) is shared line by line: the short reply waits for a
        // line or two of the long one, not for the rest of it (37 lines, 18 s, before).
        #expect(longLinesMeanwhile <= 4, "\(longLinesMeanwhile) lines of the long reply went first")
        #expect(heard.filter { $0.params.first == "#harbour" }.count < 40, "the stop did not wait for the long reply")
    }

    @Test func fortyQueuedLinesArriveInOrderWithoutFlooding() async throws {
        let reply = (1...40).map { "line \($0) of the list" }.joined(separator: "\n")
        let h = try IRCHarness(serverPingTimeout: 2) { _ in .text(reply) }
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await alice.say("herald: list please", to: "#harbour")
        try await alice.waitFor("forty lines") { IRCTestClient.messages(in: $0, from: "herald").count >= 40 }
        // Quiet for longer than the server's ping timeout: it pings, herald answers, stays.
        try await alice.say("herald: still there?", to: "#harbour")
        try await alice.waitFor("the next answer") { IRCTestClient.messages(in: $0, from: "herald").count == 41 }
        #expect(!alice.lines.contains { $0.command == "QUIT" && $0.nick == "herald" }, "never flooded off")
        try await h.stop(p)
        #expect(alice.messages(from: "herald").prefix(40).map { $0.params[1] } == (1...40).map { "line \($0) of the list" })
        #expect(!p.stderr.contains { $0.contains("disconnected") })
    }

    @Test func aRestartedServerIsRejoinedAndAReplyQueuedMeanwhileArrivesOnce() async throws {
        let gate = StubOpenAIServer.Gate()
        let h = try IRCHarness { messages in
            messages.last?.content.hasSuffix("slow question") == true ? .gated(gate, "the slow answer") : StubOpenAIServer.echo(messages)
        }
        defer { gate.open(); h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await alice.say("herald: slow question", to: "#harbour")
        try await withDeadline(30, "the model to hold the request") { await gate.waitUntilHeld() }
        h.server.stop()
        gate.open()  // the reply is written to the outbox while the server is gone
        try h.server.start()
        let back = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        try await back.waitFor("the queued reply", seconds: 60) { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        try await back.say("herald: and now?", to: "#harbour")
        try await back.waitFor("a fresh answer") { IRCTestClient.messages(in: $0, from: "herald").count == 2 }
        try await h.stop(p)
        #expect(back.messages(from: "herald").map { $0.params[1] } == ["the slow answer", "echo: alice: and now?"], "delivered once")
        #expect(p.stderr.contains { $0.contains("disconnected; reconnecting") })
        _ = alice
    }

    @Test func eachDropAfterAHealthySessionReconnectsAtTheBaseDelay() async throws {
        let h = try IRCHarness()
        defer { h.shutdown() }
        var watcher = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: watcher)
        for _ in 1...4 {
            h.server.stop()
            try h.server.start()
            watcher = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
            try await watcher.waitFor("herald back in the channel", seconds: 60) { $0.contains { $0.command == "JOIN" && $0.nick == "herald" } }
        }
        try await h.stop(p)
        // Backoff(base: 2 s) with ±20% jitter: every drop after a session that had joined waits
        // about 2 s, never the doubled 4, 8, 16 s of a backoff that never resets.
        let delays = p.stderr.filter { $0.contains("disconnected; reconnecting") }.compactMap { line -> Double? in
            line.range(of: #"in=([0-9.]+) seconds"#, options: .regularExpression).map { Double(line[$0].dropFirst(3).dropLast(8)) ?? 99 }
        }
        #expect(delays.count == 4, "\(delays)")
        #expect(delays.allSatisfy { $0 <= 2.5 }, "\(delays)")
    }

    @Test func aReplyToAChannelHeraldHasNotJoinedWaitsInsteadOfBeingLost() async throws {
        let h = try IRCHarness(channels: ["#harbour", "#locked"])
        defer { h.shutdown() }
        // #locked is invite-only: Herald's JOIN is refused (473), so it is never in it.
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour", "#locked"])
        try await alice.send("MODE #locked +i")
        try await alice.waitFor("the mode set") { $0.contains { $0.command == "MODE" && $0.params.first == "#locked" } }
        let p = try await h.start(watch: alice)
        let add = try HeraldProcess([
            "cron", "add", "ping", "--schedule", "every 5s", "--prompt", "ping the locked channel", "--to", "irc/test/#locked",
            "--config", h.config,
        ])
        #expect(try await add.waitForExit() == 0)
        try await p.waitFor("the reply kept back", seconds: 60) { _, err in err.contains { $0.contains("not in #locked") } }
        try await h.stop(p)
        #expect(!alice.lines.contains { $0.nick == "herald" && $0.params.first == "#locked" && $0.command == "PRIVMSG" })
        let list = try HeraldProcess(["outbox", "list", "--config", h.config])
        _ = try await list.waitForExit()
        #expect(list.stdout.contains { $0.contains("pending") && $0.contains("#locked") }, "kept, not marked sent: \(list.stdout)")
    }

    @Test func aSilentDeadLinkIsDetectedWithinTheTimeout() async throws {
        let h = try IRCHarness(extra: "ping_interval_seconds = 1\nping_timeout_seconds = 2")
        defer { h.server.thaw(); h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        h.server.freeze()
        let frozeAt = Date()
        try await p.waitFor("the dead link", seconds: 15) { _, err in err.contains { $0.contains("the link is dead") } }
        #expect(Date().timeIntervalSince(frozeAt) < 6, "quiet 1 s + timeout 2 s, with margin")
        h.server.thaw()
        try await h.stop(p)
    }

    @Test func aNickWithoutAnAccountGetsNoPairingCodeAndNoModelWhereAccountsAreRequired() async throws {
        let h = try IRCHarness(allowed: #"allowed_accounts = ["alice"]"#, requireAccount: true)
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await alice.send("NOTICE #harbour :herald: are you there?")
        try await alice.send("NOTICE herald :hello")
        try await alice.say("herald: hello", to: "#harbour")
        try await alice.say("let me in", to: "herald")
        try await p.waitFor("both messages held back") { _, err in
            err.filter { $0.contains("message from an unknown sender held back") }.count >= 2
        }
        let pairs = try HeraldProcess(["pair", "list", "--config", h.config])
        _ = try await pairs.waitForExit()
        try await h.stop(p)
        #expect(alice.messages(from: "herald").isEmpty, "no pairing code, in the channel or privately: a nick alone is nobody")
        #expect(!pairs.stdout.joined().contains("alice"), "no pairing request to approve: \(pairs.stdout)")
        #expect(h.model.requests.isEmpty, "the nick alone (no account) never reaches the model")
    }

    @Test func aStrangersPairingCodeIsAPrivateNoticeNeverAChannelLine() async throws {
        let h = try IRCHarness(allowed: #"allowed_nicks = ["alice"]"#)
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let mallory = try await IRCTestClient(nick: "mallory", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await mallory.say("herald: let me in", to: "#harbour")
        try await mallory.waitFor("the private notice") { lines in
            lines.contains { $0.command == "NOTICE" && $0.nick == "herald" && $0.params.first == "mallory" && $0.params.last?.contains("pairing code") == true }
        }
        try await alice.say("herald: still there?", to: "#harbour")
        try await alice.waitFor("a barrier answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        try await h.stop(p)
        let channel = alice.lines.filter { ["PRIVMSG", "NOTICE"].contains($0.command) && $0.nick == "herald" && $0.params.first == "#harbour" }
            .map { $0.params.last ?? "" }
        #expect(channel == ["echo: alice: still there?"], "no pairing code in the channel: \(channel)")
    }

    @Test func aBindingAppliesHoweverTheServerCasesTheChannelName() async throws {
        let h = try IRCHarness(
            channels: ["#harbour", "#Harbour-Project"],
            bindings: """
                [[bindings]]
                platform = "irc"
                chat = "#harbour-project"
                profile = "novel"
                """)
        defer { h.shutdown() }
        // Alice made the channel first, so the server relays its name as she wrote it.
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#Harbour-Project"])
        let p = try await h.start(watch: alice, channels: ["#Harbour-Project"])
        try await alice.say("herald: who are you?", to: "#Harbour-Project")
        try await alice.waitFor("the answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        try await h.stop(p)
        let prompt = try #require(h.model.requests.last).map(\.content).joined()
        #expect(prompt.contains("NOVEL"), "the binding's profile answered, not the default")
    }

    /// Without services: a different user@host is another person; the same user@host (it is
    /// self-declared) after the nick was released is too.
    @Test(arguments: ["bob", "alice"])
    func whoeverTakesANickNextNeverSeesItsEarlierOwnersPrivateHistory(secondUser: String) async throws {
        let h = try IRCHarness(allowed: #"allowed_nicks = ["alice"]"#)
        defer { h.shutdown() }
        let watcher = try await IRCTestClient(nick: "watcher", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: watcher)
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"], user: "alice")
        try await alice.say("remember the code word heron-7", to: "herald")
        try await alice.waitFor("alice's answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        alice.quit()
        try await watcher.waitFor("the nick released") { $0.contains { $0.command == "QUIT" && $0.nick == "alice" } }
        let bob = try await IRCTestClient(nick: "alice", port: h.server.port, user: secondUser)
        try await bob.say("what was the code word?", to: "herald")
        try await bob.waitFor("bob's answer") { !IRCTestClient.messages(in: $0, from: "herald").isEmpty }
        try await h.stop(p)
        let asked = try #require(h.model.requests.last { $0.last?.content == "what was the code word?" })
        #expect(!asked.map(\.content).joined().contains("heron-7"), "bob's prompt holds nothing of alice's conversation")
    }

    @Test func tlsIsVerifiedAgainstTheConfiguredCertificateAndRefusedWithoutIt() async throws {
        let server = try IRCServer(tls: true)
        let model = try StubOpenAIServer()
        defer { model.stop(); server.stop() }
        let alice = try await IRCTestClient(nick: "alice", port: server.port, join: ["#harbour"])
        func run(caFile: String?) throws -> (HeraldProcess, TempDir) {
            let dir = TempDir()
            let config = TestConfig.write(
                in: dir, modelURL: model.baseURL,
                extra: """
                    [adapters.irc]
                    host = "127.0.0.1"
                    port = \(server.tlsPort!)
                    tls = true
                    \(caFile.map { "ca_file = \"\($0)\"" } ?? "")
                    nick = "herald"
                    channels = ["#harbour"]
                    require_account = false
                    """)
            return (try HeraldProcess(["run", "--config", config]), dir)
        }
        let (untrusted, d1) = try run(caFile: nil)
        try await untrusted.waitFor("the certificate to be refused") { _, err in
            err.contains { $0.contains("disconnected; reconnecting") }
        }
        kill(untrusted.process.processIdentifier, SIGTERM)
        _ = try await untrusted.waitForExit()
        #expect(!alice.lines.contains { $0.command == "JOIN" && $0.nick == "herald" }, "an unverified server is never joined")
        let (trusted, d2) = try run(caFile: server.certificate)
        try await alice.waitFor("herald to join over TLS") { $0.contains { $0.command == "JOIN" && $0.nick == "herald" } }
        kill(trusted.process.processIdentifier, SIGTERM)
        _ = try await trusted.waitForExit()
        _ = (d1, d2)
    }

    @Test func aTakenNickGetsAnAlternativeAndIsRegainedWhenFree() async throws {
        let h = try IRCHarness(extra: "nick_regain_seconds = 1")
        defer { h.shutdown() }
        let squatter = try await IRCTestClient(nick: "herald", port: h.server.port)
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try HeraldProcess(["run", "--config", h.config])
        defer { kill(p.process.processIdentifier, SIGTERM) }
        try await alice.waitFor("herald_ to join") { $0.contains { $0.command == "JOIN" && $0.nick == "herald_" } }
        squatter.quit()
        try await alice.waitFor("the nick to be regained") {
            $0.contains { $0.command == "NICK" && $0.nick == "herald_" && $0.params.first == "herald" }
        }
        try await alice.say("herald: back?", to: "#harbour")
        try await alice.waitFor("an answer under the regained nick") { IRCTestClient.messages(in: $0, from: "herald").count == 1 }
        kill(p.process.processIdentifier, SIGTERM)
        _ = try await p.waitForExit()
    }
}
