import Foundation
import HeraldCore

/// One JSON-RPC session with an MCP server over a transport: requests matched to their
/// responses by id, each with a timeout (and `notifications/cancelled` when it runs out or the
/// caller is cancelled), the server's pings answered, its notifications passed on.
public actor MCPSession {
    /// A request that got no answer in time, or whose session ended first.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private let transport: any MCPTransport
    private let log: Logger
    private var nextID: Int64 = 1
    private var pending: [RPCID: CheckedContinuation<RPCMessage, any Error>] = [:]
    private var ended: String?
    private let onNotification: @Sendable (String, JSONValue?) -> Void
    private var reader: Task<Void, Never>?
    /// Finishes when the server's messages stop (it exited, or the session expired).
    public nonisolated let closed = Latch()

    public init(transport: any MCPTransport, name: String, onNotification: @escaping @Sendable (String, JSONValue?) -> Void = { _, _ in }) {
        self.transport = transport
        self.log = Logger("mcp.\(name)")
        self.onNotification = onNotification
    }

    /// Starts reading what the server says.
    public func start() {
        let incoming = transport.incoming
        reader = Task { [weak self] in
            for await message in incoming { await self?.handle(message) }
            await self?.end("the server closed the connection")
        }
    }

    private func handle(_ message: RPCMessage) async {
        switch message.kind {
        case .response(let id):
            if let c = pending.removeValue(forKey: id) { c.resume(returning: message) }
        case .request(let id, "ping"):
            try? await transport.send(.response(id, result: .object([:])))
        case .request(let id, let method):
            // Herald offers no client features (sampling, roots, elicitation).
            try? await transport.send(RPCMessage(id: id, error: RPCError(code: -32601, message: "Herald does not support \(method)")))
        case .notification(let method):
            onNotification(method, message.params)
        case .invalid:
            break
        }
    }

    private func end(_ why: String) {
        guard ended == nil else { return }
        ended = why
        for (_, c) in pending { c.resume(throwing: Failure(message: why)) }
        pending.removeAll()
        closed.set()
    }

    /// Sends a request and returns its result; a JSON-RPC error throws `RPCError`.
    public func request(_ method: String, _ params: JSONValue? = nil, timeout: Duration) async throws -> JSONValue {
        if let ended { throw Failure(message: ended) }
        let id = RPCID.number(nextID)
        nextID += 1
        let response: RPCMessage = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<RPCMessage, any Error>) in
                pending[id] = c
                Task {
                    do {
                        try await self.transport.send(.request(id, method, params))
                    } catch {
                        self.fail(id, error)
                    }
                }
                Task {
                    try? await Task.sleep(for: timeout)
                    await self.giveUp(id, why: "no answer to \(method) within \(timeout)")
                }
            }
        } onCancel: {
            Task { await self.giveUp(id, why: "cancelled") }
        }
        if let error = response.error { throw error }
        return response.result ?? .null
    }

    private func fail(_ id: RPCID, _ error: any Error) {
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    /// Tells the server to stop working on `id` (the spec's `notifications/cancelled`).
    private func giveUp(_ id: RPCID, why: String) async {
        guard let c = pending.removeValue(forKey: id) else { return }
        c.resume(throwing: why == "cancelled" ? CancellationError() : Failure(message: why))
        log.info("request cancelled", ["id": id.description, "why": why])
        var params: [String: JSONValue] = ["reason": .string(why)]
        switch id {
        case .number(let n): params["requestId"] = .number(Double(n))
        case .string(let s): params["requestId"] = .string(s)
        }
        try? await transport.send(.notification("notifications/cancelled", .object(params)))
    }

    public func notify(_ method: String, _ params: JSONValue? = nil) async throws {
        try await transport.send(.notification(method, params))
    }

    public func close() async {
        reader?.cancel()
        await transport.close()
        end("closed")
    }
}
