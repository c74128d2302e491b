import Foundation
import HeraldCore
import HeraldStore
import Synchronization

/// The seed's claim, measured on a real llama.cpp server: a scripted day of three interleaved
/// workstreams sent (a) as one monolithic thread with every skill and tool set on, and (b)
/// through isolated sessions whose profiles carry only the skills they need.
enum ContextDay {
    struct Result {
        var name: String
        var turns = 0
        var calls = 0
        var prompt = 0
        var cached = 0
        var completion = 0
        /// Prompt and cached tokens of every call after each session's first.
        var promptAfterFirst = 0
        var cachedAfterFirst = 0
        /// System prompt and tool schemas of one request, by the server's tokenizer.
        var prefixTokens = 0
        /// The fixed prefix part by part, as `/context` shows it.
        var prefixParts: [Agent.PromptPart] = []
        var summaries = 0
        var seconds = 0.0
    }

    static let streams: [(chat: String, topic: String, asks: [String])] = [
        ("harbour", "the harbour renovation",
         ["How many crates of tiles do we still need for pier %d?", "Draft a short update for the crew about pier %d.",
          "What is the risk if the crane for pier %d arrives late?", "Plan the next three steps for pier %d.",
          "Summarise what we decided about pier %d so far."]),
        ("novel", "my novel",
         ["Suggest a title for chapter %d.", "Write two sentences that open chapter %d in a harbour town.",
          "What should the reader learn about Mara in chapter %d?", "List three plot holes to check before chapter %d.",
          "Rewrite the last line of chapter %d to sound less formal."]),
        ("garden", "the vegetable garden",
         ["Which vegetables can I sow in bed %d this week?", "How often should I water bed %d in dry weather?",
          "Write a shopping list for bed %d.", "What pests should I watch for in bed %d?",
          "Plan the rotation of bed %d for next year."]),
    ]

    /// The message of turn `i` (0-based) of a stream: a realistic length, varied content.
    static func message(_ stream: Int, _ i: Int) -> String {
        let s = streams[stream]
        let ask = String(format: s.asks[i % s.asks.count], i + 1)
        return "About \(s.topic): \(ask) Keep it practical, I am reading this on my phone between meetings."
    }

    /// Runs (a), then (b) with each history budget in `budgets`.
    static func run(llama: String, skillsDirectory: String, soul: String, turnsPerStream: Int = 20, budgets: [Int]) async throws -> [Result] {
        let catalog = SkillCatalog.load(directories: [skillsDirectory])
        let all = ProfileConfig(name: "monolith", models: ["llama"], historyTokens: 1_000_000, skills: nil, toolsets: ToolSet.known)
        let monolith = try await day(
            "(a) one monolithic thread, every skill and tool set on", llama: llama,
            profiles: [Profile(config: all, soul: soul, catalog: catalog)], chats: { _ in "day" }, turns: turnsPerStream)
        let lean: [(String, [String])] = [("harbour", ["plan-project"]), ("novel", ["write-reply"]), ("garden", ["plan-project"])]
        var results = [monolith]
        for budget in budgets {
            let profiles = lean.map { name, skills in
                Profile(
                    config: ProfileConfig(name: name, models: ["llama"], historyTokens: budget, skills: skills, toolsets: ["memory"]),
                    soul: soul, catalog: catalog)
            }
            results.append(
                try await day(
                    "(b) isolated sessions, lean profiles, \(budget)-token history budget", llama: llama, profiles: profiles,
                    chats: { streams[$0].chat }, turns: turnsPerStream))
        }
        return results
    }

    private static func day(
        _ name: String, llama: String, profiles: [Profile], chats: (Int) -> String, turns: Int
    ) async throws -> Result {
        let dir = Measure.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLStore(path: dir + "/herald.sqlite")
        let model = ModelConfig(name: "llama", url: llama + "/v1", maxTokens: 48, temperature: 0, maxConcurrent: 3)
        let backend = OpenAIBackend(config: model)
        let adapter = BenchAdapter(account: "day")
        // Every tool `herald run` would offer; each profile's tool sets pick from them.
        let config = HeraldConfig(
            stateDirectory: dir, profilesDirectory: dir, defaultProfile: profiles[0].name, models: ["llama": model],
            profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0.config) }))
        let tools = StandardTools.make(config: config, store: store, backends: ["llama": backend]).tools
        let bindings = profiles.count == 1 ? [] : streams.indices.map { Binding(chat: chats($0), profile: profiles[$0].name) }
        let agent = Agent(backends: ["llama": backend], tools: tools)
        let gateway = Gateway(
            store: store, adapters: [adapter], agent: agent,
            profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) }),
            router: Router(bindings: bindings, defaultProfile: profiles[0].name),
            access: AccessControl(store: store, config: AccessConfig()))
        let task = Task { try await gateway.run() }
        let start = ContinuousClock.now
        for i in 0..<turns {
            for s in streams.indices {
                try await adapter.roundTrip(message(s, i), chat: chats(s), direct: true)
            }
        }
        let elapsed = ContinuousClock.now - start
        gateway.stop(.inFlight)
        _ = await task.result

        var r = Result(name: name, turns: turns * streams.count)
        r.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        for summary in try await store.sessions(limit: 100) {
            let calls = try await store.usage(sessionID: summary.session.id).map(\.usage)
            r.calls += calls.count
            for (n, u) in calls.enumerated() {
                r.prompt += u.promptTokens
                r.cached += u.cachedTokens
                r.completion += u.completionTokens
                if n > 0 {
                    r.promptAfterFirst += u.promptTokens
                    r.cachedAfterFirst += u.cachedTokens
                }
            }
            r.summaries += try await store.sessionState(id: summary.session.id).summaryThrough > 0 ? 1 : 0
        }
        // The fixed part every request of the first profile carries: what /context shows for a
        // new session, without its history.
        let p = profiles[0]
        let fresh = TurnContext(
            profile: p, session: SessionRecord(id: "fixed", conversation: ConversationRef(platform: adapter.id.platform, account: adapter.id.account, chat: "fixed"), profile: p.name, createdAt: Date()),
            state: SessionState(), skills: p.enabledSkills(overrides: [:]), toolsets: Set(p.config.toolsets), sender: "bench/user", history: [])
        r.prefixParts = await agent.plan(fresh)?.parts.filter { $0.name != "history" } ?? []
        r.prefixTokens = r.prefixParts.reduce(0) { $0 + $1.tokens }
        return r
    }
}
