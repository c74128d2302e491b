import Foundation
import HeraldCore
import HeraldMCP

/// `herald mcp`: the configured MCP servers, started for a moment to see them.
enum MCPCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.mcp)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let config = try HeraldConfig.load(path: Composition.configPath(args))
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            if config.mcp.isEmpty { print("no MCP servers: add an [mcp.NAME] table") }
            var code = Exit.ok
            for name in config.mcp.keys.sorted() {
                let server = MCPServer(config: config.mcp[name]!)
                let state = await started(server) { _ in }
                switch state {
                case .ready(let version, let count):
                    print("\(name)  ready  protocol \(version)  \(count) tools (tool set \(server.toolset))")
                    for t in server.tools {
                        let tokens = OpenAIBackend.estimateTokens(t.name + t.description + t.schema)
                        print("  \(name)__\(t.name)  ~\(tokens) tokens  \(t.description.prefix(80))")
                    }
                case .down(let why):
                    print("\(name)  down: \(why)")
                    code = Exit.unavailable
                case .starting:
                    print("\(name)  did not come up within 30 s")
                    code = Exit.unavailable
                }
            }
            return code
        case ("call", 4):
            guard let c = config.mcp[args.positional[1]] else {
                Herald.fail("no MCP server \(args.positional[1]) (configured: \(config.mcp.keys.sorted().joined(separator: ", ")))")
                return Exit.usage
            }
            guard let arguments = try? JSONValue.parse(args.positional[3]), case .object = arguments else {
                throw Arguments.UsageError(description: "the arguments must be a JSON object, e.g. '{\"a\": 1}'")
            }
            let server = MCPServer(config: c)
            var code = Exit.ok
            let state = await started(server) { server in
                do {
                    let result = try await server.call(args.positional[2], arguments: arguments)
                    print(result.text)
                    if result.isError { code = Exit.failure }
                } catch {
                    Herald.fail("\(error)")
                    code = Exit.failure
                }
            }
            if case .ready = state { return code }
            Herald.fail("the MCP server \(c.name) is not available: \(state)")
            return Exit.unavailable
        default:
            throw Arguments.UsageError(description: "unknown mcp subcommand '\(args.positional.joined(separator: " "))'")
        }
    }

    /// Starts `server`, waits until it is ready or down (30 s at most), runs `body` while it is
    /// up, and stops it; returns the state it reached.
    static func started(_ server: MCPServer, _ body: (MCPServer) async -> Void) async -> MCPServer.State {
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if case .starting = server.state {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            break
        }
        let state = server.state
        if case .ready = state { await body(server) }
        task.cancel()
        _ = await task.result
        return state
    }
}
