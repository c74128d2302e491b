import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// Sub-agents: fan-out with a cap, results in order, failures contained, cancellation.
@Suite(.serialized) struct DelegationTests {
    static let plan = #"{"tasks":[{"goal":"a","context":"ctx-a"},{"goal":"fail"},{"goal":"c"},{"goal":"d","context":"ctx-d"}]}"#

    static func script(_ gate: StubOpenAIServer.Gate) -> StubOpenAIServer.Script {
        { messages in
            if let last = messages.last, last.role == "tool" { return .text("gathered: " + last.content) }
            let user = messages.last { $0.role == "user" }?.content ?? ""
            if user.hasPrefix("You are a helper") {
                if user.contains("Goal: fail") { return .status(400) }
                let goal = user.components(separatedBy: "Goal: ")[1].prefix { $0 != "\n" }
                return .gated(gate, "done \(goal)")
            }
            if user == "plan the launch" { return .toolCall(name: "delegate", arguments: plan) }
            return StubOpenAIServer.echo(messages)
        }
    }

    struct Result: Decodable {
        var task: Int
        var ok: Bool
        var result: String?
        var error: String?
    }

    @Test func fourTasksWithACapOfTwoComeBackInOrderAndAFailureIsContained() async throws {
        let gate = StubOpenAIServer.Gate()
        let model = try StubOpenAIServer(script: Self.script(gate))
        defer { gate.open(); gate.open(); gate.open(); model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["stub"], toolsets: ["delegation", "sessions"]), soul: "You are a test.")
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [profile], delegates: 2)
        try await adapter.receive("the codename is SECRET-PARENT-TEXT", chat: "c")
        try await adapter.waitFor("the first reply") { $0.count == 1 }
        try await adapter.receive("plan the launch", chat: "c")

        // Two helpers hold the model; a third may only arrive after one of them is released.
        try await withDeadline(30, "two helpers at the model") { await gate.waitUntilHeld(2) }
        var releases: [Date] = []
        for n in 3...3 {
            releases.append(Date())
            gate.open()
            try await withDeadline(30, "helper \(n) at the model") { await gate.waitUntilHeld(n) }
        }
        gate.open()
        gate.open()
        try await adapter.waitFor("the gathered answer") { $0.count == 2 }
        await h.shutdown()

        #expect(gate.arrivals.count == 3)
        #expect(gate.arrivals[2] > releases[0], "the third helper started only after one finished")
        let reply = try #require(adapter.texts(in: "c").last)
        let json = try #require(reply.components(separatedBy: "gathered: ").last)
        let results = try JSONDecoder().decode([Result].self, from: Data(json.utf8))
        #expect(results.map(\.task) == [1, 2, 3, 4], "in task order")
        #expect(results.map(\.ok) == [true, false, true, true], "one failure, the rest succeed")
        #expect(results.map { $0.result ?? "" } == ["done a", "", "done c", "done d"])
        #expect(results[1].error?.contains("rejected") == true, "\(results[1])")
        let helperPrompts = model.requests.filter { $0.contains { $0.content.hasPrefix("You are a helper") } }
        #expect(helperPrompts.count == 4)
        #expect(helperPrompts.allSatisfy { !$0.map(\.content).joined().contains("SECRET-PARENT-TEXT") }, "a helper sees only its goal and context")
        #expect(helperPrompts.contains { $0.map(\.content).joined().contains("ctx-d") })

        let parent = try await h.store.activeSession(for: adapter.conversation("c"), profile: "default")
        let children = try await h.store.children(of: parent.id)
        #expect(children.count == 4, "each helper's session is stored under the parent")
        var childUsage = 0
        for child in children { childUsage += try await h.store.usage(sessionID: child.id).count }
        #expect(childUsage == 3, "usage is counted per helper")
    }

    @Test func stoppingTheParentCancelsItsHelpers() async throws {
        let gate = StubOpenAIServer.Gate()
        let model = try StubOpenAIServer(script: Self.script(gate))
        defer { for _ in 0..<4 { gate.open() }; model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["stub"], toolsets: ["delegation"]), soul: "You are a test.")
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [profile], delegates: 2)
        try await adapter.receive("plan the launch", chat: "c")
        try await withDeadline(30, "two helpers at the model") { await gate.waitUntilHeld(2) }
        try await adapter.receive("/stop", chat: "c")
        try await adapter.waitFor("the stop") { $0.count == 1 }
        await h.shutdown()
        #expect(adapter.texts(in: "c") == ["Stopped. Ask again whenever you like."])
        let parent = try await h.store.activeSession(for: adapter.conversation("c"), profile: "default")
        for child in try await h.store.children(of: parent.id) {
            #expect(try await !h.store.history(sessionID: child.id, limit: 10).contains { $0.content.hasPrefix("done") }, "no helper finished")
        }
        #expect(gate.held == 2, "no further helper was started after the stop")
    }
}
