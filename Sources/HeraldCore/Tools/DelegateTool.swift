import Foundation

/// `delegate`: fans a list of independent tasks out to ephemeral clones of the agent (same
/// profile and model, each in a fresh session holding only its goal and context), at most
/// `maxConcurrent` at once, and returns their results in task order. A failed child reports its
/// error without sinking the others; cancelling the parent's turn (`/stop`) cancels them all.
public struct DelegateTool: AgentTool {
    public struct Limits: Sendable {
        /// Children running at once (default: the model server's slot count).
        public var maxConcurrent: Int
        /// How deep delegation may nest: 1 means children cannot delegate.
        public var maxDepth = 1
        /// Wall time a child may take.
        public var timeout: Duration = .seconds(300)
        /// Tool rounds a child may use.
        public var maxToolRounds = 3
        public var maxTasks = 8

        public init(maxConcurrent: Int) { self.maxConcurrent = max(1, maxConcurrent) }
    }

    /// Tool sets a child may have, if its parent has them: reading and fetching, never writing
    /// memory, scheduling or talking to people.
    static let childSets: Set<String> = ["sessions", "web", WorkspaceTools.toolset]

    let store: any SessionStore
    let backends: [String: any ModelBackend]
    /// Every tool; each child gets the allowed subset.
    let tools: [any AgentTool]
    let limits: Limits
    public let toolset = "delegation"

    public init(store: any SessionStore, backends: [String: any ModelBackend], tools: [any AgentTool], limits: Limits) {
        self.store = store
        self.backends = backends
        self.tools = tools
        self.limits = limits
    }

    public let spec = ToolSpec(
        name: "delegate",
        description: "Split work into independent tasks done in parallel by helpers. Each helper sees only its goal and the context you give it.",
        parametersJSON: """
            {"type":"object","properties":{"tasks":{"type":"array","items":{"type":"object","properties":{\
            "goal":{"type":"string"},"context":{"type":"string","description":"everything the helper needs to know"}},\
            "required":["goal"]}}},"required":["tasks"]}
            """)

    struct Task: Decodable {
        var goal: String
        var context: String?
    }

    struct Result: Encodable {
        var task: Int
        var goal: String
        var ok: Bool
        var result: String?
        var error: String?
        /// A helper with a workspace: its branch (to `workspace_merge`) and what it changed.
        var branch: String?
        var changes: String?
    }

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        guard context.depth < limits.maxDepth else { throw ToolError("helpers cannot delegate further") }
        let raw = try arguments.required("tasks")
        guard let tasks = try? JSONDecoder().decode([Task].self, from: Data(raw.utf8)), !tasks.isEmpty else {
            throw ToolError("tasks must be a list of {goal, context}")
        }
        guard tasks.count <= limits.maxTasks else { throw ToolError("at most \(limits.maxTasks) tasks at once") }
        // Helpers with the workspace each get a worktree and branch of their own, made one after
        // the other before any starts (git does not share one repository's set-up well).
        var worktrees: [(path: String, branch: String, base: String)?] = Array(repeating: nil, count: tasks.count)
        var worktreeRoot: String?
        if context.toolsets.contains(WorkspaceTools.toolset), let settings = context.profile.config.workspace {
            let root = WorkspaceTools.folder(settings, session: context.session)
            let git = WorkspaceGit(root: root)
            worktreeRoot = root
            do {
                let base = try await git.prepare()
                let batch = UUID().uuidString.prefix(6).lowercased()
                for i in tasks.indices { worktrees[i] = try await git.helperWorktree("\(batch)-\(i + 1)", base: base) }
            } catch {
                throw ToolError("the helpers' worktrees could not be made: \(error)")
            }
        }
        let permits = AsyncSemaphore(limits.maxConcurrent)
        let root = worktreeRoot
        let results = try await withThrowingTaskGroup(of: Result.self) { group in
            for (i, task) in tasks.enumerated() {
                let worktree = worktrees[i]
                group.addTask {
                    try await permits.withPermit { await self.run(task, number: i + 1, parent: context, worktree: worktree, root: root) }
                }
            }
            var all: [Result] = []
            for try await r in group { all.append(r) }
            return all.sorted { $0.task < $1.task }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }

    /// One child, start to end. Never throws: a failure is its result (cancellation aside,
    /// which the task group passes up).
    private func run(
        _ task: Task, number: Int, parent: ToolContext, worktree: (path: String, branch: String, base: String)?, root: String?
    ) async -> Result {
        let text = """
            You are a helper working on one part of a larger task. Do only this part, then answer with its result.

            Goal: \(task.goal)
            """ + (task.context.map { "\n\nContext:\n\($0)" } ?? "")
        let user = SessionMessage(role: .user, content: text)
        var session: SessionRecord?
        do {
            let child = try await store.createChildSession(parent: parent.session, profile: parent.profile.name)
            session = child
            let sets = parent.toolsets.intersection(Self.childSets).union(parent.depth + 1 < limits.maxDepth ? [toolset] : [])
            // A helper with the workspace works in its worktree, on its own branch.
            var profile = parent.profile
            if let worktree {
                profile.config.workspace?.path = worktree.path
                profile.config.workspace?.perSession = false
            }
            let context = TurnContext(
                profile: profile, session: child, state: SessionState(frozenMemory: ""), skills: [], toolsets: sets,
                sender: parent.sender, history: [], depth: parent.depth + 1)
            let agent = Agent(backends: backends, tools: tools, maxToolRounds: limits.maxToolRounds)
            let timeout = limits.timeout
            let outcome = try await withThrowingTaskGroup(of: Agent.Outcome?.self) { group in
                group.addTask { try await agent.respond(context, userText: text, onDelta: { _ in }) }
                group.addTask {
                    try await _Concurrency.Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw ToolError("the helper ran out of time (\(timeout))")
                }
                return value
            }
            var changes: String?
            var record = [user] + outcome.appended
            if let w = worktree, let root {
                changes = try await WorkspaceGit(root: root).finish(w.path, base: w.base, message: "helper \(number): \(task.goal)")
                // `herald sessions show` shows what the helper changed.
                record.append(SessionMessage(role: .assistant, content: "Changes on \(w.branch):\n\(changes ?? "")"))
            }
            try await store.append(
                record,
                usage: outcome.usage.map { UsageRecord(sessionID: child.id, profile: parent.profile.name, usage: $0, at: Date()) }, to: child.id)
            return Result(task: number, goal: task.goal, ok: true, result: outcome.reply, branch: worktree?.branch, changes: changes)
        } catch {
            let message = (error as? ToolError)?.message ?? (error as? ModelError)?.description ?? "\(error)"
            if let session, !(error is CancellationError) {
                try? await store.append([user, SessionMessage(role: .assistant, content: "error: \(message)")], usage: [], to: session.id)
            }
            return Result(task: number, goal: task.goal, ok: false, error: message)
        }
    }
}
