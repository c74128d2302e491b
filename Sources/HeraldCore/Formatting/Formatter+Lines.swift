import Foundation

extension Formatter {
    /// Cuts `text` into lines of at most `budget` UTF-8 bytes: at line ends, preferably at a
    /// space (which is dropped: servers strip trailing spaces, so a reader rejoins cut lines
    /// with one space), never inside a Unicode scalar. Empty lines are dropped (line-oriented
    /// platforms such as IRC cannot send them).
    public static func lines(_ text: String, budget: Int) -> [String] {
        let budget = max(4, budget)
        var out: [String] = []
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var line = Substring(raw)
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
