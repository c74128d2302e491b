import Foundation
import HeraldPeers
import HeraldStore
import Testing

/// A tool marked `confirm` through the real `herald run` process, the Telegram fake and an MCP
/// server built with the official SDK: the turn asks, waits durably, and goes on as decided.
@Suite(.serialized, .enabled(if: MCPPeer.enabled, "needs the MCP SDK in the venv: run `make test`"))
struct ApprovalTests {
    func harness(timeout: Int = 600) throws -> TelegramHarness {
        try TelegramHarness(
            allowed: [111, 222], groups: "all",
            extra: """
                \(MCPPeer.confirmConfig(timeout: timeout))

                [profiles.helper]
                model = "local"
                toolsets = ["mcp:test"]

                [[bindings]]
                platform = "telegram"
                chat = "111"
                profile = "helper"

                [[bindings]]
                platform = "telegram"
                chat = "-100"
                profile = "helper"
                """, script: MCPTests.script)
    }

    func start(_ h: TelegramHarness) async throws -> HeraldProcess {
        let p = try await h.start()
        try await p.waitFor("the MCP server") { _, err in err.contains { $0.contains("MCP server ready") } }
        return p
    }

    func texts(_ h: TelegramHarness, _ chat: String) -> [String] {
        h.telegram.sentMessages.filter { $0.params["chat_id"] == chat }.compactMap { $0.params["text"] }
    }

