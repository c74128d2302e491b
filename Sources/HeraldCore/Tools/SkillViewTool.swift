import Foundation

/// `skill_view`: loads an enabled skill's full instructions. The prompt carries only each
/// skill's one-line description (progressive disclosure); this brings in the rest on demand.
public struct SkillViewTool: AgentTool {
    public let toolset = ToolSet.skills

    public init() {}

    public let spec = ToolSpec(
        name: "skill_view",
        description: "Read the full instructions of one of your skills before following it.",
        parametersJSON: """
            {"type":"object","properties":{"name":{"type":"string","description":"the skill's name"}},"required":["name"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let name = try arguments.required("name")
        guard let skill = context.skills.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else {
            throw ToolError("no enabled skill '\(name)'; enabled: \(context.skills.map(\.name).joined(separator: ", "))")
        }
        return skill.body
    }
}
