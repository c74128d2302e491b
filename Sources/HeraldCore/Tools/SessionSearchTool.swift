import Foundation

/// `session_search`: full-text search over this person's past sessions (every profile's),
/// never anyone else's.
public struct SessionSearchTool: AgentTool {
    let store: any SessionStore
    public let toolset = "sessions"

    public init(store: any SessionStore) { self.store = store }

    public let spec = ToolSpec(
        name: "session_search",
        description: "Search the earlier conversations of the person you are talking with. Returns matching excerpts.",
        parametersJSON: """
            {"type":"object","properties":{"query":{"type":"string","description":"words to look for"}},"required":["query"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let hits = try await store.search(try arguments.required("query"), sender: context.sender, limit: 8)
        guard !hits.isEmpty else { return "No earlier messages match." }
        return hits.map { "[\($0.at.formatted(.iso8601.year().month().day())) \($0.role.rawValue)] \($0.snippet)" }
            .joined(separator: "\n")
    }
}
