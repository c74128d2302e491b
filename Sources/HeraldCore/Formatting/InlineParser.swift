/// Recursive inline Markdown parser with backtracking: a marker that never closes is text.
struct InlineParser {
    private let chars: [Character]
    private var pos = 0

    init(_ chars: [Character]) { self.chars = chars }

    mutating func parse(until closer: String?) -> [Markdown.Inline] {
        parse(closer: closer).inlines
    }

    private func at(_ s: String) -> Bool {
        var i = pos
        for c in s {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
        }
        return true
    }

    private mutating func parse(closer: String?) -> (inlines: [Markdown.Inline], closed: Bool) {
        var out: [Markdown.Inline] = []
        var text = ""
        func flush() {
            if !text.isEmpty { out.append(.text(text)) }
            text = ""
        }
        while pos < chars.count {
            if let closer, at(closer), !(closer.count == 1 && at(closer + closer)) {
                pos += closer.count
                flush()
                return (out, true)
            }
            let c = chars[pos]
            switch c {
            case "`":
                if let end = chars[(pos + 1)...].firstIndex(of: "`") {
                    flush()
                    out.append(.code(String(chars[(pos + 1)..<end])))
                    pos = end + 1
                    continue
                }
            case "*", "_", "~":
                let double = pos + 1 < chars.count && chars[pos + 1] == c
                let marker = double ? String(repeating: c, count: 2) : String(c)
                if c == "~" && !double { break }
                // An underscore inside a word (snake_case) is not markup.
                if c == "_", pos > 0, chars[pos - 1].isLetter || chars[pos - 1].isNumber { break }
                // A marker followed by a space opens nothing ("2 * 3").
                if pos + marker.count >= chars.count || chars[pos + marker.count].isWhitespace { break }
                let save = pos
                pos += marker.count
                let inner = parse(closer: marker)
                if inner.closed, !inner.inlines.isEmpty {
                    flush()
                    out.append(c == "~" ? .strike(inner.inlines) : double ? .bold(inner.inlines) : .italic(inner.inlines))
                    continue
                }
                pos = save
            case "[":
                if let link = linkAt(pos) {
                    flush()
                    var inner = InlineParser(Array(link.text))
                    out.append(.link(text: inner.parse(until: nil), url: link.url))
                    pos = link.end
                    continue
                }
            default:
                break
            }
            text.append(c)
            pos += 1
        }
        flush()
        return (out, closer == nil)
    }

    /// `[text](url)` starting at `i`, if well formed.
    private func linkAt(_ i: Int) -> (text: String, url: String, end: Int)? {
        var depth = 0
        var j = i
        while j < chars.count {
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" {
                depth -= 1
                if depth == 0 { break }
            }
            j += 1
        }
        guard j + 1 < chars.count, chars[j] == "]", chars[j + 1] == "(",
            let close = chars[(j + 2)...].firstIndex(of: ")")
        else { return nil }
        let url = String(chars[(j + 2)..<close]).trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty, !url.contains(" ") else { return nil }
        return (String(chars[(i + 1)..<j]), url, close + 1)
    }
}

import Foundation
