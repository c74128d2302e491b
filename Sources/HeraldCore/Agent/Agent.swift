import Foundation
import Synchronization

/// Runs one agent turn: builds the prompt (persona, frozen memory, skill index, summary,
/// history within budget, new message), calls the models of the chain in order, runs tool
/// calls, compacts the history when it outgrows the budget, and returns what to store.
public struct Agent: Sendable {
    public struct Outcome: Sendable {
        public var reply: String
        /// Messages to append to the session after the user's: tool calls, tool results, the reply.
        public var appended: [SessionMessage]
        public var usage: [Usage]
        /// Tokens of the user's message (exact when the server can count).
        public var userTokens: Int
        /// The backend that answered, and the ones that failed before it (name, why).
        public var answeredBy: String
        public var failed: [(model: String, error: String)]
        /// A new summary of the oldest turns, to store with the turn.
        public var compaction: Compaction?
        /// Something the person should know about this turn (a summary that failed).
        public var notice: String?
    }

    let backends: [String: any ModelBackend]
    let tools: [any AgentTool]
    /// Tool sets whose tools change while Herald runs (MCP servers).
    let providers: [any ToolProvider]
    let maxToolRounds: Int
    let tokens = TokenCounter()
    /// Windows learned from servers that refused a prompt as too long, by backend: smaller
    /// than what they reported or the default assumed, and kept for the process's life so the
    /// next turns plan for them (no notice, no failed request on every turn).
    let learned = LearnedWindows()
    let log = Logger("agent")

    public init(backends: [String: any ModelBackend], tools: [any AgentTool] = [], providers: [any ToolProvider] = [], maxToolRounds: Int = 4) {
        self.backends = backends
        self.tools = tools
        self.providers = providers
        self.maxToolRounds = maxToolRounds
    }

    /// Every tool set a session can switch: the built-in ones and each provider's (`mcp:NAME`).
    public var toolsetNames: [String] {
        var names = ToolSet.known
        for t in tools where t.toolset != ToolSet.skills && !names.contains(t.toolset) { names.append(t.toolset) }
        return names + providers.map(\.toolset)
    }

    /// The tools a turn offers: those of its enabled sets, and `skill_view` when a skill is on;
    /// none for a model whose chat template cannot carry tools.
    func offeredTools(_ context: TurnContext, for backend: any ModelBackend) async -> [any AgentTool] {
        guard await backend.supportsTools() else { return [] }
        var offered = tools.filter { context.toolsets.contains($0.toolset) || ($0.toolset == ToolSet.skills && !context.skills.isEmpty) }
        // A provider's tools in its own fixed order, after the built-in ones: the prefix stays stable.
        for p in providers where context.toolsets.contains(p.toolset) { offered += await p.currentTools() }
        return offered
    }

    public func respond(
        _ context: TurnContext, userText: String, onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        var lastError: (any Error)?
        var failed: [(String, String)] = []
        for name in context.chain {
            guard let backend = backends[name] else { continue }
            do {
                var outcome = try await respond(with: backend, context, userText: userText, onDelta: onDelta)
                outcome.failed = failed
                return outcome
            } catch let e as ModelError {
                log.warning("model failed, trying the next in the profile's chain", ["model": name, "error": e.description])
                failed.append((name, e.code.rawValue))
                lastError = e
            }
        }
        throw lastError ?? ModelError(.unavailable, backend: context.chain.first ?? "?", "no model backend configured")
    }

    /// The context window to plan for: what the server reports, capped by the profile's
    /// setting and by what a refusal of the server taught.
    func contextTokens(_ backend: any ModelBackend, _ profile: Profile) async -> Int {
        let reported = await backend.contextTokens()
        let planned: Int
        switch (reported, profile.config.contextTokens) {
        case (let r?, let p?): planned = min(r, p)
        case (let r?, nil): planned = r
        case (nil, let p?): planned = p
        case (nil, nil): planned = Self.defaultContextTokens
        }
        return min(planned, learned[backend.name] ?? .max)
    }

    /// After a refusal as too long: the window the server named, or (when it named none, or
    /// one no smaller than planned: Herald's token estimate was short) three quarters of the
    /// planned one. Never below 512 tokens.
    public static func shrunk(planned: Int, refusal limit: Int?) -> Int {
        let said = limit.flatMap { $0 > 0 && $0 < planned ? $0 : nil }
        return max(512, said ?? planned * 3 / 4)
    }

