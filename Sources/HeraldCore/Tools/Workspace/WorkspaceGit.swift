import Foundation

/// Git on the host for a workspace: each helper of a delegation works in its own worktree and
/// branch, so parallel helpers cannot overwrite each other; the parent sees each branch's diff
/// and merges what it wants. Herald's own operations, never the model's shell.
public struct WorkspaceGit: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs git with `args` in `directory`; its output, or a `Failure` with it.
    @discardableResult
    func git(_ args: [String], in directory: String? = nil) async throws -> String {
        let argv = ["git", "-C", directory ?? root, "-c", "user.name=Herald", "-c", "user.email=herald@localhost", "-c", "commit.gpgsign=false"] + args
        let env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": root, "GIT_TERMINAL_PROMPT": "0"]
        let r = try await ChildProcess.output(argv, environment: env, limit: 1 << 20)
        let text = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.status == 0 else { throw Failure(description: "git \(args.first ?? ""): \(text.prefix(500))") }
        return text
    }

    /// Makes the workspace a repository with everything in it committed (a base to diff from).
    /// Not concurrently on one workspace: the caller prepares once, then makes the worktrees.
    public func prepare() async throws -> String {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: root + "/.git") {
            try await git(["init", "-q", "-b", "main"])
            // What a run leaves behind (Python's byte code) is not a change of the helper's.
            try Data("__pycache__/\n*.pyc\n".utf8).write(to: URL(fileURLWithPath: root + "/.git/info/exclude"))
        }
        try await git(["add", "-A"])
        let changed = try await !git(["status", "--porcelain"]).isEmpty
        let head = try? await git(["rev-parse", "HEAD"])
        if changed || head == nil { try await git(["commit", "-q", "--allow-empty", "-m", "workspace before helpers"]) }
        return try await git(["rev-parse", "HEAD"])
    }

    /// A worktree of its own for helper `name`, on a new branch from `base` (see `prepare`).
    public func helperWorktree(_ name: String, base: String) async throws -> (path: String, branch: String, base: String) {
        let path = root + ".helpers/" + name
        let branch = "helper/" + name
        try FileManager.default.createDirectory(atPath: root + ".helpers", withIntermediateDirectories: true)
        try await git(["worktree", "add", "-q", "-b", branch, path, base])
        return (path, branch, base)
    }

    /// Commits what the helper left in its worktree; returns the diff from `base` (capped).
    public func finish(_ path: String, base: String, message: String, limit: Int = 8000) async throws -> String {
        try await git(["add", "-A"], in: path)
        if try await git(["status", "--porcelain"], in: path).isEmpty == false {
            try await git(["commit", "-q", "-m", message], in: path)
        }
        var diff = try await git(["diff", "--stat", "--patch", base, "HEAD"], in: path)
        if diff.count > limit { diff = String(diff.prefix(limit)) + "\n[cut: the rest of the diff]" }
        return diff.isEmpty ? "(no changes)" : diff
    }

    /// Merges a helper's branch into the workspace; removes its worktree once merged.
    public func merge(_ branch: String) async throws -> String {
        let out = try await git(["merge", "--no-ff", "--no-edit", branch])
        let name = branch.hasPrefix("helper/") ? String(branch.dropFirst(7)) : branch
        _ = try? await git(["worktree", "remove", "--force", root + ".helpers/" + name])
        return out
    }
}

struct WorkspaceMergeTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_merge",
        description: "Merge a helper's branch (from delegate's results) into the workspace. Conflicts are reported, not forced.",
        parametersJSON: #"{"type":"object","properties":{"branch":{"type":"string"}},"required":["branch"]}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let branch = try arguments.required("branch")
        guard branch.hasPrefix("helper/"), !branch.contains(".."), !branch.contains(" ") else { throw ToolError("not a helper's branch: \(branch)") }
        let git = WorkspaceGit(root: try WorkspaceTools.root(context))
        do {
            _ = try await git.merge(branch)
            return "merged \(branch)"
        } catch let e as WorkspaceGit.Failure {
            _ = try? await git.git(["merge", "--abort"])
            throw ToolError("the merge of \(branch) failed, nothing changed: \(e.description)")
        }
    }
}
