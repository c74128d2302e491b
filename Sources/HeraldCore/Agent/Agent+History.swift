import Foundation

extension Agent {
    /// The prompt before the new message, and what making it cost.
    struct Prepared {
        /// The system prompt and the history that fits, without the summary.
        var messages: [SessionMessage]
        /// The summary to open the history with (new if this turn compacted).
        var summary: String?
        var usage: [Usage] = []
        var compaction: Compaction?
        var notice: String?
    }

    /// One part of the next prompt, for `/context`.
    public struct PromptPart: Sendable, Equatable {
        public var name: String
        public var tokens: Int
        public var detail: String
    }

    /// What the next prompt of `context` holds, part by part, counted with `backend`'s tokenizer.
    public func plan(_ context: TurnContext) async -> (parts: [PromptPart], window: Int, model: String)? {
        guard let name = context.chain.first(where: { backends[$0] != nil }), let backend = backends[name] else { return nil }
        let window = await contextTokens(backend, context.profile)
        var parts: [PromptPart] = []
        for p in SystemPrompt.parts(soul: context.profile.soul, memory: context.state.frozenMemory, skills: context.skills) {
            let detail = p.name == "skill index" ? "\(context.skills.count) skills" : "\(p.text.count) chars"
            parts.append(PromptPart(name: p.name, tokens: await tokens.count(p.text, backend), detail: detail))
        }
        let toolsWork = await backend.supportsTools()
        let offered = await offeredTools(context, for: backend)
        let specs = offered.map(\.spec)
        // Each set's share, and the sets that are on but offer nothing now (a server down).
        var sets: [String] = []
        for set in offered.map(\.toolset).reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
            let its = offered.filter { $0.toolset == set }.map(\.spec)
            sets.append("\(set) ~\(await tokens.tools(its, backend)): \(its.map(\.name).joined(separator: ", "))")
        }
        for p in providers where context.toolsets.contains(p.toolset) {
            if let why = p.unavailable { sets.append("\(p.toolset): \(why), its tools are not offered") }
        }
        parts.append(
            PromptPart(
                name: "tool schemas", tokens: await tokens.tools(specs, backend),
                detail: !toolsWork ? "none: \(name)'s chat template has no tools" : sets.isEmpty ? "none" : sets.joined(separator: "; ")))
        if let block = SystemPrompt.summaryBlock(context.state.summary) {
            parts.append(PromptPart(name: "summary", tokens: await tokens.count(block, backend), detail: "\(block.count) chars"))
        }
        let kept = Self.window(context.history, budget: context.profile.config.historyTokens)
        parts.append(PromptPart(name: "history", tokens: kept.reduce(0) { $0 + Self.cost($1) }, detail: "\(kept.count) messages"))
        return (parts, window, name)
    }

    /// Builds the system prompt and the history that fits. When the history outgrows its
    /// budget, the oldest turns are summarised by the same model; they stay in the store.
    ///
    /// Compaction is shaped for llama.cpp's prompt cache: the summary request is the session's
    /// own prompt up to the oldest turns plus one instruction, so the server reuses what it has
    /// cached for the session; and the summary is not part of the system prompt, so the persona,
    /// skill index and tool schemas stay cached for the turn after it.
    func prepareHistory(_ context: TurnContext, backend: any ModelBackend, tools: [ToolSpec], userTokens: Int) async throws -> Prepared {
        let profile = context.profile
        let window = await contextTokens(backend, profile)
        let system = SessionMessage(
            role: .system, content: SystemPrompt.text(soul: profile.soul, memory: context.state.frozenMemory, skills: context.skills))
        var prepared = Prepared(messages: [], summary: context.state.summary)
        let summaryTokens = await tokens.count(SystemPrompt.summaryBlock(prepared.summary) ?? "", backend)
        // What every request of this session carries: the system prompt and the tool schemas.
        let prefix = await tokens.count(system.content, backend) + tokens.tools(tools, backend)
        let fixed = prefix + summaryTokens + userTokens
        // A quarter of the window stays free for the answer.
        let budget = max(0, min(profile.config.historyTokens, window - fixed - window / 4))
        let history = context.history
        let total = history.reduce(0) { $0 + Self.cost($1) }
        guard total > budget else {
            prepared.messages = [system] + Self.window(history, budget: budget)
            return prepared
        }
        // When the persona, memory and summary alone fill the window, summarising again cannot
        // help (and would call the model every turn): keep the window and say so in the log.
        guard budget >= 64 else {
            log.warning("the system prompt leaves no room for history", ["session": String(context.session.id.prefix(8)), "budget": "\(budget)"])
            prepared.messages = [system] + Self.window(history, budget: budget)
            return prepared
        }

        // Keep the newest turns within half the budget; summarise everything before them.
        let kept = Self.window(history, budget: budget / 2)
        let older = Array(history.prefix(history.count - kept.count))
        guard let through = older.last?.id, older.contains(where: { $0.role == .user }) else {
            prepared.messages = [system] + Self.window(history, budget: budget)
            return prepared
        }
        // Normally one request. Turns that would not fit the window in one summary request
        // (a long history meeting a smaller model after `/model`, a huge tool result) are folded
        // in chunks, oldest first, each into the summary so far.
        let room = window - prefix - Self.maxSummaryTokens - Self.summaryAnswerTokens - 64
        do {
            guard let chunks = Self.chunks(older, room: room) else {
                throw ModelError(.badResponse, backend: backend.name, "one exchange is larger than the room for a summary request (\(room) tokens)")
            }
            for chunk in chunks {
                let (text, usage) = try await summarise(
                    SystemPrompt.withSummary(prepared.summary, [system] + chunk), tools: tools, backend: backend, session: context.session.id)
                prepared.usage.append(usage)
                prepared.summary = text
            }
            prepared.compaction = Compaction(summary: prepared.summary ?? "", through: through)
            prepared.messages = [system] + kept
            log.info("history summarised", ["session": String(context.session.id.prefix(8)), "turns": "\(older.count)", "requests": "\(chunks.count)"])
        } catch let e as ModelError where e.code != .unavailable {
            // Never drop history silently: the person is told, and the turns stay stored.
            log.warning("could not summarise the oldest turns", ["error": e.description])
            prepared.summary = context.state.summary
            prepared.notice = "Older messages of this session no longer fit and could not be summarised (\(e.code.rawValue)); they were left out of this answer but are kept."
            prepared.messages = [system] + Self.window(history, budget: budget)
        }
        return prepared
    }

    /// Asks for a summary of `prompt` (the system prompt and the turns to fold, the earlier
    /// summary at their start). The tools go along unused (`tool_choice: none`) because the
    /// chat template renders them into the system block: without them the cached prefix breaks.
    private func summarise(_ prompt: [SessionMessage], tools: [ToolSpec], backend: any ModelBackend, session: String) async throws
        -> (String, Usage)
    {
        let ask = SessionMessage(role: .user, content: Self.summaryRequest)
        let response = try await backend.complete(
            ModelRequest(messages: prompt + [ask], tools: tools, toolChoice: .none, maxTokens: Self.summaryAnswerTokens, temperature: 0.2, sessionID: session),
            onDelta: { _ in })
        // A model that ignores max_tokens must not grow the summary (and every prompt) without end.
        let text = String(response.text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(Self.maxSummaryCharacters))
        guard !text.isEmpty else { throw ModelError(.badResponse, backend: backend.name, "the summary came back empty") }
        return (text, response.usage)
    }

    /// The instruction that asks for a summary, after the turns it folds.
    public static let summaryRequest = """
        Pause the conversation: write a summary of everything above (including any earlier summary) in at most 120 words. \
        Keep facts, decisions, names, numbers and open questions. Reply with the summary only.
        """

    /// About 500 tokens: a summary longer than this is cut.
    static let maxSummaryCharacters = 2000
    /// Room kept for the summary so far in a summary request, and for the new one.
    static let maxSummaryTokens = 600
    static let summaryAnswerTokens = 256

    /// `turns` cut into runs of whole exchanges (each starting at a user message) that cost at
    /// most `room` tokens each; nil when one exchange alone is larger.
    static func chunks(_ turns: [SessionMessage], room: Int) -> [[SessionMessage]]? {
        var chunks: [[SessionMessage]] = []
        var exchange: [SessionMessage] = []
        var current: [SessionMessage] = []
        var used = 0
        func close() -> Bool {
            let c = exchange.reduce(0) { $0 + cost($1) }
            guard c <= room else { return false }
            if used + c > room, !current.isEmpty {
                chunks.append(current)
                (current, used) = ([], 0)
            }
            current += exchange
            used += c
            exchange = []
            return true
        }
        for m in turns {
            if m.role == .user, !exchange.isEmpty, !close() { return nil }
            exchange.append(m)
        }
        if !exchange.isEmpty, !close() { return nil }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    static func cost(_ m: SessionMessage) -> Int { m.tokens > 0 ? m.tokens : OpenAIBackend.estimateTokens(m.content) }

    /// The newest messages that fit `budget`, starting at a user message (never mid-exchange).
    public static func window(_ history: [SessionMessage], budget: Int) -> [SessionMessage] {
        var kept: [SessionMessage] = []
        var used = 0
        for m in history.reversed() {
            let c = cost(m)
            if used + c > budget { break }
            used += c
            kept.append(m)
        }
        kept.reverse()
        while let first = kept.first, first.role != .user { kept.removeFirst() }
        return kept
    }
}
