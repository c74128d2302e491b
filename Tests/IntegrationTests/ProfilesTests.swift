import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// Profiles, skills, tool sets and memory, checked on the requests the model server receives.
@Suite(.serialized) struct ProfilesTests {
    static func skill(_ name: String, _ description: String) -> Skill {
        Skill(name: name, description: description, body: "Steps of \(name).", tags: [], requiredTools: [], path: "")
    }

    @Test(arguments: StoreKind.allCases) func twoProfilesBoundToTwoConversationsEachSeeOnlyTheirOwnSoulAndModel(store kind: StoreKind) async throws {
        let modelA = try StubOpenAIServer()
        let modelB = try StubOpenAIServer()
        defer { modelA.stop(); modelB.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["small": modelA.baseURL, "big": modelB.baseURL],
            profiles: [
                Profile(config: ProfileConfig(name: "scout", models: ["small"]), soul: "You are SCOUT, terse."),
                Profile(config: ProfileConfig(name: "sage", models: ["big"]), soul: "You are SAGE, thorough."),
            ],
            bindings: [Binding(chat: "ops", profile: "scout"), Binding(chat: "study", profile: "sage")], storeKind: kind)
        try await adapter.receive("ops question", chat: "ops")
        try await adapter.receive("study question", chat: "study")
        try await adapter.waitFor("both replies") { $0.count == 2 }
        await h.shutdown()
        let a = modelA.requests.map { $0.map(\.content).joined(separator: "\n") }
        let b = modelB.requests.map { $0.map(\.content).joined(separator: "\n") }
        #expect(a.count == 1 && b.count == 1, "each profile used its own model")
        #expect(a.allSatisfy { $0.contains("SCOUT") && !$0.contains("SAGE") && !$0.contains("study") })
        #expect(b.allSatisfy { $0.contains("SAGE") && !$0.contains("SCOUT") && !$0.contains("ops") })
    }

    @Test(arguments: StoreKind.allCases) func switchingASkillAndAToolSetOffRemovesThemFromTheNextRequestAndFromContext(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let catalog = SkillCatalog(skills: [
            "brief": Self.skill("brief", "Write the morning brief of open tasks and deadlines."),
            "reply": Self.skill("reply", "Draft a reply to a forwarded message in the person's voice."),
        ])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.", catalog: catalog)
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [profile], storeKind: kind)
        func total(_ reply: String) -> Int? {
            reply.split(separator: "\n").first { $0.hasPrefix("total: ") }.flatMap { Int($0.dropFirst(7).prefix { $0.isNumber }) }
        }
        try await adapter.receive("/context", chat: "c")
        try await adapter.receive("first", chat: "c")
        try await adapter.receive("/skill off brief", chat: "c")
        try await adapter.receive("/toolset off memory", chat: "c")
        try await adapter.receive("/context", chat: "c")
        try await adapter.receive("second", chat: "c")
        try await adapter.waitFor("six replies") { $0.count == 6 }
        await h.shutdown()

        let replies = adapter.texts(in: "c")
        let before = try #require(total(replies[0]), "the /context reply: \(replies[0])")
        let after = try #require(total(replies[4]), "the /context reply: \(replies[4])")
        #expect(replies[0].contains("skill index") && replies[0].contains("tool schemas"))
        #expect(after < before, "/context shows the drop: \(before) → \(after)")

