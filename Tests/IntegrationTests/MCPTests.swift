import Foundation
import HeraldCore
import HeraldMCP
import HeraldPeers
import Synchronization
import Testing

/// The MCP client against servers built with the official SDK (stdio and Streamable HTTP) and
/// the ready-made `mcp-server-git`, through the real pipeline with a scripted model.
@Suite(.serialized, .enabled(if: MCPPeer.enabled, "needs the MCP SDK in the venv: run `make test`"))
struct MCPTests {
    /// A model that calls the tool the person names ("call test__add {...}") and then says
    /// what the tool answered; anything else it echoes.
    static let script: StubOpenAIServer.Script = { messages in
        guard let last = messages.last else { return .text("nothing") }
        if last.role == "tool" { return .text("tool said: " + last.content) }
        // "call TOOL {json}", also after a group's "Name: " prefix.
        let asked = last.content.range(of: "call ").map { String(last.content[$0.lowerBound...]) } ?? ""
        let words = asked.split(separator: " ", maxSplits: 2).map(String.init)
        if words.count == 3, words[0] == "call" { return .toolCall(name: words[1], arguments: words[2]) }
        return .text("echo: " + last.content)
    }

    func harness(_ model: StubOpenAIServer, _ adapter: ScriptedAdapter, _ servers: [MCPServer]) throws -> GatewayHarness {
        try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"], toolsets: servers.map(\.toolset)), soul: "You are a test.")],
            providers: servers)
    }

    /// The `"tools":[...]` part of a request body, byte for byte.
    static func toolsBytes(_ body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let start = text.range(of: "\"tools\":[") else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var i = text.index(before: start.upperBound)
        while i < text.endIndex {
            let c = text[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
                if depth == 0 { return String(text[start.lowerBound...i]) }
            }
            i = text.index(after: i)
        }
        return nil
    }

    @Test func toolsAreListedCalledAndTheirResultsReachTheModelWithAByteStablePrefix() async throws {
        try MCPPeer.require()
        setenv("HERALD_TEST_MCP_VISIBLE", "yes", 1)
        setenv("HERALD_TEST_MCP_HIDDEN", "secret-value", 1)
        let server = MCPServer(config: MCPPeer.stdio(env: ["HERALD_TEST_MCP_VISIBLE"]))
        let running = try await MCPPeer.start(server)
        defer { running.cancel() }
        let model = try StubOpenAIServer(script: Self.script)
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try harness(model, adapter, [server])
        try await adapter.receive(#"call test__add {"a": 2, "b": 40}"#, chat: "A")
        try await adapter.waitFor("the sum") { $0.count == 1 }
        try await adapter.receive("call test__env {}", chat: "A")
        try await adapter.waitFor("the environment") { $0.count == 2 }
        for i in 1...5 {
            try await adapter.receive("plain turn \(i)", chat: "A")
            try await adapter.waitFor("turn \(i)") { $0.count == 2 + i }
        }
        try await adapter.receive("/toolset off mcp:test", chat: "A")
        try await adapter.receive("after switching it off", chat: "A")
        try await adapter.waitFor("the last answer") { $0.count == 9 }
        await h.shutdown()

        let replies = adapter.texts(in: "A")
        #expect(replies[0] == #"tool said: {"result":42}"#, "structured content as compact JSON: \(replies[0])")
        let env = replies[1].replacingOccurrences(of: "tool said: ", with: "")
        #expect(env.contains("HERALD_TEST_MCP_VISIBLE") && !env.contains("HERALD_TEST_MCP_HIDDEN"), "a clean environment: \(env)")
        #expect(model.toolRequests[0].contains("test__add") && model.toolRequests[0].contains("test__crash"))
        // Every request with the set on carries the same tool bytes (the cached prefix holds).
        let bodies = model.bodies
        let withTools = bodies.compactMap(Self.toolsBytes)
        #expect(withTools.count == bodies.count - 1, "all but the last request carry the tools")
        #expect(Set(withTools).count == 1, "byte-identical across \(withTools.count) requests")
        #expect(model.toolRequests.last?.contains { $0.hasPrefix("test__") } == false, "a set switched off is not sent at all")
    }

    @Test func contextShowsEachSetsTokensAndASetWhoseServerIsDown() async throws {
        try MCPPeer.require()
        let server = MCPServer(config: MCPPeer.stdio())
        let missing = MCPServer(config: MCPServerConfig(name: "gone", endpoint: .stdio(command: ["/nonexistent/mcp-server"])))
        let running = try await MCPPeer.start(server)
        let failing = Task { try await missing.run() }
        defer { running.cancel(); failing.cancel() }
        try await withDeadline(30, "the missing server to be down") {
            while missing.unavailable?.hasPrefix("down") != true { try await Task.sleep(for: .milliseconds(20)) }
        }
        let model = try StubOpenAIServer(script: Self.script)
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try harness(model, adapter, [server, missing])
        try await adapter.receive("/context", chat: "A")
        try await adapter.receive("hello", chat: "A")
        try await adapter.waitFor("the answers") { $0.count == 2 }
        await h.shutdown()
        let line = try #require(adapter.texts(in: "A")[0].split(separator: "\n").first { $0.contains("tool schemas") })
        #expect(line.contains("mcp:test ~") && line.contains("test__add"), "\(line)")
        #expect(line.contains("mcp:gone: down (") && line.contains("its tools are not offered"), "\(line)")
        #expect(model.toolRequests.last?.contains { $0.hasPrefix("gone__") } == false)
    }

    @Test func aServerThatDiesMidCallGivesAToolErrorIsRestartedAndTheNextCallWorks() async throws {
        try MCPPeer.require()
        let server = MCPServer(config: MCPPeer.stdio())
        let running = try await MCPPeer.start(server)
        defer { running.cancel() }
        let model = try StubOpenAIServer(script: Self.script)
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try harness(model, adapter, [server])
        try await adapter.receive("call test__crash {}", chat: "A")
        try await adapter.waitFor("the answer after the crash") { $0.count == 1 }
        try await withDeadline(30, "the server to be restarted") {
            while server.starts < 2 { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await adapter.receive(#"call test__echo {"text": "again"}"#, chat: "A")
        try await adapter.waitFor("the next answer") { $0.count == 2 }
        await h.shutdown()
        let replies = adapter.texts(in: "A")
        #expect(replies[0].hasPrefix("tool said: error: the MCP server test failed during the call"), "\(replies[0])")
        #expect(replies[1] == #"tool said: {"result":"echo: again"}"#, "\(replies[1])")
    }

    @Test func aSlowToolStoppedWithStopIsCancelledOnTheServer() async throws {
        try MCPPeer.require()
        let dir = TempDir()
        let marker = dir.file("marker")
        setenv("HERALD_MCP_MARKER", marker, 1)
        let server = MCPServer(config: MCPPeer.stdio(env: ["HERALD_MCP_MARKER"], timeout: 120))
        let running = try await MCPPeer.start(server)
        defer { running.cancel() }
        let model = try StubOpenAIServer(script: Self.script)
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try harness(model, adapter, [server])
        try await adapter.receive(#"call test__slow {"seconds": 60}"#, chat: "A")
        func marked(_ line: String) async throws {
            try await withDeadline(30, "the server to write '\(line)'") {
                while (try? String(contentsOfFile: marker, encoding: .utf8))?.contains(line) != true {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        try await marked("slow started")
        try await adapter.receive("/stop", chat: "A")
        try await marked("slow cancelled")
        await h.shutdown()
    }

    @Test func streamableHTTPKeepsItsSessionAndStartsOverWhenTheServerForgetsIt() async throws {
        try MCPPeer.require()
        var (process, url) = try await MCPPeer.http()
        defer { process.signal(SIGKILL) }
        let server = MCPServer(config: MCPServerConfig(name: "web", endpoint: .http(url: url)))
        let running = try await MCPPeer.start(server)
        defer { running.cancel() }
        #expect(try await server.call("add", arguments: .object(["a": .number(1), "b": .number(2)])).text == #"{"result":3}"#)
        // The server restarts on the same port and knows no session: a 404, then a new session.
        process.signal(SIGKILL)
        await process.wait()
        let port = Int(url.split(separator: ":").last!.split(separator: "/").first!)!
        process = try ChildProcess([MCPPeer.python, MCPPeer.script, "http", String(port)])
        try await withDeadline(30, "the restarted server") { while !IRCServer.accepts(port) { try await Task.sleep(for: .milliseconds(50)) } }
        let answer = try await withDeadline(60, "a call through a new session") {
            while true {
                if let text = try? await server.call("echo", arguments: .object(["text": .string("back")])).text { return text }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(answer == #"{"result":"echo: back"}"#)
    }

    @Test func aListChangedNotificationRelistsAndOneThatChangesNothingChangesNoBytes() async throws {
        try MCPPeer.require()
        let server = MCPServer(config: MCPPeer.stdio())
        let running = try await MCPPeer.start(server)
        defer { running.cancel() }
        func schemas() async -> [String] { await server.currentTools().map { "\($0.spec.name) \($0.spec.description) \($0.spec.parametersJSON)" } }
        let before = await schemas()
        await server.listed.wait()  // the start's listing rang it; now only a re-list does
        #expect(try await server.call("touch", arguments: .object([:])).text.contains("touched"))
        await server.listed.wait()
        #expect(await schemas() == before, "a list_changed that changes nothing changes no bytes")
        #expect(try await server.call("grow", arguments: .object([:])).text.contains("grown"))
        try await withDeadline(30, "the new tool to be listed") {
            while !server.tools.contains(where: { $0.name == "grown" }) { await server.listed.wait() }
        }
        let after = await schemas()
        #expect(after.count == before.count + 1 && Array(after.prefix(before.count)) == before, "the old tools' bytes are untouched")
        #expect(try await server.call("grown", arguments: .object([:])).text.contains("I am new"))
    }

    @Test(arguments: [
        (#"{"content":[{"type":"text","text":"5"}],"structuredContent":{"result":5},"isError":false}"#, 100, #"{"result":5}"#, false),
        (#"{"content":[{"type":"text","text":"Error executing tool fail"}],"isError":true}"#, 100, "Error executing tool fail", true),
        (#"{"content":[{"type":"image","data":"iVBORw0KGgo=","mimeType":"image/png"}]}"#, 100, "[image image/png, about 9 bytes: not shown]", false),
        (#"{"content":[{"type":"resource_link","uri":"file:///a.txt","name":"a"}]}"#, 100, "[link to resource file:///a.txt]", false),
        (#"{"content":[{"type":"text","text":"0123456789"}]}"#, 4, "0123\n[cut: 6 more characters of this result were not shown]", false),
    ])
    func resultsReadAsTheModelNeedsThem(json: String, limit: Int, text: String, isError: Bool) throws {
        let r = MCPResult(try JSONValue.parse(json), limit: limit)
        #expect(r.text == text && r.isError == isError)
    }
}

/// `herald mcp` with the ready-made `mcp-server-git` and a server that writes garbage.
@Suite(.serialized, .enabled(if: MCPPeer.enabled, "needs the MCP SDK in the venv: run `make test`"))
struct MCPCommandTests {
    @Test func aReadyMadeServerIsListedAndCalledAndGarbageOnStdoutIsLoggedNotFatal() async throws {
        try MCPPeer.require()
        let dir = TempDir()
        let repo = dir.file("repo")
        let setup = try ChildProcess(["/bin/sh", "-c", "git init -q \(repo) && cd \(repo) && echo hi > notes.txt"])
        await setup.wait()
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let config = TestConfig.write(
            in: dir, modelURL: model.baseURL,
            extra: """
                [mcp.git]
                command = ["\(MCPPeer.git)", "--repository", "\(repo)"]
                include = ["git_status", "git_log"]

                [mcp.noisy]
                command = ["\(MCPPeer.python)", "\(MCPPeer.script)", "garbage"]
                """)
        let list = try HeraldProcess(["mcp", "list", "--config", config])
        #expect(try await list.waitForExit() == 0, "\(list.stdout) \(list.stderr.suffix(5))")
        #expect(list.stdout.contains { $0.hasPrefix("git  ready  protocol 2025-11-25  2 tools (tool set mcp:git)") }, "\(list.stdout)")
        #expect(list.stdout.contains { $0.hasPrefix("  git__git_status  ~") })
        #expect(list.stdout.contains { $0.hasPrefix("noisy  ready") }, "garbage on stdout is not fatal: \(list.stdout)")
        #expect(list.stderr.contains { $0.contains("not JSON-RPC") && $0.contains("\\xff\\xfenot json at all") }, "logged with its bytes")

        let call = try HeraldProcess(["mcp", "call", "git", "git_status", #"{"repo_path": "\#(repo)"}"#, "--config", config])
        #expect(try await call.waitForExit() == 0, "\(call.stderr.suffix(5))")
        #expect(call.stdout.joined(separator: "\n").contains("notes.txt"), "\(call.stdout)")
        let doctor = try HeraldProcess(["doctor", "--config", config])
        _ = try await doctor.waitForExit()
        #expect(doctor.stdout.contains { $0.hasPrefix("ok    mcp git: ready, protocol 2025-11-25, 2 tools") }, "\(doctor.stdout)")
        let refused = try HeraldProcess(["mcp", "call", "git", "git_commit", #"{"repo_path": "\#(repo)", "message": "x"}"#, "--config", config])
        #expect(try await refused.waitForExit() == 1, "a tool left out by include is not called")
    }
}