    /// The window assumed when neither the server nor the config says: what current models
    /// have at least (a tiny guess made every later turn summarise, and fail).
    public static let defaultContextTokens = 32_768

    /// One backend's answer. A prompt the server refuses as larger than its window is planned
    /// again for the window it names (the history compacted to fit) and sent once more, unless
    /// a tool already ran in this turn (running it again could repeat what it did).
    private func respond(
        with backend: any ModelBackend, _ context: TurnContext, userText: String,
        onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        var toolsRan = false
        do {
            return try await attempt(with: backend, context, userText: userText, toolsRan: &toolsRan, onDelta: onDelta)
        } catch let e as ModelError where e.code == .contextExceeded {
            let planned = await contextTokens(backend, context.profile)
            let window = Self.shrunk(planned: planned, refusal: e.limit)
            learned.lower(backend.name, to: window)
            log.warning(
                "the server refused the prompt as larger than its window; planning for a smaller one",
                ["model": backend.name, "planned": "\(planned)", "now": "\(window)", "retry": toolsRan ? "no (a tool ran)" : "yes"])
            if toolsRan { throw e }
            var again = false
            return try await attempt(with: backend, context, userText: userText, toolsRan: &again, onDelta: onDelta)
        }
    }

    private func attempt(
        with backend: any ModelBackend, _ context: TurnContext, userText: String, toolsRan: inout Bool,
        onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        let userTokens = await tokens.count(userText, backend)
        let user = SessionMessage(role: .user, content: userText, tokens: userTokens)
        let offered = await offeredTools(context, for: backend)
        let prepared = try await prepareHistory(context, backend: backend, tools: offered.map(\.spec), userTokens: userTokens)
        var progress = AgentCheckpoint(
            backend: backend.name, messages: SystemPrompt.withSummary(prepared.summary, prepared.messages + [user]), appended: [],
            usage: prepared.usage, userTokens: userTokens, round: 0, pending: [], compaction: prepared.compaction, notice: prepared.notice)
        return try await loop(&progress, backend: backend, offered: offered, context: context, toolsRan: &toolsRan, onDelta: onDelta)
    }

    /// Goes on with a turn that waited for the person: the call asked about runs (approved) or
    /// gets a result saying why not, then the turn continues where it stood.
    public func resume(
        _ checkpoint: AgentCheckpoint, decision: ApprovalDecision, by who: String, context: TurnContext,
        onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        guard let backend = backends[checkpoint.backend] ?? context.chain.lazy.compactMap({ backends[$0] }).first else {
            throw ModelError(.unavailable, backend: checkpoint.backend, "no model backend configured")
        }
        var progress = checkpoint
        guard let call = progress.pending.first else { throw ModelError(.badResponse, backend: backend.name, "nothing to resume") }
        // After a restart the approved tool's server may still be starting: give it a while.
        var offered = await offeredTools(context, for: backend)
        let deadline = ContinuousClock.now + .seconds(30)
        while decision == .approved, !offered.contains(where: { $0.spec.name == call.name }), ContinuousClock.now < deadline,
            providers.contains(where: { context.toolsets.contains($0.toolset) && $0.unavailable != nil })
        {
            try await Task.sleep(for: .milliseconds(200))
            offered = await offeredTools(context, for: backend)
        }
        progress.pending.removeFirst()
        let result: String
        switch decision {
        case .approved: result = await run(call, offered: offered, context: context)
        case .denied: result = "error: \(who) did not approve this call, so it was not run"
        case .expired: result = "error: nobody approved this call in time, so it was not run"
        }
        record(result, for: call, in: &progress)
        var toolsRan = true
        return try await loop(&progress, backend: backend, offered: offered, context: context, toolsRan: &toolsRan, onDelta: onDelta)
    }

    private func record(_ result: String, for call: ToolCall, in progress: inout AgentCheckpoint) {
        let m = SessionMessage(role: .tool, content: result, tokens: OpenAIBackend.estimateTokens(result), toolCallID: call.id)
        progress.messages.append(m)
        progress.appended.append(m)
    }