        let first = model.requests[0][0].content
        let second = model.requests[1][0].content
        #expect(first.contains("- brief: Write the morning brief") && first.contains("- reply: Draft a reply"))
        #expect(!second.contains("brief:") && second.contains("- reply: Draft a reply"), "the skill's line is gone")
        #expect(model.toolRequests[0].sorted() == ["memory", "session_search", "skill_view"])
        #expect(model.toolRequests[1].sorted() == ["session_search", "skill_view"], "the memory schema is not sent at all")
    }

    @Test(arguments: StoreKind.allCases) func whatThePersonToldOneSessionNeverReachesAnotherPersonsPrompt(store kind: StoreKind) async throws {
        // The model saves a note when asked to remember, through the real memory tool.
        let model = try StubOpenAIServer { messages in
            if messages.last?.role == "tool" { return .text("noted") }
            if let last = messages.last(where: { $0.role == "user" })?.content, last.hasPrefix("remember") {
                return .toolCall(name: "memory", arguments: #"{"action":"add","target":"user","text":"likes green tea"}"#)
            }
            return StubOpenAIServer.echo(messages)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice", "bob"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], storeKind: kind)
        try await adapter.receive("remember that I like green tea", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.waitFor("the note") { $0.count == 1 }
        try await adapter.receive("/new", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.receive("good morning", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.receive("good morning", chat: "bob-dm", from: "bob", direct: true)
        try await adapter.receive("good morning", chat: "team", from: "alice", direct: false)
        try await adapter.waitFor("four more replies") { $0.count == 5 }
        await h.shutdown()

        #expect(adapter.texts(in: "alice-dm").first == "noted")
        let mornings = model.requests.filter { $0.last?.content.hasSuffix("good morning") == true }
        #expect(mornings.count == 3)
        let prompts = mornings.map { $0[0].content }
        #expect(prompts.filter { $0.contains("likes green tea") }.count == 1, "only alice's own direct session: \(prompts)")
        let store = h.store
        #expect(try await store.memory(MemoryKey(profile: "default", scope: .user, owner: "scripted/alice")) == ["likes green tea"])
        #expect(try await store.memory(MemoryKey(profile: "default", scope: .user, owner: "scripted/bob")).isEmpty)
        // Which prompt held it: the memory each session froze at its start.
        func frozen(_ chat: String) async throws -> String {
            let session = try await store.activeSession(for: adapter.conversation(chat), profile: "default")
            return try await store.sessionState(id: session.id).frozenMemory ?? ""
        }
        #expect(try await frozen("alice-dm").contains("likes green tea"))
        #expect(try await !frozen("bob-dm").contains("green tea"), "another person never sees it")
        #expect(try await !frozen("team").contains("green tea"), "nor does a group, even with alice in it")
    }

    @Test(arguments: StoreKind.allCases) func sessionSearchFindsThisPersonsEarlierSessionsAndNobodyElses(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in
            if let tool = messages.last, tool.role == "tool" { return .text("found: " + tool.content) }
            if messages.last(where: { $0.role == "user" })?.content == "search the harbour" {
                return .toolCall(name: "session_search", arguments: #"{"query":"harbour"}"#)
            }
            return StubOpenAIServer.echo(messages)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice", "bob"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], storeKind: kind)
        try await adapter.receive("the harbour opens in June", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.receive("the harbour code is 4711", chat: "bob-dm", from: "bob", direct: true)
        try await adapter.waitFor("two replies") { $0.count == 2 }
        try await adapter.receive("/new", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.receive("search the harbour", chat: "alice-dm", from: "alice", direct: true)
        try await adapter.waitFor("the search") { $0.count == 4 }
        await h.shutdown()
        let found = try #require(adapter.texts(in: "alice-dm").last)
        #expect(found.hasPrefix("found: ") && found.contains("June"), "\(found)")
        #expect(!found.contains("4711"), "bob's sessions are not searched")
    }

    @Test(arguments: StoreKind.allCases) func aSummaryThatFailsIsToldToThePersonAndLosesNoHistory(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in
            messages.last?.content == Agent.summaryRequest ? .status(400) : StubOpenAIServer.echo(messages)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"], historyTokens: 64), soul: "You are a test.")], storeKind: kind)
        let long = String(repeating: "tiles for the harbour, ", count: 8)
        for i in 1...3 {
            try await adapter.receive("\(i) \(long)", chat: "c")
        }
        try await adapter.waitFor("three answers") { $0.filter { $0.message.text.hasPrefix("echo:") }.count == 3 }
        await h.shutdown()
        let notices = adapter.texts(in: "c").filter { $0.contains("could not be summarised") }
        #expect(!notices.isEmpty, "the person is told")
        let session = try await h.store.activeSession(for: adapter.conversation("c"), profile: "default")
        #expect(try await h.store.history(sessionID: session.id, limit: 100).filter { $0.role == .user }.count == 3, "nothing was dropped from the store")
        #expect(try await h.store.sessionState(id: session.id).summary == nil)
    }

    /// A history too long for one summary request within the window (a long session meeting a
    /// smaller model) is folded in several requests, each into the summary so far: nothing is
    /// left out and no request overflows.
    @Test(arguments: StoreKind.allCases) func aHistoryTooLongForOneSummaryRequestIsFoldedInChunks(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in
            messages.last?.content == Agent.summaryRequest
                ? .text("summary of \(messages.count - 2) messages") : StubOpenAIServer.echo(messages)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let window = 1400
        // About 105 tokens an exchange; the turns to fold (half the budget and more) need more
        // room than a window of 1,400 leaves beside the summary and the answer.
        let config = ProfileConfig(name: "default", models: ["stub"], historyTokens: 980, toolsets: [], contextTokens: window)
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL], profiles: [Profile(config: config, soul: "You are a test.")], storeKind: kind)
        let long = String(repeating: "tiles for the harbour, ", count: 15)
        for i in 1...12 {
            try await adapter.receive("\(i) \(long)", chat: "c")
            try await adapter.waitFor("answer \(i)") { $0.count == i }
        }
        await h.shutdown()
        #expect(adapter.texts(in: "c").allSatisfy { !$0.contains("could not be summarised") })
        let summaries = model.requests.filter { $0.last?.content == Agent.summaryRequest }
        try #require(summaries.count >= 2, "\(summaries.count) summary requests")
        for request in summaries {
            let tokens = request.reduce(0) { $0 + OpenAIBackend.estimateTokens($1.content) }
            #expect(tokens + 256 <= window, "a summary request of \(tokens) tokens leaves room for the answer")
        }
        // The second request folds the first one's summary, and every user turn was folded once.
        #expect(summaries[1].dropFirst().first?.content.hasPrefix(SystemPrompt.summaryHeader + "\nsummary of") == true)
        let folded = summaries.flatMap { $0.dropFirst().dropLast() }.filter { $0.role == "user" }.compactMap { m in
            m.content.split(separator: "\n").last.flatMap { Int($0.split(separator: " ").first ?? "") }
        }
        #expect(folded == Array(1...folded.count), "turns folded in order, none twice: \(folded)")
        let session = try await h.store.activeSession(for: adapter.conversation("c"), profile: "default")
        #expect(try await h.store.sessionState(id: session.id).summary?.hasPrefix("summary of") == true)
    }

    @Test(arguments: StoreKind.allCases) func stopCancelsTheRunningTurnAndNothingOfItIsDelivered(store kind: StoreKind) async throws {
        let gate = StubOpenAIServer.Gate()
        let model = try StubOpenAIServer { _ in .gated(gate, "too late") }
        defer { gate.open(); model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)
        try await adapter.receive("write me an essay", chat: "c")
        try await withDeadline(30, "the request to reach the model") { await gate.waitUntilHeld() }
        try await adapter.receive("/stop", chat: "c")
        try await adapter.waitFor("the /stop reply") { $0.count == 1 }
        gate.open()
        try await adapter.receive("/status", chat: "c")
        try await adapter.waitFor("the next reply") { $0.count == 2 }
        await h.shutdown()
        let texts = adapter.texts(in: "c")
        #expect(texts[0].hasPrefix("Stopped."))
        #expect(!texts.contains("too late"), "the cancelled answer is never delivered")
                #expect(try await inboxCounts(h.store) == ["done": 2, "failed": 1])
    }
}
