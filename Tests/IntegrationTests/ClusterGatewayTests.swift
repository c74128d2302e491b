import Foundation
import HeraldCore
import HeraldPeers
import HeraldTestSupport
import Testing

/// Two gateways (nodes) on one in-memory store, each with its own model server: the gateway's
/// side of several nodes, fast and without PostgreSQL (ClusterTests runs the real thing).
@Suite struct ClusterGatewayTests {
    static func settings() -> GatewaySettings {
        var s = GatewaySettings()
        s.leaseSeconds = 1
        s.lanesPerNode = 4
        return s
    }

    @Test func twoNodesShareTheSessionsAnswerEachMessageOnceInOrderAndOneRunsTheAdapter() async throws {
        let store = InMemoryStore()
        let modelA = try StubOpenAIServer(), modelB = try StubOpenAIServer()
        defer { modelA.stop(); modelB.stop() }
        // One account, configured on both nodes: whichever holds its lease runs it.
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let nodeA = try GatewayHarness(
            adapters: [adapter], models: ["stub": modelA.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")],
            settings: Self.settings(), store: store, cluster: store.node("a"))
        let nodeB = try GatewayHarness(
            adapters: [adapter], models: ["stub": modelB.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")],
            settings: Self.settings(), store: store, cluster: store.node("b"))
        let chats = (1...12).map { "c\($0)" }
        for round in 1...4 {
            for c in chats { try await adapter.receive("\(c)-\(round)", chat: c) }
        }
        try await adapter.waitFor("every message answered") { $0.count >= chats.count * 4 }
        let holders = await store.adapterHolders()
        #expect(holders.count == 1, "one node runs the adapter: \(holders)")
        await nodeA.shutdown()
        await nodeB.shutdown()
        for c in chats {
            #expect(adapter.texts(in: c) == (1...4).map { "echo: \(c)-\($0)" }, "\(c): each once, in order")
        }
        #expect(modelA.requests.count + modelB.requests.count == chats.count * 4, "each turn ran once")
        #expect(
            modelA.requests.count > 0 && modelB.requests.count > 0,
            "both nodes worked sessions (a: \(modelA.requests.count), b: \(modelB.requests.count))")
    }

    @Test func whenTheNodeRunningTheAdapterDiesTheOtherTakesItOverAndAnswers() async throws {
        let store = InMemoryStore()
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profiles = [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")]
        let first = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL], profiles: profiles, settings: Self.settings(), store: store,
            cluster: store.node("a"))
        try await adapter.receive("before", chat: "x")
        try await adapter.waitFor("the first answer") { $0.count == 1 }
        #expect(await store.adapterHolders()[adapter.id] == "a")
        let second = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL], profiles: profiles, settings: Self.settings(), store: store,
            cluster: store.node("b"))
        // a dies without a word: its task is cancelled, its leases are left to run out.
        first.task.cancel()
        _ = await first.task.result
        try await withDeadline(30, "b to take the adapter over") {
            while await store.adapterHolders()[adapter.id] != "b" { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await adapter.receive("after", chat: "x")
        try await adapter.waitFor("b's answer") { $0.contains { $0.message.text == "echo: after" } }
        await second.shutdown()
        #expect(adapter.texts(in: "x") == ["echo: before", "echo: after"])
    }
}
