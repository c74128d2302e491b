import Foundation

/// The tool set `workspace` (off by default): files in the profile's workspace folder and
/// commands run in a bubblewrap sandbox there. Paths the model names never leave the folder
/// (`WorkspacePath`).
public enum WorkspaceTools {
    public static let toolset = "workspace"

    public static func make() -> [any AgentTool] {
        [
            WorkspaceListTool(), WorkspaceReadTool(), WorkspaceWriteTool(), WorkspaceEditTool(), WorkspaceSearchTool(), WorkspaceRunTool(),
            WorkspaceMergeTool(),
        ]
    }

    /// The folder a session works in: the profile's, or with `workspace_per_session` one of
    /// the session's own under it.
    public static func folder(_ settings: WorkspaceSettings, session: SessionRecord) -> String {
        settings.perSession ? settings.path + "/session-" + String(session.id.prefix(12)) : settings.path
    }

    /// The session's workspace folder, made on first use.
    static func root(_ context: ToolContext) throws(ToolError) -> String {
        guard let settings = context.profile.config.workspace else { throw ToolError("this profile has no workspace") }
        let root = folder(settings, session: context.session)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw ToolError("the workspace folder cannot be made: \(error.localizedDescription)")
        }
        return root
    }
}

struct WorkspaceListTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_list", description: "List the files and folders of a folder in the workspace (default: its top).",
        parametersJSON: #"{"type":"object","properties":{"path":{"type":"string","description":"folder, relative to the workspace"}}}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let root = try WorkspaceTools.root(context)
        let dir = try WorkspacePath.resolve(arguments["path"] ?? ".", in: root, mustExist: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? []
        let lines = names.prefix(500).map { name -> String in
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir)
            return isDir.boolValue ? name + "/" : name
        }
        return lines.isEmpty ? "(empty)" : lines.joined(separator: "\n") + (names.count > 500 ? "\n[\(names.count - 500) more not shown]" : "")
    }
}

struct WorkspaceReadTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_read", description: "Read a text file of the workspace, optionally only lines from..to (1-based).",
        parametersJSON:
            #"{"type":"object","properties":{"path":{"type":"string"},"from":{"type":"integer"},"to":{"type":"integer"}},"required":["path"]}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let path = try WorkspacePath.resolve(try arguments.required("path"), in: try WorkspaceTools.root(context), mustExist: true)
        guard let data = FileManager.default.contents(atPath: path) else { throw ToolError("cannot read \(arguments["path"] ?? "")") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let from = max(1, Int(arguments["from"] ?? "") ?? 1)
        let to = min(lines.count, Int(arguments["to"] ?? "") ?? lines.count)
        guard from <= to else { return "(no lines \(from)-\(to); the file has \(lines.count))" }
        var text = lines[(from - 1)..<to].joined(separator: "\n")
        if text.count > 20_000 { text = String(text.prefix(20_000)) + "\n[cut: ask for a line range]" }
        return text
    }
}

struct WorkspaceWriteTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_write", description: "Write a text file in the workspace (folders are made; an existing file is replaced).",
        parametersJSON: #"{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let root = try WorkspaceTools.root(context)
        let path = try WorkspacePath.resolve(try arguments.required("path"), in: root)
        let content = arguments["content"] ?? ""
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ToolError("cannot write \(WorkspacePath.relative(path, to: root)): \(error.localizedDescription)")
        }
        return "wrote \(WorkspacePath.relative(path, to: root)) (\(content.utf8.count) bytes)"
    }
}

