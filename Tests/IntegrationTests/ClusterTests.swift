import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
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
        try await alice.waitFor("herald in #harbour") { IRCTestClient.messages(in: $0, from: "herald").isEmpty && $0.contains { $0.command == "JOIN" && $0.nick == "herald" } }

        h.telegram.inject(chat: 111, from: 111, text: "before the kill")
        try await withDeadline(30, "the answer from n1") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendMessage" && $0.params["text"] == "echo: before the kill" } }
        }
        let store = try h.store()
        let held = try await store.adapterLeases()
        #expect(held[AdapterID(platform: .telegram, account: "main")]?.owner == "n1")
        #expect(held[AdapterID(platform: .irc, account: "test")]?.owner == "n1")

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
        #expect(now[AdapterID(platform: .telegram, account: "main")]?.owner == "n2")
        #expect(now[AdapterID(platform: .irc, account: "test")]?.owner == "n2")
        print("cluster: adapters taken over \(String(format: "%.1f", tookOver)) s after the kill (lease \(h.lease) s)")

        try await withDeadline(30, "the message sent during the gap, answered by n2") { [telegram = h.telegram] in
            await telegram.waitFor { $0.contains { $0.method == "sendMessage" && $0.params["text"] == "echo: while nobody polls" } }
        }
        try await alice.waitFor("herald back in #harbour") { lines in lines.filter { $0.command == "JOIN" && $0.nick == "herald" }.count >= 2 }
        try await alice.say("herald: after the takeover", to: "#harbour")
        try await alice.waitFor("n2's IRC answer") { IRCTestClient.messages(in: $0, from: "herald", to: "#harbour").contains { $0.params[1] == "echo: alice: after the takeover" } }
        let answers = h.telegram.sentMessages.compactMap { $0.params["text"] }
        #expect(answers.filter { $0 == "echo: before the kill" }.count == 1, "the committed cursor: nothing before the kill comes again")
        #expect(answers.filter { $0 == "echo: while nobody polls" }.count == 1)
    }
}
