import Foundation
import Testing

@testable import HeraldCore

@Suite struct RouterTests {
    let router = Router(
        bindings: [
            Binding(platform: .telegram, profile: "tg"),
            Binding(platform: .telegram, chat: "-100", profile: "team"),
            Binding(platform: .telegram, chat: "-100", thread: "7", profile: "research"),
            Binding(platform: .matrix, account: "*", chat: "!room", profile: "lib"),
        ], defaultProfile: "default")

    @Test(arguments: [
        (ConversationRef(platform: .console, account: "main", chat: "main"), "default"),
        (ConversationRef(platform: .telegram, account: "b", chat: "5"), "tg"),
        (ConversationRef(platform: .telegram, account: "b", chat: "-100"), "team"),
        (ConversationRef(platform: .telegram, account: "b", chat: "-100", thread: "7"), "research"),
        (ConversationRef(platform: .telegram, account: "b", chat: "-100", thread: "8"), "team"),
        (ConversationRef(platform: .matrix, account: "@h:x", chat: "!room"), "lib"),
    ])
    func mostSpecificBindingWins(conversation: ConversationRef, profile: String) {
        #expect(router.profile(for: conversation) == profile)
    }

    @Test func conversationKeysRoundTripAndNeverCollide() {
        let a = ConversationRef(platform: .matrix, account: "@bot:x", chat: "!a/b", thread: "$t")
        let b = ConversationRef(platform: .matrix, account: "@bot:x", chat: "!a", thread: "b/$t")
        #expect(a.key != b.key)
        #expect(ConversationRef(key: a.key) == a)
        #expect(ConversationRef(key: b.key) == b)
    }
}

@Suite struct AgentPromptTests {
    func m(_ role: SessionMessage.Role, _ text: String, _ tokens: Int) -> SessionMessage {
        SessionMessage(role: role, content: text, tokens: tokens)
    }

    @Test func keepsTheNewestTurnsWithinBudget() {
        let history = [m(.user, "u1", 100), m(.assistant, "a1", 100), m(.user, "u2", 100), m(.assistant, "a2", 100)]
        #expect(Agent.window(history, budget: 1000).map(\.content) == ["u1", "a1", "u2", "a2"])
        #expect(Agent.window(history, budget: 250).map(\.content) == ["u2", "a2"])
        // A window never opens on an assistant message.
        #expect(Agent.window(history, budget: 300).map(\.content) == ["u2", "a2"])
    }

    @Test func theSystemPromptPutsTheStablePartsFirstAndLeavesOutEmptyOnes() {
        let skill = Skill(name: "brief", description: "Morning brief", body: "", tags: [], requiredTools: [], path: "")
        #expect(SystemPrompt.text(soul: "SOUL", memory: "", skills: []) == "SOUL")
        let full = SystemPrompt.text(soul: "SOUL", memory: "- likes tea", skills: [skill])
        #expect(full.hasPrefix("SOUL\n\n- likes tea\n\n## Skills"))
        #expect(full.hasSuffix("- brief: Morning brief"))
    }

    /// A compaction changes the summary; it opens the first user message so the system prompt
    /// (and the tool schemas rendered with it) stays the cached prefix.
    @Test func theSummaryOpensTheFirstUserMessageAndLeavesTheSystemPromptAlone() {
        let messages = [m(.system, "SOUL", 1), m(.assistant, "a0", 1), m(.user, "u1", 1), m(.user, "u2", 1)]
        let merged = SystemPrompt.withSummary("they met", messages)
        #expect(merged.map(\.content) == ["SOUL", "a0", SystemPrompt.summaryHeader + "\nthey met\n\nu1", "u2"])
        #expect(SystemPrompt.withSummary(nil, messages) == messages)
        #expect(SystemPrompt.withSummary("", messages) == messages)
        #expect(SystemPrompt.withSummary("s", [m(.system, "SOUL", 1)]).map(\.content) == ["SOUL"])
    }

