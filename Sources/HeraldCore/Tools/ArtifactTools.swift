import Foundation

/// `artifact_save`, `artifact_search`, `artifact_get`: the library from any profile that has
/// the `artifacts` tool set.
public struct ArtifactSaveTool: AgentTool {
    let librarian: Librarian
    public let toolset = "artifacts"

    public init(librarian: Librarian) { self.librarian = librarian }

    public let spec = ToolSpec(
        name: "artifact_save",
        description: "File a link in the library (it is fetched, tagged and summarised).",
        parametersJSON: """
            {"type":"object","properties":{"url":{"type":"string"}},"required":["url"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let url = try arguments.required("url")
        _ = try WebPolicy.target(of: url)
        let chain = context.profile.config.models
        let (a, isNew) = try await librarian.fileLink(url, owner: context.sender, chain: chain)
        return (isNew ? "Filed " : "Already filed ") + a.line
    }
}

public struct ArtifactSearchTool: AgentTool {
    let access: ArtifactAccess
    public let toolset = "artifacts"

    public init(access: ArtifactAccess) { self.access = access }

    public let spec = ToolSpec(
        name: "artifact_search",
        description: "Search the library of filed links and documents. Returns ids, titles, categories and tags.",
        parametersJSON: """
            {"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let hits = try await access.search(try arguments.required("query"), for: context.sender, limit: 8)
        guard !hits.isEmpty else { return "Nothing in the library matches." }
        return hits.map { $0.line + ($0.summary.map { "\n  " + $0 } ?? "") }.joined(separator: "\n")
    }
}

public struct ArtifactGetTool: AgentTool {
    let access: ArtifactAccess
    public let toolset = "artifacts"

    public init(access: ArtifactAccess) { self.access = access }

    public let spec = ToolSpec(
        name: "artifact_get",
        description: "Read one library item by id: its source, summary and text.",
        parametersJSON: """
            {"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        guard let a = try await access.item(try arguments.required("id"), for: context.sender) else {
            throw ToolError("no library item with that id")
        }
        return "\(a.line)\nSource: \(a.canonicalURL ?? a.source)\n" + (a.summary.map { "Summary: \($0)\n" } ?? "") + "\n"
            + String(a.text.prefix(6000))
    }
}