    @Test func theOwnerApprovesAfterARestartAndTheCallRuns() async throws {
        try MCPPeer.require()
        let h = try harness()
        defer { h.shutdown() }
        h.telegram.addChat(111)
        var p = try await start(h)
        _ = h.telegram.inject(chat: 111, from: 111, text: #"call test__add {"a": 2, "b": 40}"#)
        try await h.waitForSent("the question") { $0.contains { $0.params["text"]?.contains("/approve or /deny") == true } }
        let question = try #require(texts(h, "111").first)
        #expect(question.hasPrefix(#"Run test.add with {"a": 2, "b": 40}? Reply /approve or /deny"#), "\(question)")
        // Herald dies while the request waits (the question recorded as sent, so it is not
        // resent); the request and the turn's place survive.
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        try await withDeadline(30, "the question recorded as sent") {
            while try await store.outboxCounts()[.sent] != 1 { try await Task.sleep(for: .milliseconds(20)) }
        }
        p.kill9()
        _ = try await p.waitForExit()
        p = try await start(h)
        _ = h.telegram.inject(chat: 111, from: 111, text: "/approve")
        try await h.waitForSent("the answer") { $0.contains { $0.params["text"]?.hasPrefix("tool said:") == true } }
        try await h.stop(p)
        let all = texts(h, "111")
        #expect(all.contains(#"tool said: {"result":42}"#), "\(all)")
        #expect(all.filter { $0.contains("/approve or /deny") }.count == 1, "asked once, not again after the restart: \(all)")
        #expect(h.model.requests.filter { $0.last?.content.hasPrefix("call test__add") == true }.count == 1, "the model was not asked again")
    }

    @Test func anotherMemberCannotDecideAndTheOwnersDenialIsWhatTheModelHears() async throws {
        try MCPPeer.require()
        let h = try harness()
        defer { h.shutdown() }
        h.telegram.addChat(-100, type: "supergroup")
        let p = try await start(h)
        _ = h.telegram.inject(chat: -100, from: 111, name: "Ann", text: #"call test__add {"a": 1, "b": 1}"#)
        try await h.waitForSent("the question") { $0.contains { $0.params["text"]?.contains("/approve or /deny") == true } }
        _ = h.telegram.inject(chat: -100, from: 222, name: "Bob", text: "/approve")
        try await h.waitForSent("the refusal") { $0.contains { $0.params["text"]?.hasPrefix("Only the person who asked") == true } }
        _ = h.telegram.inject(chat: -100, from: 111, name: "Ann", text: "/deny")
        try await h.waitForSent("the answer") { $0.contains { $0.params["text"]?.hasPrefix("tool said:") == true } }
        try await h.stop(p)
        let all = texts(h, "-100")
        #expect(all.contains { $0.contains("(only Ann can answer)") }, "\(all)")
        #expect(all.contains("tool said: error: Ann did not approve this call, so it was not run"), "\(all)")
        #expect(!all.contains { $0.contains(#"{"result":2}"#) }, "the call never ran")
    }

    @Test func anUnansweredRequestExpiresWithANoticeAndNothingRuns() async throws {
        try MCPPeer.require()
        let h = try harness(timeout: 2)
        defer { h.shutdown() }
        h.telegram.addChat(111)
        let p = try await start(h)
        _ = h.telegram.inject(chat: 111, from: 111, text: #"call test__add {"a": 5, "b": 5}"#)
        try await h.waitForSent("the expiry and the answer") { calls in
            calls.contains { $0.params["text"]?.contains("expired without an answer") == true }
                && calls.contains { $0.params["text"]?.hasPrefix("tool said:") == true }
        }
        try await h.stop(p)
        let all = texts(h, "111")
        #expect(all.contains("tool said: error: nobody approved this call in time, so it was not run"), "\(all)")
        #expect(!all.contains { $0.contains(#"{"result":10}"#) })
    }
}

/// The same approvals on IRC, in a channel: another member cannot decide, the request outlives
/// a SIGKILL, and the owner's approval runs the call.
@Suite(.serialized, .enabled(if: MCPPeer.enabled && IRCServer.enabled, "needs the MCP SDK and ngircd: run `make test`"))
struct IRCApprovalTests {
    /// An IRC harness whose #harbour may switch on the test MCP server, `add` marked confirm.
    func harness(timeout: Int = 1800) throws -> IRCHarness {
        try IRCHarness(
            extra: "\n" + MCPPeer.confirmConfig(timeout: timeout), allowed: #"allowed_nicks = ["alice", "bob"]"#, script: MCPTests.script)
    }

    @Test func inAChannelOnlyTheAskerDecidesAndTheRequestOutlivesARestart() async throws {
        try MCPPeer.require()
        let h = try harness()
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let bob = try await IRCTestClient(nick: "bob", port: h.server.port, join: ["#harbour"])
        var p = try await h.start(watch: alice)
        try await p.waitFor("the MCP server") { _, err in err.contains { $0.contains("MCP server ready") } }
        func said(_ what: String, _ predicate: @escaping @Sendable (String) -> Bool) async throws {
            try await alice.waitFor(what) { lines in IRCTestClient.messages(in: lines, from: "herald", to: "#harbour").contains { predicate($0.params.last ?? "") } }
        }
        try await alice.say("herald: /toolset on mcp:test", to: "#harbour")
        try await said("the tool set on") { $0.contains("mcp:test is on") }
        try await alice.say(#"herald: call test__add {"a": 20, "b": 22}"#, to: "#harbour")
        try await said("the question") { $0.contains("/approve or /deny") && $0.contains("only alice can answer") }
        try await bob.say("herald: /approve", to: "#harbour")
        try await said("bob refused") { $0.hasPrefix("Only the person who asked") }
        p.kill9()
        _ = try await p.waitForExit()
        p = try await h.start(watch: alice)
        try await alice.say("herald: /approve", to: "#harbour")
        // (Sent at once after the JOIN: the approved call waits for its MCP server to be up.)
        try await said("the answer") { $0.contains(#"tool said: {"result":42}"#) }
        try await h.stop(p)
        let lines = alice.messages(from: "herald", to: "#harbour").compactMap { $0.params.last }
        #expect(lines.filter { $0.contains("/approve or /deny") }.count == 1, "asked once: \(lines)")
    }

    @Test func anUnansweredRequestInAChannelExpiresWithANotice() async throws {
        try MCPPeer.require()
        let h = try harness(timeout: 2)
        defer { h.shutdown() }
        let alice = try await IRCTestClient(nick: "alice", port: h.server.port, join: ["#harbour"])
        let p = try await h.start(watch: alice)
        try await p.waitFor("the MCP server") { _, err in err.contains { $0.contains("MCP server ready") } }
        try await alice.say("herald: /toolset on mcp:test", to: "#harbour")
        try await alice.say(#"herald: call test__add {"a": 3, "b": 4}"#, to: "#harbour")
        try await alice.waitFor("the expiry and the answer") { lines in
            let said = IRCTestClient.messages(in: lines, from: "herald", to: "#harbour").compactMap { $0.params.last }
            return said.contains { $0.contains("expired without an answer") } && said.contains { $0.hasPrefix("tool said:") }
        }
        try await h.stop(p)
        let said = alice.messages(from: "herald", to: "#harbour").compactMap { $0.params.last }
        #expect(said.contains("tool said: error: nobody approved this call in time, so it was not run"), "\(said)")
        #expect(!said.contains { $0.contains(#"{"result":7}"#) })
    }
}