    /// Turns folded into a summary in runs of whole exchanges that fit one request.
    @Test(arguments: [
        // (exchanges as token costs of user + assistant, room) → exchanges per chunk, nil: one is too big
        ([[10, 10], [10, 10], [10, 10]], 100, [3] as [Int]?),
        ([[10, 10], [10, 10], [10, 10]], 45, [2, 1]),
        ([[10, 10], [10, 10], [10, 10]], 20, [1, 1, 1]),
        ([[10, 10], [30, 30], [10, 10]], 50, nil),
        ([[10, 5, 5, 10], [10, 10]], 30, [1, 1]),
    ])
    func oldTurnsAreFoldedInChunksThatFit(exchanges: [[Int]], room: Int, expected: [Int]?) {
        var turns: [SessionMessage] = []
        for (i, costs) in exchanges.enumerated() {
            for (j, c) in costs.enumerated() { turns.append(m(j == 0 ? .user : .assistant, "e\(i)", c)) }
        }
        let chunks = Agent.chunks(turns, room: room)
        #expect(chunks?.map { $0.filter { $0.role == .user }.count } == expected)
        if let chunks {
            #expect(chunks.flatMap { $0 } == turns, "every turn is folded once, in order")
            #expect(chunks.allSatisfy { $0.first?.role == .user })
        }
    }

    @Test(arguments: [
        ([Int]?.none, 3, [0, 1, 2]), ([1, 2], 3, [1, 2]), ([2, 5], 3, [2]), ([4], 2, [0, 1]),
    ])
    func sessionsArePinnedOnlyToTheConfiguredSlotsTheServerHas(configured: [Int]?, server: Int, pool: [Int]) {
        #expect(OpenAIBackend.slotPool(configured, serverSlots: server) == pool)
    }
}

@Suite struct ChatCommandTests {
    @Test(arguments: [
        ("/new", "new", ""), ("/NEW", "new", ""), ("/status@herald_bot", "status", ""), ("  /help me", "help", "me"),
    ])
    func parsesKnownCommands(text: String, name: String, args: String) {
        #expect(ChatCommand.parse(text, botName: "herald_bot") == ChatCommand(name: name, arguments: args))
    }

    @Test(arguments: ["hello", "/unknown", "/new@other_bot", "new", "//new"])
    func leavesEverythingElseToTheModel(text: String) {
        #expect(ChatCommand.parse(text, botName: "herald_bot") == nil)
    }
}

@Suite struct BackoffTests {
    @Test func growsExponentiallyWithinTheCapAndJitter() {
        let b = Backoff(base: .seconds(1), cap: .seconds(30), jitter: 0.2)
        #expect(b.delay(after: 1, random: 0.5) == .seconds(1))
        #expect(b.delay(after: 4, random: 0.5) == .seconds(8))
        #expect(b.delay(after: 20, random: 0.5) == .seconds(30))
        #expect(b.delay(after: 3, random: 0) == .seconds(4) * 0.8)
        #expect(b.delay(after: 3, random: 1) == .seconds(4) * 1.2)
    }

    @Test func pairingCodesUseTheUnambiguousAlphabet() {
        for _ in 0..<200 {
            let code = AccessControl.makeCode()
            #expect(code.count == 8)
            #expect(code.allSatisfy { AccessControl.alphabet.contains($0) })
            #expect(!code.contains { "0O1I".contains($0) })
        }
    }
}

@Suite struct CompletionAccumulatorTests {
    @Test func foldsToolCallFragmentsUsageAndLlamaTimings() throws {
        var acc = CompletionAccumulator(model: "m")
        let events = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Let me "}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"check."}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"web_","arguments":"{\"q\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"search","arguments":"\"swift\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":40}},"timings":{"cache_n":40,"prompt_n":10,"prompt_ms":3.5,"predicted_n":9,"predicted_ms":7.0}}"#,
        ]
        var deltas: [String] = []
        for e in events { if let d = try acc.apply(e) { deltas.append(d) } }
        let r = acc.result
        #expect(deltas == ["Let me ", "check."])
        #expect(r.text == "Let me check.")
        #expect(r.toolCalls == [ToolCall(id: "c1", name: "web_search", arguments: #"{"q":"swift"}"#)])
        #expect(r.finishReason == "tool_calls")
        #expect(r.usage.promptTokens == 50)
        #expect(r.usage.cachedTokens == 40)
        #expect(r.usage.promptMilliseconds == 3.5)
    }

    @Test func rejectsEventsThatAreNotJSON() {
        var acc = CompletionAccumulator(model: "m")
        #expect(throws: CompletionAccumulator.Malformed.self) { try acc.apply(#"{"choices":[{"delta":{"content":"hel"#) }
    }
}
