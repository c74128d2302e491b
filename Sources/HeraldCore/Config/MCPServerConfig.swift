import Foundation

/// One `[mcp.NAME]` server: a child process speaking stdio, or a Streamable HTTP endpoint.
/// Its tools form the tool set `mcp:NAME`.
public struct MCPServerConfig: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        /// argv of the server; it gets only `environment` (plus PATH, HOME, LANG).
        case stdio(command: [String])
        case http(url: String)
    }

    public var name: String
    public var endpoint: Endpoint
    /// Variables the child gets from Herald's environment, by name (a server's API key stays a
    /// reference: its value is never in the config).
    public var environment: [String] = []
    /// For HTTP: the bearer token, by secret reference.
    public var bearer: SecretRef?
    public var caFile: String?
    /// Only these tools (nil: all), and never these.
    public var include: [String]?
    public var exclude: [String] = []
    /// Tools each call of which the person in the conversation must approve first.
    public var confirm: [String] = []
    /// How long one tool call may take.
    public var timeoutSeconds = 60
    /// The most characters of a result the model sees (it is told what was cut).
    public var maxResultChars = 16_000

    public init(name: String, endpoint: Endpoint) {
        self.name = name
        self.endpoint = endpoint
    }

    /// The tool set name profiles and `/toolset` use.
    public var toolset: String { "mcp:\(name)" }
}
