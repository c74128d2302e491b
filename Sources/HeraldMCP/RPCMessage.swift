import Foundation

/// A JSON-RPC 2.0 id: MCP allows numbers and strings.
public enum RPCID: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Int64)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int64.self) { self = .number(n) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .number(let n): "\(n)"
        case .string(let s): s
        }
    }
}

/// A JSON-RPC error object.
public struct RPCError: Sendable, Codable, Equatable, Error, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?
    public var description: String { "JSON-RPC error \(code): \(message)" }
}

/// One JSON-RPC message as it travels: a request (id and method), a notification (method, no
/// id) or a response (id with result or error). Parsed once; what it is, is `kind`.
public struct RPCMessage: Sendable, Codable, Equatable {
    public var jsonrpc = "2.0"
    public var id: RPCID?
    public var method: String?
    public var params: JSONValue?
    public var result: JSONValue?
    public var error: RPCError?

    public enum Kind: Equatable {
        case request(RPCID, String)
        case notification(String)
        case response(RPCID)
        case invalid
    }

    public var kind: Kind {
        switch (id, method) {
        case (let id?, let m?): .request(id, m)
        case (nil, let m?): .notification(m)
        case (let id?, nil) where result != nil || error != nil: .response(id)
        default: .invalid
        }
    }

    public static func request(_ id: RPCID, _ method: String, _ params: JSONValue? = nil) -> RPCMessage {
        RPCMessage(id: id, method: method, params: params)
    }

    public static func notification(_ method: String, _ params: JSONValue? = nil) -> RPCMessage {
        RPCMessage(method: method, params: params)
    }

    public static func response(_ id: RPCID, result: JSONValue) -> RPCMessage { RPCMessage(id: id, result: result) }

    public var encoded: Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)) ?? Data()
    }

    /// Decodes one message; a message that is not JSON-RPC throws (the caller logs its bytes).
    public static func decode(_ data: Data) throws -> RPCMessage {
        let m = try JSONDecoder().decode(RPCMessage.self, from: data)
        guard m.kind != .invalid else { throw RPCError(code: -32600, message: "not a JSON-RPC message") }
        return m
    }
}
