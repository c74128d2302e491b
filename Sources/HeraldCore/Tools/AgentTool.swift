import Foundation

/// The named groups tools come in. A profile enables sets; `/toolset on|off NAME` toggles one
/// for a session. A disabled set's tools are absent from the request, not merely refused.
public enum ToolSet {
    /// Every tool set of this build.
    public static let known = ["memory", "sessions", "scheduling", "web", "delegation", "artifacts"]
    /// `skill_view` is offered whenever a skill is enabled; it is not switched on its own.
    public static let skills = "skills"
}

/// What a tool call may know about the turn it runs in.
public struct ToolContext: Sendable {
    public var session: SessionRecord
    public var profile: Profile
    /// The person talking: their stable id (`platform/sender`).
    public var sender: String
    /// The skills enabled in this session.
    public var skills: [Skill]
    /// Tool sets enabled in this session (a sub-agent gets a subset of them).
    public var toolsets: Set<String>
    /// 0 for a person's session; a sub-agent is one deeper than its parent.
    public var depth: Int

    public init(session: SessionRecord, profile: Profile, sender: String, skills: [Skill], toolsets: Set<String> = [], depth: Int = 0) {
        self.session = session
        self.profile = profile
        self.sender = sender
        self.skills = skills
        self.toolsets = toolsets
        self.depth = depth
    }
}

/// A tool the agent can run for the model. The core runs it; the model never decides where
/// a reply goes or who may talk.
public protocol AgentTool: Sendable {
    var spec: ToolSpec { get }
    /// The set it belongs to (see `ToolSet`).
    var toolset: String { get }
    /// Runs the call. A thrown `ToolError` is shown to the model as the result, so it can
    /// correct itself; it is not a failed turn.
    func call(arguments: ToolArguments, context: ToolContext) async throws -> String
    /// Whether this call may run freely, must wait for the person's approval, or is refused
    /// (the model reads why).
    func approval(for arguments: ToolArguments, context: ToolContext) -> ApprovalNeed
    /// The tool as an approval request names it ("calendar.delete_event").
    var approvalName: String { get }
    /// What the person is asked to allow, in words ("calendar.delete_event with {...}").
    func approvalQuestion(for arguments: ToolArguments, context: ToolContext) -> String
}

/// What a call needs before it runs.
public enum ApprovalNeed: Sendable, Equatable {
    case none
    case ask
    case refused(String)
}

extension AgentTool {
    public func approval(for arguments: ToolArguments, context: ToolContext) -> ApprovalNeed { .none }
    public var approvalName: String { spec.name }
    public func approvalQuestion(for arguments: ToolArguments, context: ToolContext) -> String {
        let raw = arguments.raw.count > 400 ? String(arguments.raw.prefix(400)) + "…" : arguments.raw
        return "\(approvalName) with \(raw)"
    }
}

/// Tools that come and go while Herald runs (an MCP server's: listed when it starts, gone
/// while it is down, re-listed when it says they changed). All of them form one tool set.
public protocol ToolProvider: Sendable {
    var toolset: String { get }
    /// The tools offered right now; none while the source is down.
    func currentTools() async -> [any AgentTool]
    /// Why the set offers nothing right now (a server that is down), for `/context` and
    /// doctor; nil when it is up.
    var unavailable: String? { get }
}

/// A tool call's mistake, explained to the model.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The JSON object a model sent as arguments, read leniently: small models send numbers as
/// strings and the other way round.
public struct ToolArguments: Sendable {
    private let values: [String: String]
    /// The JSON text as the model sent it (for tools that pass it on typed, such as MCP's).
    public let raw: String

    public init(json: String) throws(ToolError) {
        let trimmed = json.trimmingCharacters(in: .whitespacesAndNewlines)
        raw = trimmed
        if trimmed.isEmpty {
            values = [:]
            return
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
            throw ToolError("the arguments are not a JSON object: \(trimmed.prefix(200))")
        }
        var v: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let s as String: v[key] = s
            case let n as NSNumber: v[key] = n.stringValue
            case is NSNull: break
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value) { v[key] = String(decoding: data, as: UTF8.self) }
            }
        }
        values = v
    }

    public subscript(key: String) -> String? { values[key] }

    public func required(_ key: String) throws(ToolError) -> String {
        guard let v = values[key], !v.isEmpty else { throw ToolError("missing argument '\(key)'") }
        return v
    }
}
