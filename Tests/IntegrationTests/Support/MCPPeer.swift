import Foundation
import HeraldCore
import HeraldMCP
import Testing

/// MCP servers built with the official `mcp` Python SDK, from the venv `make test` creates:
/// Tests/Peers/mcp_server.py, and the ready-made `mcp-server-git`.
enum MCPPeer {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let python = repo + "/.venv/bin/python"
    static let script = repo + "/Tests/Peers/mcp_server.py"
    static let git = repo + "/.venv/bin/mcp-server-git"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: git) && FileManager.default.isExecutableFile(atPath: python)
    }
    static let enabled = available || Peers.required

    static func require() throws {
        try #require(available, "the MCP SDK is not in the venv: run `make test` (it installs mcp and mcp-server-git)")
    }

    /// Config text: the test server as [mcp.test] with `add` marked confirm, and the approval
    /// timeout.
    static func confirmConfig(timeout: Int) -> String {
        """
        [mcp.test]
        command = ["\(python)", "\(script)", "stdio"]
        confirm = ["add"]

        [approvals]
        timeout_seconds = \(timeout)
        """
    }

    /// The test server over stdio (`mode`: stdio, or garbage for one that writes non-JSON first).
    static func stdio(_ name: String = "test", mode: String = "stdio", env: [String] = [], timeout: Int = 10) -> MCPServerConfig {
        var c = MCPServerConfig(name: name, endpoint: .stdio(command: [python, script, mode]))
        c.environment = env
        c.timeoutSeconds = timeout
        return c
    }

    /// Starts the test server over Streamable HTTP on a free port; returns it and its URL.
    static func http() async throws -> (ChildProcess, String) {
        let port = IRCServer.freePort()
        let process = try ChildProcess([python, script, "http", String(port)])
        try await withDeadline(30, "the MCP HTTP server to listen on \(port)") {
            while !IRCServer.accepts(port) { try await Task.sleep(for: .milliseconds(50)) }
        }
        return (process, "http://127.0.0.1:\(port)/mcp")
    }

    /// Runs `server` until the test ends; returns once it is ready.
    static func start(_ server: MCPServer) async throws -> Task<Void, any Error> {
        let task = Task { try await server.run() }
        try await waitReady(server)
        return task
    }

    static func waitReady(_ server: MCPServer, _ what: String = "the MCP server to be ready") async throws {
        try await withDeadline(30, what) {
            while true {
                if case .ready = server.state { return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
