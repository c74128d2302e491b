import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// Workspace paths and the bubblewrap sandbox of `workspace_run`, for real.
@Suite struct WorkspacePathTests {
    @Test(arguments: [
        ("../outside.txt", "leaves the workspace"), ("/etc/passwd", "outside the workspace"), ("a/../../b", "leaves the workspace"),
        ("~/.ssh/id_rsa", "outside the workspace"), ("link/secret", "symbolic link"), ("file.txt/x", "is not a folder"),
    ])
    func pathsThatWouldLeaveTheWorkspaceAreRefused(path: String, why: String) throws {
        let dir = TempDir()
        let root = dir.file("ws")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "/etc")
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/file.txt"))
        #expect {
            try WorkspacePath.resolve(path, in: root)
        } throws: { ($0 as? ToolError)?.message.contains(why) == true }
    }

    @Test func pathsInsideResolveAndNewOnesMayBeMade() throws {
        let dir = TempDir()
        let root = dir.file("ws")
        try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
        #expect(try WorkspacePath.resolve("src/./new/mod.py", in: root) == root + "/src/new/mod.py")
        #expect(try WorkspacePath.resolve("src", in: root, mustExist: true) == root + "/src")
        #expect(throws: ToolError.self) { try WorkspacePath.resolve("missing.txt", in: root, mustExist: true) }
    }

    @Test(arguments: [
        ("python3 test_mod.py", ApprovalNeed.none), ("python3 -c 'print(1)'", .ask), ("rm -rf build", .refused("the command matches 'rm -rf *'")),
    ])
    func theRunPolicyDecidesWhatRunsFreely(command: String, need: ApprovalNeed) {
        let policy = RunPolicy(allow: ["python3 test_*.py", "rm -rf build"], deny: ["rm -rf *"])
        #expect(policy.need(for: command) == need)
    }
}

@Suite(.enabled(if: Sandbox.available || Peers.required, "needs bubblewrap: run `make test`"))
struct SandboxTests {
    func sandbox(_ dir: TempDir, _ change: (inout Sandbox.Limits) -> Void = { _ in }) throws -> Sandbox {
        try #require(Sandbox.available, "bubblewrap is not installed: run `make test` (it installs the bubblewrap package)")
        let root = dir.file("ws")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var limits = Sandbox.Limits()
        change(&limits)
        return Sandbox(workspace: root, limits: limits)
    }

    @Test func theWorkspaceIsWritableAndNothingElseIs() async throws {
        let dir = TempDir()
        let s = try sandbox(dir)
        let r = try await s.run("echo made > inside.txt && cat inside.txt; echo x > ../outside.txt; echo y > /etc/herald-sandbox-test; echo z > /tmp/private")
        #expect(r.output.contains("made"), "\(r.report)")
        #expect(FileManager.default.fileExists(atPath: s.workspace + "/inside.txt"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("outside.txt")), "the folder above is read-only")
        #expect(!FileManager.default.fileExists(atPath: "/etc/herald-sandbox-test"), "the host is read-only")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/private"), "/tmp is the sandbox's own")
        #expect(r.output.contains("Read-only file system"), "\(r.report)")
    }

    @Test func thereIsNoNetworkUnlessTheProfileAllowsIt() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        let dir = TempDir()
        let connect = "python3 -c \"import socket; socket.create_connection(('127.0.0.1', \(listener.port)), 2); print('reached it')\""
        let closed = try await sandbox(dir).run(connect)
        #expect(closed.status != 0 && !closed.output.split(separator: "\n").contains("reached it"), "\(closed.report)")
        #expect(closed.output.contains("Network is unreachable") || closed.output.contains("Connection refused"), "\(closed.report)")
        let open = try await sandbox(dir) { $0.network = true }.run(connect)
        #expect(open.status == 0 && open.output == "reached it", "allowed: \(open.report)")
    }

    @Test func aCommandAtItsTimeLimitIsKilledWithEveryProcessItStarted() async throws {
        let dir = TempDir()
        let marker = "herald-sandbox-\(UUID().uuidString.prefix(8))"
        let sleeper = "python3 -c 'import time; time.sleep(300)' \(marker)"
        let r = try await sandbox(dir) { $0.wallSeconds = 1 }.run("\(sleeper) & \(sleeper) & echo started; wait")
        #expect(r.timedOut && r.report.hasPrefix("killed at the time limit"), "\(r.report)")
        #expect(r.output.contains("started"))
        let left = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }.filter { pid in
            (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? "").contains(marker)
        }
        #expect(left.isEmpty, "no process left behind: \(left)")
    }

    @Test func theExitStatusIsReturnedAndLongOutputIsCutWithANote() async throws {
        let dir = TempDir()
        let failed = try await sandbox(dir).run("echo before; exit 3")
        #expect(failed.status == 3 && failed.report == "exit status 3\nbefore")
        let long = try await sandbox(dir) { $0.outputChars = 1000 }.run("yes | head -c 100000")
        #expect((990...1000).contains(long.output.count) && long.cut > 90_000, "\(long.cut)")
        #expect(long.report.hasSuffix("more characters of output were not shown]"))
    }
}

/// A listening socket on the host's loopback, to see whether a sandbox can reach it.
final class TCPListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(s, 8)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        fd = s
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func close() { Glibc.close(fd) }
}

