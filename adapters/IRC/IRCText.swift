import Foundation
import HeraldCore

/// Text rules of IRC: what may appear in a line, and how a reply is cut into lines that fit.
public enum IRCText {
    /// Removes CR, LF and NUL (each could end or corrupt the line) and CTCP's \u{01}.
    public static func clean(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" && $0 != "\u{01}" }.map(Character.init))
    }

    /// The bytes a PRIVMSG's text may use: 512 minus CR LF, minus what the server prepends when
    /// relaying it (`:nick!user@host PRIVMSG target :`). `hostmask` is our own `nick!user@host`
    /// when known; otherwise a generous allowance for it is assumed.
    public static func budget(target: String, hostmask: String?) -> Int {
        let prefix = ":\(hostmask ?? String(repeating: "x", count: 100)) PRIVMSG \(target) :"
        return 510 - prefix.utf8.count
    }

    /// Cuts `text` into lines of at most `budget` UTF-8 bytes (the core's line cutter), each
    /// cleaned of what IRC cannot carry.
    public static func lines(_ text: String, budget: Int) -> [String] {
        let cleaned = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { clean(String($0)) }.joined(separator: "\n")
        return Formatter.lines(cleaned, budget: budget)
    }
}
