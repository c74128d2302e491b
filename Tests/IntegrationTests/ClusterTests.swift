import Foundation
import HeraldCore
import HeraldIRC
import HeraldPeers
import HeraldStore
import Synchronization
import Testing

/// Several `herald run` nodes on one PostgreSQL database (a real PostgreSQL 15, a schema per
/// test), with the fake Bot API server and ngircd: each adapter account runs on one node at a
/// time, and a node's death moves its work to another when its leases run out.
@Suite(.serialized, .enabled(if: Peers.postgresEnabled && IRCServer.enabled, "needs PostgreSQL and ngircd: run `make test`"))
struct ClusterTests {
    @Test func whenTheNodeRunningTheAdaptersIsKilledAnotherTakesThemOverAfterTheLeaseFromTheCommittedCursor() async throws {
        let h = try ClusterHarness(users: [111], channels: ["#harbour"])
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.irc.port, join: ["#harbour"])
        let first = try h.start("n1")
        try await first.waitFor("n1 to run both adapters") { _, err in
            err.contains { $0.contains("this node runs the adapter") && $0.contains("telegram/main") }
                && err.contains { $0.contains("this node runs the adapter") && $0.contains("irc/test") }
        }
        let second = try h.start("n2")
        defer { second.kill9() }
        try await second.waitFor("n2 to stand by for both") { _, err in
            err.filter { $0.contains("another node runs this adapter") }.count == 2
        }
        try await alice.waitFor("herald in #harbour") {
            IRCTestClient.messages(in: $0, from: "herald").isEmpty && $0.contains { $0.command == "JOIN" && $0.nick == "herald" }
        }

        h.telegram.inject(chat: 111, from: 111, text: "before the kill")
        try await withDeadline(30, "the answer from n1") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendMessage" && $0.params["text"] == "echo: before the kill" } }
        }
        let store = try h.store()
        let held = try await store.adapterLeases()
        #expect(held[AdapterID(platform: .telegram, account: "main")]?.owner.hasPrefix("n1/") == true)
        #expect(held[AdapterID(platform: .irc, account: "test")]?.owner.hasPrefix("n1/") == true)
        let doctor = try HeraldProcess(
            ["doctor", "--config", try h.config("n3")], environment: ["HERALD_TEST_TG_TOKEN": ClusterHarness.token])
        _ = try await doctor.waitForExit()
        #expect(doctor.stdout.contains { $0.contains("adapter telegram/main runs on node n1/") }, "\(doctor.stdout)")
        #expect(doctor.stdout.contains { $0.contains("store postgresql://herald@127.0.0.1") })

        let killedAt = Date()
        first.kill9()
        _ = try await first.waitForExit()
        // Sent while no node runs the bot: Telegram keeps it until a poller confirms it.
        h.telegram.inject(chat: 111, from: 111, text: "while nobody polls")
        try await second.waitFor("n2 to take both adapters over", seconds: 4 * h.lease + 20) { _, err in
            err.contains { $0.contains("this node runs the adapter") && $0.contains("telegram/main") }
                && err.contains { $0.contains("this node runs the adapter") && $0.contains("irc/test") }
        }
        let tookOver = Date().timeIntervalSince(killedAt)
        let now = try await store.adapterLeases()
        #expect(now[AdapterID(platform: .telegram, account: "main")]?.owner.hasPrefix("n2/") == true)
        #expect(now[AdapterID(platform: .irc, account: "test")]?.owner.hasPrefix("n2/") == true)
        print("cluster: adapters taken over \(String(format: "%.1f", tookOver)) s after the kill (lease \(h.lease) s)")

        try await withDeadline(30, "the message sent during the gap, answered by n2") { [telegram = h.telegram] in
            await telegram.waitFor {
                $0.contains { $0.method == "sendMessage" && $0.params["text"] == "echo: while nobody polls" }
            }
        }
        try await alice.waitFor("herald back in #harbour") { lines in
            lines.filter { $0.command == "JOIN" && $0.nick == "herald" }.count >= 2
        }
        try await alice.say("herald: after the takeover", to: "#harbour")
        try await alice.waitFor("n2's IRC answer") {
            IRCTestClient.messages(in: $0, from: "herald", to: "#harbour").contains {
                $0.params[1] == "echo: alice: after the takeover"
            }
        }
        let answers = h.telegram.sentMessages.compactMap { $0.params["text"] }
        #expect(
            answers.filter { $0 == "echo: before the kill" }.count == 1,
            "the committed cursor: nothing before the kill comes again")
        #expect(answers.filter { $0 == "echo: while nobody polls" }.count == 1)
    }
}

