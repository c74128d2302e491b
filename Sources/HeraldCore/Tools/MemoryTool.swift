import Foundation

/// `memory`: the model keeps notes about the work (profile memory) and about the person it
/// talks with (user memory, keyed by that person's stable id). Changes apply to new sessions:
/// the current prompt keeps its frozen copy so its cached prefix stays valid.
public struct MemoryTool: AgentTool {
    let store: any MemoryStore
    public let toolset = "memory"

    public init(store: any MemoryStore) { self.store = store }

    public let spec = ToolSpec(
        name: "memory",
        description: "Save durable notes. target 'profile' = facts about the work; 'user' = facts about this person. "
            + "action add (text), replace (old, text) or remove (old). Notes reach the prompt in new sessions.",
        parametersJSON: """
            {"type":"object","properties":{\
            "action":{"type":"string","enum":["add","replace","remove"]},\
            "target":{"type":"string","enum":["profile","user"]},\
            "text":{"type":"string","description":"the note (add, replace)"},\
            "old":{"type":"string","description":"part of the note to replace or remove"}},\
            "required":["action","target"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let scope = try MemoryScope(rawValue: arguments.required("target")).orThrow("target must be 'profile' or 'user'")
        let key = MemoryKey(profile: context.profile.name, scope: scope, owner: context.sender)
        let limit = scope == .profile ? context.profile.config.memoryChars : context.profile.config.userMemoryChars
        var book = MemoryBook(entries: try await store.memory(key), limit: limit)
        switch try arguments.required("action") {
        case "add": try book.add(try arguments.required("text"))
        case "replace": try book.replace(try arguments.required("old"), with: try arguments.required("text"))
        case "remove": try book.remove(try arguments.required("old"))
        case let other: throw ToolError("unknown action '\(other)'; use add, replace or remove")
        }
        try await store.setMemory(book.entries, for: key)
        return "Saved (\(book.used)/\(limit) characters used). It applies to new sessions; this one keeps the memory it started with."
    }
}

extension Optional {
    func orThrow(_ message: String) throws(ToolError) -> Wrapped {
        guard let self else { throw ToolError(message) }
        return self
    }
}