/// The workspace tools through the real pipeline with a scripted model: files made, a test
/// run freely by policy, a refused command, and one that waits for the person's approval.
@Suite(.enabled(if: Sandbox.available || Peers.required, "needs bubblewrap: run `make test`"))
struct WorkspaceToolsTests {
    @Test func aProfileWritesCodeRunsItsTestAndAsksBeforeAnythingElse() async throws {
        try #require(Sandbox.available, "bubblewrap is not installed: run `make test`")
        let dir = TempDir()
        let model = try StubOpenAIServer(script: MCPTests.script)
        defer { model.stop() }
        var config = ProfileConfig(name: "builder", models: ["stub"], toolsets: ["workspace"])
        var workspace = WorkspaceSettings(path: dir.file("ws"))
        workspace.policy = RunPolicy(allow: ["python3 test_*.py"], deny: ["rm *"])
        config.workspace = workspace
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [Profile(config: config, soul: "You build.")])
        let steps = [
            #"call workspace_write {"path": "calc/mod.py", "content": "def add(a, b):\n    return a + b\n"}"#,
            #"call workspace_write {"path": "calc/test_mod.py", "content": "from mod import add\nassert add(2, 3) == 5\nprint('passed')\n"}"#,
            #"call workspace_run {"command": "python3 test_mod.py", "path": "calc"}"#,
            #"call workspace_run {"command": "rm -rf calc"}"#,
            #"call workspace_read {"path": "../secrets.txt"}"#,
            #"call workspace_search {"pattern": "def add"}"#,
        ]
        for (i, step) in steps.enumerated() {
            try await adapter.receive(step, chat: "w")
            try await adapter.waitFor("step \(i + 1)") { $0.count == i + 1 }
        }
        try await adapter.receive(#"call workspace_run {"command": "ls calc"}"#, chat: "w")
        try await adapter.waitFor("the question") { $0.contains { $0.message.text.contains("/approve or /deny") } }
        try await adapter.receive("/approve", chat: "w")
        try await adapter.waitFor("the listing") { $0.contains { $0.message.text.hasPrefix("tool said: exit status 0\n") && $0.message.text.contains("test_mod.py") } }
        await h.shutdown()
        let r = adapter.texts(in: "w")
        #expect(r[0] == "tool said: wrote calc/mod.py (32 bytes)", "\(r[0])")
        #expect(r[2] == "tool said: exit status 0\npassed", "the test ran freely, in the sandbox: \(r[2])")
        #expect(r[3].hasPrefix("tool said: error: refused by this profile's policy: the command matches 'rm *'"), "\(r[3])")
        #expect(r[4].contains("leaves the workspace"), "\(r[4])")
        #expect(r[5] == "tool said: calc/mod.py:1: def add(a, b):", "\(r[5])")
        #expect(r.contains { $0.hasPrefix("Run the command `ls calc` in \(dir.file("ws"))? Reply /approve or /deny") }, "the exact command and folder: \(r)")
        #expect(FileManager.default.fileExists(atPath: dir.file("ws/calc/mod.py")), "rm was refused")
    }
}

@Suite(.enabled(if: Sandbox.available || Peers.required, "needs bubblewrap and git: run `make test`"))
struct WorkspaceEditTests {
    @Test func aUnifiedDiffAppliesWholeAndOneThatLeavesTheWorkspaceChangesNothing() async throws {
        let dir = TempDir()
        let model = try StubOpenAIServer(script: MCPTests.script)
        defer { model.stop() }
        var config = ProfileConfig(name: "builder", models: ["stub"], toolsets: ["workspace"])
        var workspace = WorkspaceSettings(path: dir.file("ws"))
        workspace.perSession = true
        config.workspace = workspace
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [Profile(config: config, soul: "You build.")])
        func json(_ o: [String: String]) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self) }
        let good = "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,2 +1,2 @@\n first\n-second\n+2nd\n"
        let evil = "--- a/../escape.txt\n+++ b/../escape.txt\n@@ -0,0 +1 @@\n+out\n"
        let steps = [
            "call workspace_write " + json(["path": "notes.txt", "content": "first\nsecond\n"]),
            "call workspace_edit " + json(["diff": good]),
            "call workspace_edit " + json(["diff": evil]),
            "call workspace_read " + json(["path": "notes.txt"]),
        ]
        for (i, step) in steps.enumerated() {
            try await adapter.receive(step, chat: "one")
            try await adapter.waitFor("step \(i + 1)") { $0.count == i + 1 }
        }
        // Another conversation has a folder of its own.
        try await adapter.receive("call workspace_list {}", chat: "two")
        try await adapter.waitFor("the other session's listing") { $0.count == 5 }
        await h.shutdown()
        let r = adapter.texts(in: "one")
        #expect(r[1] == "tool said: applied the diff: notes.txt", "\(r[1])")
        #expect(r[2].hasPrefix("tool said: error: the diff does not apply (nothing changed)"), "\(r[2])")
        #expect(r[3] == "tool said: first\n2nd", "\(r[3])")
        #expect(!FileManager.default.fileExists(atPath: dir.file("escape.txt")) && !FileManager.default.fileExists(atPath: dir.file("ws/escape.txt")))
        #expect(adapter.texts(in: "two") == ["tool said: (empty)"], "per session: \(adapter.texts(in: "two"))")
    }
}