extension ClusterTests {
    /// A clean stop hands the accounts over at once: with a 60 s lease the other node has
    /// them long before the lease could have run out.
    @Test func aNodeStoppedCleanlyHandsItsAdaptersOverAtOnce() async throws {
        let h = try ClusterHarness(users: [111], channels: ["#harbour"], lease: 60)
        defer { h.shutdown() }
        let first = try h.start("n1")
        defer { first.kill9() }
        try await first.waitFor("n1 to run both adapters") { _, err in
            err.filter { $0.contains("this node runs the adapter") }.count == 2
        }
        let second = try h.start("n2")
        defer { second.kill9() }
        try await second.waitFor("n2 to stand by for both") { _, err in
            err.filter { $0.contains("another node runs this adapter") }.count == 2
        }
        kill(first.process.processIdentifier, SIGTERM)
        #expect(try await first.waitForExit() == 0)
        try await second.waitFor("n2 to take both over, well within the 60 s lease", seconds: 30) { _, err in
            err.filter { $0.contains("this node runs the adapter") }.count == 2
        }
        h.telegram.inject(chat: 111, from: 111, text: "after the hand-over")
        try await withDeadline(30, "n2's answer") { [telegram = h.telegram] in
            await telegram.waitFor {
                $0.contains { $0.method == "sendMessage" && $0.params["text"] == "echo: after the hand-over" }
            }
        }
    }

    /// 1,000 messages across 50 conversations (40 Telegram chats, 10 IRC channels) through
    /// three nodes while nodes are SIGKILLed and restarted: every message answered once in its
    /// conversation's order; a reply shows twice only where a chunk was on the wire at a kill,
    /// and each such resend is logged.
    @Test func aThousandMessagesThroughThreeNodesWhileNodesAreKilledAreAllAnsweredInOrder() async throws {
        let users = (1...40).map { Int64(1000 + $0) }
        let channels = (1...10).map { "#c\($0)" }
        let rounds = 20
        let h = try ClusterHarness(users: users, channels: channels)
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.irc.port, join: channels)
        let names = ["n1", "n2", "n3"]
        let processes = Mutex<[String: HeraldProcess]>([:])
        let all = Mutex<[HeraldProcess]>([])
        func start(_ name: String) throws {
            let p = try h.start(name)
            processes.withLock { $0[name] = p }
            all.withLock { $0.append(p) }
        }
        defer { for p in all.withLock({ $0 }) { p.kill9() } }
        for n in names { try start(n) }
        let store = try h.store()
        let irc = AdapterID(platform: .irc, account: "test")
        /// herald is in every channel: its last JOIN, PART or QUIT seen there is a JOIN.
        @Sendable func inAllChannels(_ lines: [IRCMessage]) -> Bool {
            var present: Set<String> = []
            for l in lines where l.nick == "herald" {
                switch l.command {
                case "JOIN": if let c = l.params.first { present.insert(c) }
                case "PART": if let c = l.params.first { present.remove(c) }
                case "QUIT": present.removeAll()
                default: break
                }
            }
            return present.isSuperset(of: channels)
        }
        try await alice.waitFor("herald in every channel", seconds: 60) { inAllChannels($0) }