struct WorkspaceEditTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_edit",
        description: "Change workspace files: replace one exact, unique piece of text in a file (path, old, new), or apply a unified diff (diff) to the workspace.",
        parametersJSON:
            #"{"type":"object","properties":{"path":{"type":"string"},"old":{"type":"string"},"new":{"type":"string"},"diff":{"type":"string","description":"a unified diff, paths relative to the workspace (a/ b/ prefixes allowed)"}}}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let root = try WorkspaceTools.root(context)
        if let diff = arguments["diff"], !diff.isEmpty { return try await apply(diff, in: root) }
        let path = try WorkspacePath.resolve(try arguments.required("path"), in: root, mustExist: true)
        let old = try arguments.required("old")
        guard let data = FileManager.default.contents(atPath: path) else { throw ToolError("cannot read \(arguments["path"] ?? "")") }
        let text = String(decoding: data, as: UTF8.self)
        let count = text.components(separatedBy: old).count - 1
        guard count == 1 else { throw ToolError(count == 0 ? "the text to replace is not in the file" : "the text to replace occurs \(count) times; give more of it") }
        let edited = text.replacingOccurrences(of: old, with: arguments["new"] ?? "")
        do {
            try Data(edited.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ToolError("cannot write: \(error.localizedDescription)")
        }
        return "edited \(WorkspacePath.relative(path, to: root))"
    }

    /// `git apply`, which refuses paths with '..', absolute paths and paths through symbolic
    /// links (and, outside a repository, anything outside the folder); all or nothing.
    private func apply(_ diff: String, in root: String) async throws -> String {
        let file = NSTemporaryDirectory() + "herald-diff-\(UUID().uuidString.prefix(8)).patch"
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try Data((diff.hasSuffix("\n") ? diff : diff + "\n").utf8).write(to: URL(fileURLWithPath: file))
            let git = WorkspaceGit(root: root)
            let files = try await git.git(["apply", "--numstat", file])
            try await git.git(["apply", "--recount", "--whitespace=nowarn", file])
            return "applied the diff: " + files.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) ?? "" }.joined(separator: ", ")
        } catch let e as WorkspaceGit.Failure {
            throw ToolError("the diff does not apply (nothing changed): \(e.description)")
        } catch {
            throw ToolError("the diff could not be applied: \(error)")
        }
    }
}

struct WorkspaceSearchTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_search", description: "Search the workspace's text files for a regular expression; lists file:line: text.",
        parametersJSON: #"{"type":"object","properties":{"pattern":{"type":"string"},"path":{"type":"string"}},"required":["pattern"]}"#)
    let toolset = WorkspaceTools.toolset

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let root = try WorkspaceTools.root(context)
        let base = try WorkspacePath.resolve(arguments["path"] ?? ".", in: root, mustExist: true)
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: try arguments.required("pattern"))
        } catch let e as ToolError {
            throw e
        } catch {
            throw ToolError("not a valid regular expression")
        }
        var hits: [String] = []
        let files = FileManager.default.enumerator(atPath: base)
        while let name = files?.nextObject() as? String, hits.count < 200 {
            let path = base + "/" + name
            var st = stat()
            // Links are not followed, here either.
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size < 2 << 20,
                let data = FileManager.default.contents(atPath: path), !data.contains(0)
            else { continue }
            for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let s = String(line)
                if regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
                    hits.append("\(WorkspacePath.relative(path, to: root)):\(i + 1): \(s.prefix(200))")
                }
            }
        }
        return hits.isEmpty ? "no match" : hits.joined(separator: "\n")
    }
}

struct WorkspaceRunTool: AgentTool {
    let spec = ToolSpec(
        name: "workspace_run",
        description: "Run a shell command in the workspace, in a sandbox (no network unless the profile allows it); returns its exit status and output.",
        parametersJSON: #"{"type":"object","properties":{"command":{"type":"string"},"path":{"type":"string","description":"folder to run in"}},"required":["command"]}"#)
    let toolset = WorkspaceTools.toolset
    var approvalName: String { "workspace_run" }

    /// The profile's policy decides: free, refused, or (anything else) the person's approval.
    func approval(for arguments: ToolArguments, context: ToolContext) -> ApprovalNeed {
        (context.profile.config.workspace?.policy ?? RunPolicy()).need(for: arguments["command"] ?? "")
    }

    /// The exact command and the folder it would run in.
    func approvalQuestion(for arguments: ToolArguments, context: ToolContext) -> String {
        let root = context.profile.config.workspace.map { WorkspaceTools.folder($0, session: context.session) } ?? "?"
        let folder = (arguments["path"].map { $0 == "." || $0.isEmpty ? root : root + "/" + $0 }) ?? root
        return "the command `\(arguments["command"] ?? "")` in \(folder)"
    }

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        guard let settings = context.profile.config.workspace else { throw ToolError("this profile has no workspace") }
        guard Sandbox.available else { throw ToolError("the sandbox (bubblewrap) is not installed, so commands cannot run") }
        let root = try WorkspaceTools.root(context)
        let directory = try WorkspacePath.resolve(arguments["path"] ?? ".", in: root, mustExist: true)
        let sandbox = Sandbox(workspace: root, limits: settings.limits, environment: settings.environment)
        return try await sandbox.run(try arguments.required("command"), directory: directory).report
    }
}
