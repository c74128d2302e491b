/// A tool the model may call, described as JSON Schema.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments, as JSON text.
    public var parametersJSON: String

    public init(name: String, description: String, parametersJSON: String) {
        self.name = name
        self.description = description
        self.parametersJSON = parametersJSON
    }
}

/// One chat completion request.
public struct ModelRequest: Sendable {
    public var messages: [SessionMessage]
    public var tools: [ToolSpec]
    /// Whether the model may call `tools` (`.none` sends them only so the prompt stays the same).
    public var toolChoice: ToolChoice
    public var maxTokens: Int?
    public var temperature: Double?
    /// The session asking; llama-server pins each session to a slot so its prompt cache is reused.
    public var sessionID: String

    public enum ToolChoice: String, Sendable { case auto, none }

    public init(
        messages: [SessionMessage], tools: [ToolSpec] = [], toolChoice: ToolChoice = .auto, maxTokens: Int? = nil,
        temperature: Double? = nil, sessionID: String
    ) {
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.sessionID = sessionID
    }
}

/// What the model answered.
public struct ModelResponse: Sendable, Equatable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var finishReason: String?
    public var usage: Usage
}

/// A model call that failed.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The server cannot be reached or is overloaded: try again later (the message is kept).
        case unavailable
        /// The server answered with something that is not a valid completion.
        case badResponse = "bad_response"
        /// The server refused the request (4xx other than 408/429).
        case rejected
        /// The prompt is larger than the server's window (`limit`, when the server said).
        case contextExceeded = "context_exceeded"
    }

    public var code: Code
    public var backend: String
    public var message: String
    /// For `contextExceeded`: the window the server gave in its refusal.
    public var limit: Int?

    public init(_ code: Code, backend: String, _ message: String, limit: Int? = nil) {
        self.code = code
        self.backend = backend
        self.message = message
        self.limit = limit
    }

    public var description: String { "model \(backend) \(code.rawValue): \(message)" }
}

/// The role every model server fills: OpenAI-compatible chat completions, streaming.
public protocol ModelBackend: Sendable {
    var name: String { get }
    /// Runs one completion; `onDelta` receives text as it streams in.
    func complete(_ request: ModelRequest, onDelta: @escaping @Sendable (String) async -> Void) async throws -> ModelResponse
    /// The context window of one request, when the server tells (or the config says).
    func contextTokens() async -> Int?
    /// Exact token count from the server's tokenizer, when it has one.
    func countTokens(_ text: String) async -> Int?
    /// False when the server says the model's chat template cannot carry tools (llama-server
    /// then drops them from the prompt without a word): tools are not offered at all.
    func supportsTools() async -> Bool
    /// What `tools` add to a prompt as the server's chat template renders them (schemas and
    /// the template's own tool instructions), when the server can tell.
    func countToolTokens(_ tools: [ToolSpec]) async -> Int?
}

extension ModelBackend {
    public func supportsTools() async -> Bool { true }
    public func countToolTokens(_ tools: [ToolSpec]) async -> Int? { nil }

    /// A rough count for servers without a tokenizer endpoint: about 3.5 bytes a token.
    public static func estimateTokens(_ text: String) -> Int { text.utf8.count * 2 / 7 + 4 }
}
