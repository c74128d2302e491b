/// A command typed in a chat: `/name args`, with an optional `@botname` suffix (groups).
public struct ChatCommand: Sendable, Equatable {
    public var name: String
    public var arguments: String

    /// The commands the core answers itself.
    public static let known: [(name: String, help: String)] = [
        ("new", "start a fresh session in this conversation"),
        ("status", "show this conversation's profile, session and usage"),
        ("help", "list the commands"),
    ]

    /// Parses `text` if it is one of the known commands; anything else goes to the model.
    /// `botName`, when given, must match an `@` suffix if there is one.
    public static func parse(_ text: String, botName: String? = nil) -> ChatCommand? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("/") else { return nil }
        let head = trimmed.dropFirst().prefix { !$0.isWhitespace }
        var name = String(head)
        if let at = name.firstIndex(of: "@") {
            let target = name[name.index(after: at)...]
            if let botName, target.caseInsensitiveCompare(botName) != .orderedSame { return nil }
            name = String(name[..<at])
        }
        name = name.lowercased()
        guard known.contains(where: { $0.name == name }) else { return nil }
        let args = trimmed.dropFirst(1 + head.count).trimmingCharacters(in: .whitespaces)
        return ChatCommand(name: name, arguments: args)
    }
}
