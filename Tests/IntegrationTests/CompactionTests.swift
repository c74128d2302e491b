import Foundation
import HeraldCore
import HeraldNet
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

    /// Runs on the cache peer's slots 1 and 2 (slot 0 is the console test's): requests from
    /// other tests would otherwise evict the session's cache and the cache checks would guess.
    @Test(.enabled(if: Peers.llamaCacheEnabled, "needs the llama.cpp peer for the cache tests: run `make test`"))
    func overTheBudgetOldTurnsAreSummarisedAndTheCachedPrefixSurvivesAMemoryChangeElsewhere() async throws {
        let llama = try Peers.requireLlamaCache()
        let adapter = ScriptedAdapter(allowed: ["alice", "bob"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["llama"], historyTokens: 160), soul: Self.soul)
        let h = try GatewayHarness(adapters: [adapter], models: ["llama": llama + "/v1"], profiles: [profile], slots: [1, 2])
        let store = h.store
        // The calls of each turn: a turn that compacts makes two, the summary first.
        var calls: [[Usage]] = []
        func turn(_ text: String, chat: String, from sender: String = "alice") async throws {
            let before = adapter.delivered.count
            let conversation = adapter.conversation(chat)
            let known = (try? await store.activeSession(for: conversation, profile: "default")).map(\.id)
            var seen = 0
            if let known { seen = try await store.usage(sessionID: known).count }
            try await adapter.receive(text, chat: chat, from: sender, direct: true)
            try await adapter.waitFor("the reply to \(text.prefix(20))", seconds: 120) { $0.count == before + 1 }
            let session = try await store.activeSession(for: conversation, profile: "default")
            if chat == "a" { calls.append(try await store.usage(sessionID: session.id).dropFirst(seen).map(\.usage)) }
        }
        for i in 1...6 {
            try await turn("Note \(i): the harbour project needs \(i * 7) crates of tiles delivered to pier \(i) before the storm season starts.", chat: "a")
        }
        let a = try await store.activeSession(for: adapter.conversation("a"), profile: "default")
        let state = try await store.sessionState(id: a.id)
        let stored = try await store.history(sessionID: a.id, limit: 1000)
        #expect(state.summary?.isEmpty == false, "the oldest turns were summarised")
        #expect(state.summaryThrough > 0)
        #expect(stored.filter { $0.role == .user }.count == 6, "the raw turns stay in the store")

        // Memory changes in another session: the next session sees it, this one keeps its frozen copy.
        try await store.setMemory(["the launch moved to May"], for: MemoryKey(profile: "default", scope: .profile))
        try await turn("hello", chat: "b", from: "bob")
        try await turn("One more note: pier 2 is closed on Mondays.", chat: "a")
        await h.shutdown()

        let b = try await store.activeSession(for: adapter.conversation("b"), profile: "default")
        #expect(try await store.sessionState(id: b.id).frozenMemory?.contains("launch moved to May") == true)
        let final = try await store.sessionState(id: a.id)
        #expect(final.frozenMemory?.contains("launch moved") == false)
        let system = try await tokenCount(SystemPrompt.text(soul: Self.soul, memory: final.frozenMemory, skills: []), llama)
        let last = try #require(calls.last?.last)
        // The prompt fits: system prompt, summary, at most the history budget, the new message
        // and the chat template's few tokens; the whole history would not.
        let summary = try await tokenCount(SystemPrompt.summaryBlock(final.summary) ?? "", llama)
        let bound = system + summary + profile.config.historyTokens + 60
        let history = try await store.history(sessionID: a.id, limit: 1000)
        let everything = history.reduce(0) { $0 + $1.tokens }
        #expect(last.promptTokens <= bound, "prompt \(last.promptTokens) tokens, bound \(bound)")
        #expect(everything > profile.config.historyTokens * 2, "the whole history (\(everything) tokens) is far over the budget")
        // Bob's session (with the new memory) ran in between: this session's slot kept its prefix.
        #expect(last.cachedTokens >= system, "the system prompt came from llama.cpp's cache (\(last.cachedTokens) cached, system \(system))")

        // Compaction reuses the cache: the summary request is the session's own prompt plus one
        // instruction, and the turn after it finds the whole system prompt cached.
        let compacting = calls.indices.filter { calls[$0].count == 2 && $0 > 0 }
        #expect(!compacting.isEmpty, "some turn after the first compacted: \(calls.map(\.count))")
        // What the instruction adds: its text in the chat template's wrapping, and the
        // assistant turn's opening (on the tiny model's tokenizer the markers cost ~20 tokens).
        let instruction = try await renderedTokens(Agent.summaryRequest, llama)
        let replies = history.filter { $0.role == .assistant }
        for i in compacting {
            let (summaryCall, answer) = (calls[i][0], calls[i][1])
            // The previous reply went into the cache as the tokens the model generated and comes
            // back as text, which the tokenizer may split differently (the tiny model's random
            // tokens always are): it may be read again, with its end marker.
            let reread = try await tokenCount(replies[i - 1].content, llama) + 4
            #expect(
                summaryCall.cachedTokens >= summaryCall.promptTokens - instruction - reread,
                "turn \(i + 1): the summary request reused the session's cache (\(summaryCall.cachedTokens) of \(summaryCall.promptTokens))")
            #expect(answer.cachedTokens >= system, "turn \(i + 1): the system prompt stayed cached across the compaction (\(answer.cachedTokens))")
        }
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

    /// Tokens of a prompt holding one user message with `text`, as the server's template renders it.
    private func renderedTokens(_ text: String, _ llama: String) async throws -> Int {
        let body = try JSONSerialization.data(withJSONObject: ["messages": [["role": "user", "content": text]]])
        let r = try await HTTPClient().send(.json(llama + "/apply-template", body: body))
        let json = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
        return try await tokenCount(try #require(json["prompt"] as? String), llama)
    }

    private func tokenCount(_ text: String, _ llama: String) async throws -> Int {
        let backend = OpenAIBackend(config: ModelConfig(name: "llama", url: llama + "/v1"))
        return try #require(await backend.countTokens(text))
    }
}
