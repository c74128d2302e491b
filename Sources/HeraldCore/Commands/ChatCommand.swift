/// A command typed in a chat: `/name args`, with an optional `@botname` suffix (groups).
public struct ChatCommand: Sendable, Equatable {
    public var name: String
    public var arguments: String

    /// The commands the core answers itself, on every adapter: one registry, used by `/help`
    /// and by adapters that advertise commands (Telegram's menu).
    public static let known: [(name: String, help: String)] = [
        ("new", "start a fresh session in this conversation"),
        ("stop", "cancel the reply being written"),
        ("approve", "let the tool call I asked about run: /approve [ID]"),
        ("deny", "refuse the tool call I asked about: /deny [ID]"),
        ("status", "show this conversation's profile, session and usage"),
        ("context", "show what the next prompt holds, with token counts"),
        ("usage", "show this session's tokens and cost"),
        ("memory", "show what the profile remembers"),
        ("skills", "list skills, on or off, and the tokens each adds"),
        ("skill", "switch a skill for this session: /skill on|off NAME"),
        ("toolset", "switch a tool set for this session: /toolset on|off NAME"),
        ("profile", "show or change this conversation's profile: /profile NAME"),
        ("model", "show or change this session's model: /model NAME"),
        ("cron", "scheduled jobs here: /cron list|add|pause|resume|run|delete|history|confirm|cancel"),
        ("brief", "describe a daily brief in your words; I draft the job for you to confirm"),
        ("find", "search the library: /find QUERY"),
        ("recent", "the latest things filed in the library"),
        ("refile", "read and categorise a library item again: /refile ID"),
        ("help", "list the commands"),
    ]

    /// The arguments split into words.
    public var words: [String] { arguments.split(whereSeparator: \.isWhitespace).map(String.init) }

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
