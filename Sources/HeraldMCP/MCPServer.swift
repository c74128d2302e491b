import Foundation
import HeraldCore
import Synchronization

/// One configured MCP server for the whole gateway: started with it, initialised, its tools
/// listed once per start (and again when it says they changed), restarted with backoff when it
/// dies, stopped with the gateway. While it is down its tool set is empty: the model is not
/// offered tools that cannot run.
public final class MCPServer: ToolProvider {
    /// Protocol versions this client speaks, newest first. The SDK on PyPI today also speaks
    /// 2026-07-28, whose HTTP form has no session at all; Herald asks for 2025-11-25, which
    /// that SDK serves, and accepts the two before it.
    public static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]

    /// What the server is doing, for `herald mcp list`, `/context` and doctor.
    public enum State: Sendable, Equatable {
        case starting
        case ready(version: String, tools: Int)
        case down(String)
    }

    /// A tool as the server listed it.
    public struct Tool: Sendable, Equatable {
        public var name: String
        public var description: String
        /// The input schema, as byte-stable JSON.
        public var schema: String
    }

    public let config: MCPServerConfig
    public var toolset: String { config.toolset }
    let log: Logger
    private let status = Mutex<(state: State, tools: [Tool], session: MCPSession?)>((.starting, [], nil))
    private let readyCount = Mutex(0)
    private let backoff = Backoff(base: .seconds(1), cap: .seconds(60))
    /// Rings when the tools were listed (again), for tests and for `herald mcp`.
    public let listed = Doorbell()

    public init(config: MCPServerConfig) {
        self.config = config
        log = Logger("mcp.\(config.name)")
    }

    public var state: State { status.withLock { $0.state } }
    /// How many times the server has come up (a restart after a crash makes it 2).
    public var starts: Int { readyCount.withLock { $0 } }

    public var unavailable: String? {
        switch state {
        case .ready: nil
        case .starting: "starting"
        case .down(let why): "down (\(why))"
        }
    }
    public var tools: [Tool] { status.withLock { $0.tools } }

    public func currentTools() async -> [any AgentTool] {
        let (tools, up) = status.withLock { ($0.tools, $0.session != nil) }
        guard up else { return [] }
        return tools.map { MCPTool(server: self, tool: $0) }
    }

    /// Runs until cancelled: connect, initialise, list, serve until the connection ends, then
    /// again after a backoff that starts over once a connection was healthy for a minute.
    public func run() async throws {
        var failures = 0
        while !Task.isCancelled {
            let began = ContinuousClock.now
            do {
                try await serveOnce()
            } catch is CancellationError {
                break
            } catch {
                status.withLock { $0.state = .down("\(error)") }
                log.warning("MCP server unavailable", ["error": "\(error)"])
            }
            status.withLock {
                $0.session = nil
                if case .ready = $0.state { $0.state = .down("the server stopped") }
            }
            if Task.isCancelled { break }
            failures = ContinuousClock.now - began > .seconds(60) ? 1 : failures + 1
            let delay = backoff.delay(after: failures)
            log.info("restarting the MCP server", ["in": "\(delay)"])
            try? await Task.sleep(for: delay)
        }
        let session = status.withLock { s -> MCPSession? in
            defer { s = (.down("stopped"), s.tools, nil) }
            return s.session
        }
        await session?.close()
    }

    private func serveOnce() async throws {
        let transport = try makeTransport()
        let session = MCPSession(transport: transport, name: config.name) { [weak self] method, _ in
            guard let self, method == "notifications/tools/list_changed" else { return }
            Task { try? await self.listTools() }
        }
        await session.start()
        do {
            let result = try await session.request(
                "initialize",
                .object([
                    "protocolVersion": .string(Self.protocolVersions[0]), "capabilities": .object([:]),
                    "clientInfo": .object(["name": .string("herald"), "version": .string("0.3")]),
                ]), timeout: .seconds(30))
            guard let version = result["protocolVersion"]?.string, Self.protocolVersions.contains(version) else {
                throw MCPSession.Failure(
                    message: "the server speaks protocol \(result["protocolVersion"]?.compact ?? "?"); Herald speaks \(Self.protocolVersions.joined(separator: ", "))")
            }
            (transport as? HTTPTransport)?.negotiated(version)
            try await session.notify("notifications/initialized")
            status.withLock { $0.session = session }
            try await listTools()
            status.withLock { $0.state = .ready(version: version, tools: $0.tools.count) }
            readyCount.withLock { $0 += 1 }
            log.info("MCP server ready", ["protocol": version, "tools": "\(tools.count)"])
            await withTaskCancellationHandler {
                await session.closed.wait()
            } onCancel: {
                Task { await session.close() }
            }
            try Task.checkCancellation()
            throw MCPSession.Failure(message: "the connection ended")
        } catch {
            await session.close()
            throw error
        }
    }

    private func makeTransport() throws -> any MCPTransport {
        switch config.endpoint {
        case .stdio(let command):
            var env: [String: String] = [:]
            for name in config.environment { env[name] = ProcessInfo.processInfo.environment[name] }
            return try StdioTransport(command: command, environment: env, name: config.name)
        case .http(let url):
            let token = try config.bearer?.resolve()
            if let token { Redactor.shared.register(token) }
            return HTTPTransport(url: url, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], caFile: config.caFile, name: config.name)
        }
    }

    /// `tools/list`, every page, filtered by include/exclude, in the server's order.
    func listTools() async throws {
        guard let session = status.withLock({ $0.session }) else { return }
        var all: [Tool] = []
        var cursor: String?
        repeat {
            let page = try await session.request(
                "tools/list", cursor.map { .object(["cursor": .string($0)]) }, timeout: .seconds(30))
            for t in page["tools"]?.array ?? [] {
                guard let name = t["name"]?.string else { continue }
                all.append(Tool(name: name, description: t["description"]?.string ?? "", schema: (t["inputSchema"] ?? .object(["type": .string("object")])).compact))
            }
            cursor = page["nextCursor"]?.string
        } while cursor != nil && all.count < 10_000
        let kept = all.filter { (config.include?.contains($0.name) ?? true) && !config.exclude.contains($0.name) }
        let changed = status.withLock { s -> Bool in
            defer { s.tools = kept }
            if case .ready(let v, _) = s.state { s.state = .ready(version: v, tools: kept.count) }
            return s.tools != kept
        }
        if changed { log.info("tools listed", ["tools": kept.map(\.name).joined(separator: ",")]) }
        listed.ring()
    }

    /// Calls one tool; a server that is down or dies during the call, or no answer within
    /// the timeout, is a `ToolError` the model reads (the turn goes on).
    public func call(_ tool: String, arguments: JSONValue) async throws -> MCPResult {
        let (session, offered) = status.withLock { ($0.session, $0.tools.contains { $0.name == tool }) }
        guard let session else { throw ToolError("the MCP server \(config.name) is not running right now") }
        // include/exclude decide what may run, not only what is shown.
        guard offered else { throw ToolError("\(config.name) offers no tool \(tool) here") }
        do {
            let result = try await session.request(
                "tools/call", .object(["name": .string(tool), "arguments": arguments]), timeout: .seconds(Int64(config.timeoutSeconds)))
            return MCPResult(result, limit: config.maxResultChars)
        } catch is CancellationError {
            throw CancellationError()
        } catch let e as RPCError {
            throw ToolError("the MCP server refused the call: \(e.message)")
        } catch {
            throw ToolError("the MCP server \(config.name) failed during the call: \(error)")
        }
    }
}