        var kills = 0
        var ircSent = 0
        var rng = SystemRandomNumberGenerator()
        let killAfterRounds: Set<Int> = [3, 6, 9, 12, 15, 17]
        for round in 1...rounds {
            for u in users { h.telegram.inject(chat: u, from: u, text: "t\(u)-\(round)") }
            // A person on IRC talks while the bot is there (IRC keeps nothing for the absent).
            try await alice.waitFor("herald back in every channel", seconds: 60) { inAllChannels($0) }
            for c in channels {
                try await alice.say("herald: i\(c.dropFirst())-\(round)", to: c)
                ircSent += 1
            }
            guard killAfterRounds.contains(round) else { continue }
            // What IRC delivered is committed before the kill: a line the bot's socket took in
            // and the node never committed is gone on IRC, as for any client that dies.
            let expected = ircSent
            try await withDeadline(60, "IRC lines committed") {
                while try await store.inboxRows(adapter: irc) < expected { try await Task.sleep(for: .milliseconds(20)) }
            }
            let victim = names.randomElement(using: &rng)!
            print("cluster: round \(round): SIGKILL \(victim)")
            let p = processes.withLock { $0[victim]! }
            p.kill9()
            _ = try await p.waitForExit()
            kills += 1
            try start(victim)
        }

        @Sendable func tgAnswered(_ calls: [FakeTelegramServer.Call]) -> Int {
            Set(
                calls.filter { $0.method == "sendMessage" && $0.params["_status"] == nil }.compactMap { c in
                    c.params["text"].map { "\(c.params["chat_id"] ?? "")|\($0)" }
                }
            ).count
        }
        try await withDeadline(300, "every Telegram message answered") { [telegram = h.telegram] in
            await telegram.waitFor { tgAnswered($0) >= users.count * rounds }
        }
        try await alice.waitFor("every IRC message answered", seconds: 300) { lines in
            Set(channels.flatMap { c in IRCTestClient.messages(in: lines, from: "herald", to: c).map { c + "|" + $0.params[1] } })
                .count
                >= channels.count * rounds
        }

        // Every message answered, in its conversation's order; a repeat only as a logged resend.
        var repeats = 0, tgRepeats = 0, ircRepeats = 0
        // Accepted sends only: a 429 under flood control is an attempt, not a message shown.
        let sent = h.telegram.sentMessages.filter { $0.params["_status"] == nil }
        for u in users {
            let texts = sent.filter { $0.params["chat_id"] == String(u) }.compactMap { $0.params["text"] }
            let firsts = texts.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            #expect(firsts == (1...rounds).map { "echo: t\(u)-\($0)" }, "chat \(u) in order, each once")
            repeats += texts.count - firsts.count
            #expect(texts.count - firsts.count <= kills, "chat \(u): at most one repeat per kill")
            tgRepeats += texts.count - firsts.count
        }
        for c in channels {
            let texts = alice.messages(from: "herald", to: c).map { $0.params[1] }
            let firsts = texts.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            #expect(firsts == (1...rounds).map { "echo: alice: i\(c.dropFirst())-\($0)" }, "\(c) in order, each once")
            repeats += texts.count - firsts.count
            ircRepeats += texts.count - firsts.count
        }
        let logged = all.withLock { $0 }.flatMap(\.stderr).filter { $0.contains("a chunk was on the wire at a crash") }.count
        print(
            "cluster: 1000 messages, \(kills) kills, \(repeats) repeated replies (Telegram \(tgRepeats), IRC \(ircRepeats)), \(logged) logged resends"
        )
        // IRC sends one line at a time (maxInFlight 1): a kill catches at most one on the wire.
        // Telegram sends to up to 10 chats at once, so a kill may catch one in each of them.
        #expect(ircRepeats <= kills, "IRC: at most one resend per kill")
        #expect(tgRepeats <= kills * 10, "Telegram: at most one resend per chat in flight per kill")
        #expect(repeats <= logged, "every repeat was logged as a resend")
        #expect(
            try await store.inboxCounts()["done"] == users.count * rounds + channels.count * rounds,
            "every message's turn ran to the end once")
    }
}
