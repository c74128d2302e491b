import Foundation

/// A tool the agent can run for the model. The core runs it; the model never decides where
/// a reply goes or who may talk.
public protocol AgentTool: Sendable {
    var spec: ToolSpec { get }
    func call(arguments: String, session: SessionRecord) async throws -> String
}

/// Runs one agent turn: builds the prompt (persona, history within budget, new message),
/// calls the profile's models in fallback order, runs tool calls, and returns what to store.
public struct Agent: Sendable {
    public struct Outcome: Sendable {
        public var reply: String
        /// Messages to append to the session after the user's: tool calls, tool results, the reply.
        public var appended: [SessionMessage]
        public var usage: [Usage]
        /// Tokens of the user's message (exact when the server can count).
        public var userTokens: Int
    }

    let backends: [String: any ModelBackend]
    let tools: [any AgentTool]
    let maxToolRounds: Int
    let log = Logger("agent")

    public init(backends: [String: any ModelBackend], tools: [any AgentTool] = [], maxToolRounds: Int = 4) {
        self.backends = backends
        self.tools = tools
        self.maxToolRounds = maxToolRounds
    }

    /// The prompt for a turn. The first message is the persona alone: no time, no counters,
    /// byte-identical on every turn, so the server's prompt cache keeps the prefix.
    public static func prompt(
        soul: String, history: [SessionMessage], user: SessionMessage, budget: Int
    ) -> [SessionMessage] {
        var kept: [SessionMessage] = []
        var used = 0
        for m in history.reversed() {
            let cost = m.tokens > 0 ? m.tokens : OpenAIBackend.estimateTokens(m.content)
            if used + cost > budget { break }
            used += cost
            kept.append(m)
        }
        kept.reverse()
        // Never start the window in the middle of an exchange: drop leading assistant/tool messages.
        while let first = kept.first, first.role != .user { kept.removeFirst() }
        return [SessionMessage(role: .system, content: soul)] + kept + [user]
    }

    public func respond(
        profile: Profile, session: SessionRecord, history: [SessionMessage], userText: String,
        onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        var lastError: (any Error)?
        for name in profile.config.models {
            guard let backend = backends[name] else { continue }
            do {
                return try await respond(
                    with: backend, profile: profile, session: session, history: history, userText: userText, onDelta: onDelta)
            } catch let e as ModelError {
                log.warning("model failed, trying the next in the profile's chain", ["model": name, "error": e.description])
                lastError = e
            }
        }
        throw lastError ?? ModelError(.unavailable, backend: profile.config.models.first ?? "?", "no model backend configured")
    }

    private func respond(
        with backend: any ModelBackend, profile: Profile, session: SessionRecord, history: [SessionMessage],
        userText: String, onDelta: @escaping @Sendable (String) async -> Void
    ) async throws -> Outcome {
        let userTokens = await backend.countTokens(userText) ?? OpenAIBackend.estimateTokens(userText)
        let user = SessionMessage(role: .user, content: userText, tokens: userTokens)
        var budget = profile.config.historyTokens
        if let context = await backend.contextTokens() {
            let soulTokens = OpenAIBackend.estimateTokens(profile.soul)
            // Leave room for the persona, the new message and the answer.
            budget = min(budget, context - soulTokens - userTokens - context / 4)
        }
        var messages = Self.prompt(soul: profile.soul, history: history, user: user, budget: max(0, budget))
        var appended: [SessionMessage] = []
        var usage: [Usage] = []
        let specs = tools.map(\.spec)
        for round in 0...maxToolRounds {
            let response = try await backend.complete(
                ModelRequest(messages: messages, tools: round < maxToolRounds ? specs : [], sessionID: session.id),
                onDelta: onDelta)
            usage.append(response.usage)
            guard !response.toolCalls.isEmpty, round < maxToolRounds else {
                let reply = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
                let final = SessionMessage(role: .assistant, content: reply, tokens: response.usage.completionTokens)
                appended.append(final)
                return Outcome(reply: reply, appended: appended, usage: usage, userTokens: userTokens)
            }
            let call = SessionMessage(role: .assistant, content: response.text, tokens: response.usage.completionTokens, toolCalls: response.toolCalls)
            messages.append(call)
            appended.append(call)
            for c in response.toolCalls {
                let result: String
                if let tool = tools.first(where: { $0.spec.name == c.name }) {
                    do {
                        result = try await tool.call(arguments: c.arguments, session: session)
                    } catch {
                        result = "error: \(error)"
                    }
                } else {
                    result = "error: there is no tool named \(c.name)"
                }
                let m = SessionMessage(role: .tool, content: result, tokens: OpenAIBackend.estimateTokens(result), toolCallID: c.id)
                messages.append(m)
                appended.append(m)
            }
        }
        throw ModelError(.badResponse, backend: backend.name, "tool rounds exhausted")
    }
}