    /// The model and tool rounds from `progress` on. A call of a tool that needs approval
    /// stops the loop with `AwaitingApproval` (the calls before it have run).
    private func loop(
        _ progress: inout AgentCheckpoint, backend: any ModelBackend, offered: [any AgentTool], context: TurnContext,
        toolsRan: inout Bool, onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        let specs = offered.map(\.spec)
        while true {
            while let c = progress.pending.first {
                if let tool = offered.first(where: { $0.spec.name == c.name }), let arguments = try? ToolArguments(json: c.arguments) {
                    var need = tool.approval(for: arguments, context: context.toolContext)
                    // A helper has nobody to ask: what would need approval is refused there.
                    if need == .ask && context.depth > 0 { need = .refused("a helper cannot ask for approval; the profile's run_allow decides") }
                    switch need {
                    case .ask:
                        throw AwaitingApproval(
                            checkpoint: progress, tool: tool.approvalName, arguments: c.arguments,
                            question: tool.approvalQuestion(for: arguments, context: context.toolContext))
                    case .refused(let why):
                        progress.pending.removeFirst()
                        record("error: refused by this profile's policy: \(why)", for: c, in: &progress)
                        continue
                    case .none: break
                    }
                }
                progress.pending.removeFirst()
                toolsRan = true
                record(await run(c, offered: offered, context: context), for: c, in: &progress)
            }
            if progress.round > maxToolRounds { throw ModelError(.badResponse, backend: backend.name, "tool rounds exhausted") }
            let round = progress.round
            let response = try await backend.complete(
                ModelRequest(messages: progress.messages, tools: round < maxToolRounds ? specs : [], sessionID: context.session.id),
                onDelta: onDelta)
            progress.usage.append(response.usage)
            progress.round += 1
            guard !response.toolCalls.isEmpty, round < maxToolRounds else {
                let reply = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
                progress.appended.append(SessionMessage(role: .assistant, content: reply, tokens: response.usage.completionTokens))
                return Outcome(
                    reply: reply, appended: progress.appended, usage: progress.usage, userTokens: progress.userTokens,
                    answeredBy: backend.name, failed: [], compaction: progress.compaction, notice: progress.notice)
            }
            let call = SessionMessage(
                role: .assistant, content: response.text, tokens: response.usage.completionTokens, toolCalls: response.toolCalls)
            progress.messages.append(call)
            progress.appended.append(call)
            progress.pending = response.toolCalls
        }
    }

    private func run(_ call: ToolCall, offered: [any AgentTool], context: TurnContext) async -> String {
        guard let tool = offered.first(where: { $0.spec.name == call.name }) else {
            return "error: there is no tool named \(call.name) in this session"
        }
        do {
            return try await tool.call(arguments: try ToolArguments(json: call.arguments), context: context.toolContext)
        } catch let e as ToolError {
            return "error: \(e.message)"
        } catch {
            log.error("tool failed", ["tool": call.name, "error": "\(error)"])
            return "error: the tool failed (\(error))"
        }
    }
}

/// The windows learned from refusals, by backend name; they only ever get smaller.
final class LearnedWindows: Sendable {
    private let windows = Mutex<[String: Int]>([:])

    subscript(backend: String) -> Int? { windows.withLock { $0[backend] } }

    func lower(_ backend: String, to window: Int) {
        windows.withLock { $0[backend] = min(window, $0[backend] ?? .max) }
    }
}

/// Token counts by text, so the parts of the prompt that do not change between turns (the
/// system prompt, the tool schemas) are counted by the server's tokenizer once, not per turn.
final class TokenCounter: Sendable {
    private let cache = Mutex<[String: Int]>([:])

    func count(_ text: String, _ backend: any ModelBackend) async -> Int {
        if text.isEmpty { return 0 }
        let key = backend.name + "\u{0}" + text
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let n = await backend.countTokens(text) ?? OpenAIBackend.estimateTokens(text)
        cache.withLock { c in
            if c.count > 512 { c.removeAll() }
            c[key] = n
        }
        return n
    }

    /// The tokens `tools` add to a request: the server's own rendering where it can tell,
    /// else Herald's rendering counted by its tokenizer.
    func tools(_ specs: [ToolSpec], _ backend: any ModelBackend) async -> Int {
        if specs.isEmpty { return 0 }
        let key = backend.name + "\u{1}" + specs.map(\.name).joined(separator: ",")
        if let hit = cache.withLock({ $0[key] }) { return hit }
        guard let n = await backend.countToolTokens(specs) else { return await count(SystemPrompt.toolsText(specs), backend) }
        cache.withLock { $0[key] = n }
        return n
    }
}
