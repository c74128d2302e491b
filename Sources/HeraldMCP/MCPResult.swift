import Foundation
import HeraldCore

/// A `tools/call` result as the model reads it: text content as text, structured content as
/// compact JSON, images and resources as a short note (their bytes are not sent to a text
/// model), capped with a note saying what was cut. `isError` makes it a tool error.
public struct MCPResult: Sendable, Equatable {
    public var text: String
    public var isError: Bool

    public init(_ result: JSONValue, limit: Int) {
        var parts: [String] = []
        for item in result["content"]?.array ?? [] {
            switch item["type"]?.string {
            case "text": parts.append(item["text"]?.string ?? "")
            case "image", "audio":
                let bytes = (item["data"]?.string?.count ?? 0) * 3 / 4
                parts.append("[\(item["type"]?.string ?? "") \(item["mimeType"]?.string ?? "?"), about \(bytes) bytes: not shown]")
            case "resource":
                let r = item["resource"]
                if let text = r?["text"]?.string {
                    parts.append("[resource \(r?["uri"]?.string ?? "?")]\n\(text)")
                } else {
                    parts.append("[resource \(r?["uri"]?.string ?? "?"), \(r?["mimeType"]?.string ?? "binary"): not shown]")
                }
            case "resource_link": parts.append("[link to resource \(item["uri"]?.string ?? "?")]")
            default: parts.append("[content of type \(item["type"]?.compact ?? "?") not shown]")
            }
        }
        // Structured content is the machine-readable answer; its text twin adds nothing.
        let structured = result["structuredContent"].flatMap { $0 == .null ? nil : $0 }
        var text = structured.map(\.compact) ?? parts.joined(separator: "\n")
        if let structured, parts.contains(where: { $0.hasPrefix("[") }) { text = structured.compact + "\n" + parts.filter { $0.hasPrefix("[") }.joined(separator: "\n") }
        if text.count > limit {
            let cut = text.count - limit
            text = String(text.prefix(limit)) + "\n[cut: \(cut) more characters of this result were not shown]"
        }
        self.text = text
        isError = result["isError"]?.bool ?? false
    }
}

/// One MCP tool offered to the model as `SERVER__TOOL` (OpenAI-style names allow no dots).
/// Its description is the server's, marked as such: tool text is untrusted.
struct MCPTool: AgentTool {
    let server: MCPServer
    let tool: MCPServer.Tool

    var spec: ToolSpec {
        ToolSpec(
            name: "\(server.config.name)__\(tool.name)",
            description: "(from MCP server \(server.config.name)) \(tool.description)", parametersJSON: tool.schema)
    }

    var toolset: String { server.toolset }
    func approval(for arguments: ToolArguments, context: ToolContext) -> ApprovalNeed { server.config.confirm.contains(tool.name) ? .ask : .none }
    var approvalName: String { "\(server.config.name).\(tool.name)" }

    func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let raw = arguments.raw.isEmpty ? "{}" : arguments.raw
        guard let json = try? JSONValue.parse(raw), case .object = json else {
            throw ToolError("the arguments are not a JSON object")
        }
        let result = try await server.call(tool.name, arguments: json)
        if result.isError { throw ToolError(result.text) }
        return result.text
    }
}
