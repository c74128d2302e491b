import Foundation

extension Agent {
    /// The prompt before the new message, and what making it cost.
    struct Prepared {
        var messages: [SessionMessage]
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
        for p in SystemPrompt.parts(
            soul: context.profile.soul, memory: context.state.frozenMemory, skills: context.skills, summary: context.state.summary)
        {
            let detail = p.name == "skill index" ? "\(context.skills.count) skills" : "\(p.text.count) chars"
            parts.append(PromptPart(name: p.name, tokens: await tokens.count(p.text, backend), detail: detail))
        }
        let toolsWork = await backend.supportsTools()
        let specs = await offeredTools(context, for: backend).map(\.spec)
        parts.append(
            PromptPart(
                name: "tool schemas", tokens: await tokens.tools(specs, backend),
                detail: !toolsWork
                    ? "none: \(name)'s chat template has no tools" : specs.isEmpty ? "none" : specs.map(\.name).joined(separator: ", ")))
        let kept = Self.window(context.history, budget: context.profile.config.historyTokens)
        parts.append(PromptPart(name: "history", tokens: kept.reduce(0) { $0 + Self.cost($1) }, detail: "\(kept.count) messages"))
        return (parts, window, name)
    }

    /// Builds the system prompt and the history that fits. When the history outgrows its
    /// budget, the oldest turns are summarised by the same model; they stay in the store.
    func prepareHistory(_ context: TurnContext, backend: any ModelBackend, tools: [ToolSpec], userTokens: Int) async throws -> Prepared {
        let profile = context.profile
        let window = await contextTokens(backend, profile)
        var summary = context.state.summary
        func system() -> SessionMessage {
            SessionMessage(
                role: .system,
                content: SystemPrompt.text(soul: profile.soul, memory: context.state.frozenMemory, skills: context.skills, summary: summary))
        }
        let toolTokens = await tokens.tools(tools, backend)
        let fixed = await tokens.count(system().content, backend) + toolTokens + userTokens
        // A quarter of the window stays free for the answer.
        let budget = max(0, min(profile.config.historyTokens, window - fixed - window / 4))
        var history = context.history
        let total = history.reduce(0) { $0 + Self.cost($1) }
        guard total > budget else { return Prepared(messages: [system()] + Self.window(history, budget: budget)) }
        // When the persona, memory and summary alone fill the window, summarising again cannot
        // help (and would call the model every turn): keep the window and say so in the log.
        guard budget >= 64 else {
            log.warning("the system prompt leaves no room for history", ["session": String(context.session.id.prefix(8)), "budget": "\(budget)"])
            return Prepared(messages: [system()] + Self.window(history, budget: budget))
        }

        // Keep the newest turns within half the budget; summarise everything before them.
        let kept = Self.window(history, budget: budget / 2)
        let older = Array(history.prefix(history.count - kept.count))
        guard let through = older.last?.id, older.contains(where: { $0.role == .user }) else {
            return Prepared(messages: [system()] + Self.window(history, budget: budget))
        }
        var prepared = Prepared(messages: [])
        do {
            let (text, usage) = try await summarise(older, previous: summary, backend: backend, session: context.session.id)
            prepared.usage.append(usage)
            summary = text
            prepared.compaction = Compaction(summary: text, through: through)
            history = kept
            log.info("history summarised", ["session": String(context.session.id.prefix(8)), "turns": "\(older.count)"])
        } catch let e as ModelError where e.code != .unavailable {
            // Never drop history silently: the person is told, and the turns stay stored.
            log.warning("could not summarise the oldest turns", ["error": e.description])
            prepared.notice = "Older messages of this session no longer fit and could not be summarised (\(e.code.rawValue)); they were left out of this answer but are kept."
            history = Self.window(history, budget: budget)
        }
        prepared.messages = [system()] + history
        return prepared
    }

    private func summarise(_ turns: [SessionMessage], previous: String?, backend: any ModelBackend, session: String) async throws -> (String, Usage) {
        let transcript = turns.filter { $0.role == .user || ($0.role == .assistant && !$0.content.isEmpty) }
            .map { "\($0.role.rawValue): \($0.content)" }.joined(separator: "\n")
        var request = "Conversation:\n\(transcript)\n\nWrite a summary of it in at most 120 words."
        if let previous { request = "Summary so far:\n\(previous)\n\n" + request + " Fold the summary so far into it." }
        let response = try await backend.complete(
            ModelRequest(
                messages: [
                    SessionMessage(role: .system, content: "You summarise conversations. Keep facts, decisions, names, numbers and open questions."),
                    SessionMessage(role: .user, content: request),
                // The session's own slot: the summary changes the prompt anyway, and another
                // slot would evict a different session's cache.
                ], maxTokens: 256, temperature: 0.2, sessionID: session),
            onDelta: { _ in })
        // A model that ignores max_tokens must not grow the summary (and every prompt) without end.
        let text = String(response.text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(Self.maxSummaryCharacters))
        guard !text.isEmpty else { throw ModelError(.badResponse, backend: backend.name, "the summary came back empty") }
        return (text, response.usage)
    }

    /// About 500 tokens: a summary longer than this is cut.
    static let maxSummaryCharacters = 2000

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
