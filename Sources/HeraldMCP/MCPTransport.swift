import Foundation

/// How messages reach one MCP server and come back. `send` hands a message to the server;
/// everything the server says (responses, its requests and notifications) arrives on
/// `incoming`, which finishes when the connection ends.
public protocol MCPTransport: Sendable {
    var incoming: AsyncStream<RPCMessage> { get }
    func send(_ message: RPCMessage) async throws
    /// Ends the connection (a stdio server is stopped, with its process).
    func close() async
}

/// A transport failure: the server is not there, went away, or its session expired.
public struct MCPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notRunning = "not_running"
        case closed
        case sessionExpired = "session_expired"
        case http
    }

    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "mcp \(code.rawValue): \(message)" }
}
