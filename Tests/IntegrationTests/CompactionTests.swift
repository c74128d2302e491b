import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// Budgets, summaries, the prompt cache and the fallback chain, against the real llama.cpp
/// server with the tiny model.
@Suite(.serialized) struct CompactionTests {
    static let soul = """
        You are Archivist, a patient assistant who keeps track of long projects for one person. \
        You answer in short sentences, you never invent facts, and you say when you do not know. \
        You care about dates, names and numbers, and you repeat them exactly as the person gave them.
        """

    /// llama-server drops `tools` without a word when the model's chat template has no tool
    /// support (the tiny model's and SmolLM2's have none). Herald reads that from /props, so
    /// /context does not count schemas the model never sees.
    @Test(.enabled(if: Peers.llamaEnabled, "needs the llama.cpp peer: run `make test`"))
    func aModelWhoseTemplateHasNoToolsIsOfferedNoneAndContextSaysSo() async throws {
        let llama = try Peers.requireLlama()
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["llama"], toolsets: ToolSet.known), soul: Self.soul)
        let h = try GatewayHarness(adapters: [adapter], models: ["llama": llama + "/v1"], profiles: [profile])
        try await adapter.receive("/context", chat: "t")
        try await adapter.waitFor("the /context reply", seconds: 60) { $0.count == 1 }
        await h.shutdown()
        let reply = try #require(adapter.texts(in: "t").first)
        let line = try #require(reply.split(separator: "\n").first { $0.contains("tool schemas") }, "\(reply)")
        #expect(line.contains("chat template has no tools"), "\(line)")
        #expect(line.contains("  0 tokens"), "no tokens counted for schemas: \(line)")
    }

    /// `/context` counts tool schemas as the server's template renders them, so its number is
    /// what a request with the tools really costs over the same request without them.
    @Test(.enabled(if: Peers.llamaToolsEnabled, "needs the llama.cpp peer with a tool template: run `make test`"))
    func contextCountsToolSchemasAsTheServerCharges() async throws {
        let llama = try Peers.requireLlamaTools()
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["llama"], toolsets: ["memory"]), soul: Self.soul)
        let h = try GatewayHarness(adapters: [adapter], models: ["llama": llama + "/v1"], profiles: [profile])
        try await adapter.receive("/context", chat: "on")
        try await adapter.receive("Where are the tiles for pier 3?", chat: "on", direct: true)
        try await adapter.receive("/toolset off memory", chat: "off")
        try await adapter.receive("Where are the tiles for pier 3?", chat: "off", direct: true)
        try await adapter.waitFor("four replies", seconds: 120) { $0.count == 4 }
        await h.shutdown()
        let reply = try #require(adapter.texts(in: "on").first)
        let line = try #require(reply.split(separator: "\n").first { $0.contains("tool schemas") }, "\(reply)")
        let counted = try #require(Int(line.split(separator: " ").first { Int($0) != nil } ?? ""), "\(line)")
        func prompt(_ chat: String) async throws -> Int {
            let session = try await h.store.activeSession(for: adapter.conversation(chat), profile: "default")
            return try #require(try await h.store.usage(sessionID: session.id).first?.usage.promptTokens)
        }
        let charged = try await prompt("on") - prompt("off")
        #expect(charged > 100, "the memory schema and the template's tool instructions cost tokens: \(charged)")
        // Two tokens of slack: where the tools block meets the system text, the tokenizer may merge.
        #expect(abs(counted - charged) <= 2, "/context says \(counted), the server charged \(charged)")
    }

    @Test(.enabled(if: Peers.llamaEnabled, "needs the llama.cpp peer: run `make test`"))
    func overTheBudgetOldTurnsAreSummarisedAndTheCachedPrefixSurvivesAMemoryChangeElsewhere() async throws {
        let llama = try Peers.requireLlama()
        let adapter = ScriptedAdapter(allowed: ["alice", "bob"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["llama"], historyTokens: 160), soul: Self.soul)
        let h = try GatewayHarness(adapters: [adapter], models: ["llama": llama + "/v1"], profiles: [profile])
        for i in 1...6 {
            try await adapter.receive(
                "Note \(i): the harbour project needs \(i * 7) crates of tiles delivered to pier \(i) before the storm season starts.",
                chat: "a", direct: true)
            try await adapter.waitFor("reply \(i)", seconds: 120) { $0.count == i }
        }
        let store = h.store
        let a = try await store.activeSession(for: adapter.conversation("a"), profile: "default")
        let state = try await store.sessionState(id: a.id)
        let stored = try await store.history(sessionID: a.id, limit: 1000)
        #expect(state.summary?.isEmpty == false, "the oldest turns were summarised")
        #expect(state.summaryThrough > 0)
        #expect(stored.filter { $0.role == .user }.count == 6, "the raw turns stay in the store")

        // Memory changes in another session: the next session sees it, this one keeps its frozen copy.
        try await store.setMemory(["the launch moved to May"], for: MemoryKey(profile: "default", scope: .profile))
        try await adapter.receive("hello", chat: "b", from: "bob", direct: true)
        try await adapter.waitFor("bob's reply", seconds: 120) { $0.count == 7 }
        try await adapter.receive("One more note: pier 2 is closed on Mondays.", chat: "a", direct: true)
        try await adapter.waitFor("the next reply", seconds: 120) { $0.count == 8 }
        await h.shutdown()

        let b = try await store.activeSession(for: adapter.conversation("b"), profile: "default")
        #expect(try await store.sessionState(id: b.id).frozenMemory?.contains("launch moved to May") == true)
        #expect(try await store.sessionState(id: a.id).frozenMemory?.contains("launch moved") == false)
        let last = try #require(try await store.usage(sessionID: a.id).last?.usage)
        // The prompt fits: system prompt (persona, summary) plus at most the history budget,
        // the new message and the chat template's few tokens; the whole history would not.
        let final = try await store.sessionState(id: a.id)
        let system = SystemPrompt.text(soul: Self.soul, memory: final.frozenMemory, skills: [], summary: final.summary)
        let bound = try await tokenCount(system, llama) + profile.config.historyTokens + 60
        let everything = try await store.history(sessionID: a.id, limit: 1000).reduce(0) { $0 + $1.tokens }
        #expect(last.promptTokens <= bound, "prompt \(last.promptTokens) tokens, bound \(bound)")
        #expect(everything > profile.config.historyTokens * 2, "the whole history (\(everything) tokens) is far over the budget")
        let soulTokens = try await tokenCount(Self.soul, llama)
        #expect(
            last.cachedTokens >= soulTokens,
            "the persona prefix came from llama.cpp's cache (\(last.cachedTokens) cached, soul \(soulTokens))")
    }

    @Test(.enabled(if: Peers.llamaEnabled, "needs the llama.cpp peer: run `make test`"))
    func aBackendThatIsDownFallsBackAndTheReplySaysWhichAnswered() async throws {
        let llama = try Peers.requireLlama()
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["big", "local"]), soul: "You are a test.")
        let h = try GatewayHarness(
            adapters: [adapter], models: ["big": "http://127.0.0.1:9/v1", "local": llama + "/v1"], profiles: [profile])
        try await adapter.receive("hello there", chat: "c")
        try await adapter.waitFor("the reply", seconds: 120) { $0.count == 1 }
        await h.shutdown()
        let reply = try #require(adapter.texts(in: "c").first)
        #expect(reply.hasSuffix("_(answered by local; big unavailable)_"), "\(reply)")
        let usage = try await h.store.usage(
            sessionID: try await h.store.activeSession(for: adapter.conversation("c"), profile: "default").id)
        #expect(usage.map(\.usage.model).allSatisfy { $0 != "big" })
    }

    private func tokenCount(_ text: String, _ llama: String) async throws -> Int {
        let backend = OpenAIBackend(config: ModelConfig(name: "llama", url: llama + "/v1"))
        return try #require(await backend.countTokens(text))
    }
}
