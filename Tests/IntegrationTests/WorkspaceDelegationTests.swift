import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// The article's sub-agent build: a parent splits the work, three helpers each write a module
/// and its test in a worktree of their own and run the test in the sandbox, the parent merges
/// their branches, and the result passes. The model is scripted; everything else is real.
@Suite(.enabled(if: Sandbox.available || Peers.required, "needs bubblewrap: run `make test`"))
struct WorkspaceDelegationTests {
    static func call(_ name: String, _ arguments: [String: Any]) -> StubOpenAIServer.Reply {
        let data = try! JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys])
        return .toolCall(name: name, arguments: String(decoding: data, as: UTF8.self))
    }

    static let builder: StubOpenAIServer.Script = { messages in
        let first = messages.first { $0.role == "user" }?.content ?? ""
        let results = messages.filter { $0.role == "tool" }
        if first.hasPrefix("You are a helper") {
            let n = String(first.components(separatedBy: "Goal: module ").last?.prefix(1) ?? "0")
            switch results.count {
            case 0: return call("workspace_write", ["path": "mod\(n).py", "content": "def value\(n)():\n    return \(n)\n"])
            case 1:
                return call("workspace_write", ["path": "test_mod\(n).py", "content": "from mod\(n) import value\(n)\nassert value\(n)() == \(n)\nprint('ok \(n)')\n"])
            case 2: return call("workspace_run", ["command": "python3 test_mod\(n).py"])
            default: return .text("module \(n) tested: \(results.last?.content ?? "")")
            }
        }
        if results.isEmpty { return call("delegate", ["tasks": [["goal": "module 1"], ["goal": "module 2"], ["goal": "module 3"]]]) }
        let report = results.first?.content ?? "[]"
        let branches = ((try? JSONSerialization.jsonObject(with: Data(report.utf8))) as? [[String: Any]] ?? []).compactMap { $0["branch"] as? String }
        let merged = results.filter { $0.content.hasPrefix("merged ") }.count
        if merged < branches.count { return call("workspace_merge", ["branch": branches[merged]]) }
        return .text("built \(merged) modules")
    }

    @Test func threeHelpersBuildInTheirOwnWorktreesAndTheMergedResultPasses() async throws {
        try #require(Sandbox.available, "bubblewrap is not installed: run `make test`")
        let dir = TempDir()
        let model = try StubOpenAIServer(script: Self.builder)
        defer { model.stop() }
        var config = ProfileConfig(name: "builder", models: ["stub"], toolsets: ["workspace", "delegation"])
        var workspace = WorkspaceSettings(path: dir.file("ws"))
        workspace.policy = RunPolicy(allow: ["python3 test_*.py"])
        config.workspace = workspace
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL], profiles: [Profile(config: config, soul: "You build.")], delegates: 3)
        try await adapter.receive("build the three modules", chat: "w")
        try await adapter.waitFor("the parent's answer", seconds: 60) { !$0.isEmpty }
        await h.shutdown()
        #expect(adapter.texts(in: "w") == ["built 3 modules"], "\(adapter.texts(in: "w"))")

        // Each helper ran its own test in the sandbox, in its own worktree.
        let reports = model.requests.compactMap { request in request.first { $0.role == "tool" && $0.content.hasPrefix("[") }.map(\.content) }
        let report = try #require(reports.first)
        let helpers = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [[String: Any]])
        #expect(helpers.count == 3 && helpers.allSatisfy { $0["ok"] as? Bool == true }, "\(report)")
        for (i, helper) in helpers.enumerated() {
            #expect((helper["result"] as? String)?.contains("exit status 0\nok \(i + 1)") == true, "\(helper)")
            let changes = helper["changes"] as? String ?? ""
            #expect(changes.contains("mod\(i + 1).py") && !changes.contains("mod\((i + 1) % 3 + 1).py"), "only its own files: \(changes)")
        }
        // The merged workspace holds all three, and every test passes there.
        let all = try await Sandbox(workspace: dir.file("ws")).run("for t in test_mod*.py; do python3 $t || exit 1; done")
        #expect(all.status == 0 && all.output == "ok 1\nok 2\nok 3", "\(all.report)")
        // What each helper changed is in its session, for `herald sessions show`.
        let parent = try await h.store.activeSession(for: adapter.conversation("w"), profile: "builder")
        let children = try await h.store.children(of: parent.id)
        #expect(children.count == 3)
        for child in children {
            let history = try await h.store.history(sessionID: child.id, limit: 20)
            #expect(history.contains { $0.content.hasPrefix("Changes on helper/") }, "\(history.map(\.content))")
        }
    }
}
