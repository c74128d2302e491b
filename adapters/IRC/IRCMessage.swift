import Foundation

/// One IRC protocol line: IRCv3 tags, source, command and parameters. Pure parsing and
/// serialising; nothing here touches a socket.
public struct IRCMessage: Sendable, Equatable {
    public var tags: [String: String]
    /// `nick!user@host` or a server name.
    public var source: String?
    public var command: String
    public var params: [String]

    public init(tags: [String: String] = [:], source: String? = nil, command: String, params: [String] = []) {
        self.tags = tags
        self.source = source
        self.command = command
        self.params = params
    }

    /// The nick part of the source.
    public var nick: String? { source.map { String($0.prefix { $0 != "!" && $0 != "@" }) } }

    /// Parses a line (without CR LF). Invalid UTF-8 is replaced, never fatal; nil for a line
    /// with no command.
    public static func parse(_ raw: Data) -> IRCMessage? { parse(String(decoding: raw, as: UTF8.self)) }

    public static func parse(_ line: String) -> IRCMessage? {
        var rest = Substring(line)
        var tags: [String: String] = [:]
        if rest.hasPrefix("@") {
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            for item in rest[rest.index(after: rest.startIndex)..<end].split(separator: ";") {
                let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                tags[String(kv[0])] = kv.count == 2 ? unescapeTag(kv[1]) : ""
            }
            rest = rest[end...].drop { $0 == " " }
        }
        var source: String?
        if rest.hasPrefix(":") {
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            source = String(rest[rest.index(after: rest.startIndex)..<end])
            rest = rest[end...].drop { $0 == " " }
        }
        let commandEnd = rest.firstIndex(of: " ") ?? rest.endIndex
        let command = rest[..<commandEnd].uppercased()
        guard !command.isEmpty else { return nil }
        rest = rest[commandEnd...].drop { $0 == " " }
        var params: [String] = []
        while !rest.isEmpty {
            if rest.hasPrefix(":") {
                params.append(String(rest.dropFirst()))
                break
            }
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            params.append(String(rest[..<end]))
            rest = rest[end...].drop { $0 == " " }
        }
        return IRCMessage(tags: tags, source: source, command: command, params: params)
    }

    static func unescapeTag(_ s: Substring) -> String {
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                switch c {
                case ":": out.append(";")
                case "s": out.append(" ")
                case "r": out.append("\r")
                case "n": out.append("\n")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The line to send (without CR LF). Every parameter is cleaned of CR, LF and NUL first, so
    /// nothing from a model or a user can end the line and start a command of its own; only the
    /// last parameter may contain spaces.
    public var line: String {
        var parts = [command]
        for (i, p) in params.enumerated() {
            let clean = IRCText.clean(p)
            if i == params.count - 1 && (clean.contains(" ") || clean.hasPrefix(":") || clean.isEmpty) {
                parts.append(":" + clean)
            } else {
                parts.append(clean.replacingOccurrences(of: " ", with: ""))
            }
        }
        return parts.joined(separator: " ")
    }
}
