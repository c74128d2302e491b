import Foundation

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

    /// Cuts `text` into lines of at most `budget` UTF-8 bytes: at line ends, preferably at a
    /// space (which is dropped: servers strip trailing spaces, so a reader rejoins cut lines
    /// with one space), never inside a Unicode scalar. Empty lines are dropped (IRC cannot
    /// send them).
    public static func lines(_ text: String, budget: Int) -> [String] {
        var out: [String] = []
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var line = Substring(clean(String(raw)))
            while line.utf8.count > budget {
                // The longest prefix of whole scalars within the budget...
                var end = line.startIndex
                var used = 0
                for i in line.unicodeScalars.indices {
                    let size = line.unicodeScalars[i].utf8.count
                    if used + size > budget { break }
                    used += size
                    end = line.unicodeScalars.index(after: i)
                }
                // ...cut at its last space when that keeps at least half of it.
                var next = end
                if let space = line[..<end].lastIndex(of: " "), line.utf8.distance(from: line.startIndex, to: space) >= budget / 2 {
                    end = space
                    next = line.index(after: space)
                }
                out.append(String(line[..<end]))
                line = line[next...]
            }
            while line.last == " " { line = line.dropLast() }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { out.append(String(line)) }
        }
        return out
    }
}
