import Foundation

/// A session: one conversation's context with one profile, from its start (or `/new`) on.
public struct SessionRecord: Sendable, Equatable {
    public var id: String
    public var conversation: ConversationRef
    public var profile: String
    public var createdAt: Date
    /// The llama.cpp slot this session is pinned to, if any.
    public var slot: Int?

    public init(id: String, conversation: ConversationRef, profile: String, createdAt: Date, slot: Int? = nil) {
        self.id = id
        self.conversation = conversation
        self.profile = profile
        self.createdAt = createdAt
        self.slot = slot
    }
}

/// One message in a session's history.
public struct SessionMessage: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// Token count, measured by the model server when it can (else estimated).
    public var tokens: Int
    public var toolCallID: String?
    public var toolCalls: [ToolCall]?
    /// The store's id, once stored.
    public var id: Int64?

    public init(role: Role, content: String, tokens: Int = 0, toolCallID: String? = nil, toolCalls: [ToolCall]? = nil, id: Int64? = nil) {
        self.id = id
        self.role = role
        self.content = content
        self.tokens = tokens
        self.toolCallID = toolCallID
        self.toolCalls = toolCalls
    }
}

/// A tool call the model asked for.
public struct ToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Token use and timings of one model call.
public struct Usage: Sendable, Equatable, Codable {
    public var model: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens the server reused from its cache.
    public var cachedTokens: Int
    public var promptMilliseconds: Double
    public var generationMilliseconds: Double
    public var totalMilliseconds: Double

    public init(
        model: String, promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int = 0,
        promptMilliseconds: Double = 0, generationMilliseconds: Double = 0, totalMilliseconds: Double = 0
    ) {
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.promptMilliseconds = promptMilliseconds
        self.generationMilliseconds = generationMilliseconds
        self.totalMilliseconds = totalMilliseconds
    }
}

/// A usage row as stored, with its session and profile.
public struct UsageRecord: Sendable, Equatable {
    public var sessionID: String
    public var profile: String
    public var usage: Usage
    public var at: Date

    public init(sessionID: String, profile: String, usage: Usage, at: Date) {
        self.sessionID = sessionID
        self.profile = profile
        self.usage = usage
        self.at = at
    }
}
