import Foundation

/// Turns an HTML page into readable text and its title. Pure and forgiving: a page is not
/// validated, only read; script, style and other invisible parts are dropped.
public enum HTMLText {
    static let invisible: Set<String> = ["script", "style", "noscript", "template", "svg"]
    static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article",
        "header", "footer", "blockquote", "pre", "hr", "title",
    ]
    static let cells: Set<String> = ["td", "th"]

    public static func extract(_ html: String) -> (title: String?, text: String) {
        var title: String?
        var out = ""
        var skipping: String?
        var inTitle = false
        var titleText = ""
        var i = html.startIndex
        while i < html.endIndex {
            let c = html[i]
            if c == "<" {
                if html[i...].hasPrefix("<!--") {
                    i = html[i...].range(of: "-->")?.upperBound ?? html.endIndex
                    continue
                }
                guard let close = html[i...].firstIndex(of: ">") else { break }
                let tag = html[html.index(after: i)..<close]
                let closing = tag.hasPrefix("/")
                let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                i = html.index(after: close)
                if let s = skipping {
                    if closing && name == s { skipping = nil }
                    continue
                }
                if name == "title" {
                    inTitle = !closing
                    if closing, title == nil { title = decode(titleText).collapsingSpaces }
                    continue
                }
                if !closing && invisible.contains(name) && !tag.hasSuffix("/") {
                    skipping = name
                    continue
                }
                if blocks.contains(name) { out += "\n" }
                // Cells of a row are separated, not run together ("Total | 42").
                if !closing && cells.contains(name), let last = out.last, last != "\n" { out += " | " }
                continue
            }
            if skipping == nil {
                if inTitle { titleText.append(c) } else { out.append(c) }
            }
            i = html.index(after: i)
        }
        let lines = decode(out).split(separator: "\n").map { String($0).collapsingSpaces }.filter { !$0.isEmpty }
        return (title, lines.joined(separator: "\n"))
    }

    /// The named references by name ("amp;", and the legacy "amp"), read once from the table.
    static let entities: [Substring: String] = {
        var table: [Substring: String] = [:]
        for line in namedReferences.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let scalars = line[line.index(after: eq)...].split(separator: "+").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
            table[line[..<eq]] = String(String.UnicodeScalarView(scalars))
        }
        return table
    }()

    /// Decodes character references: numeric ones (`&#8212;`, `&#x263A;`) and every HTML5
    /// named one, the legacy names also without their ";". Anything else stays as written.
    static func decode(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let (replacement, next) = reference(in: s, at: s.index(after: i)) {
                out += replacement
                i = next
                continue
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    /// The reference starting at `start` (just after "&"): its text and where the rest begins.
    private static func reference(in s: String, at start: String.Index) -> (String, String.Index)? {
        let rest = s[start...]
        if rest.first == "#" {
            let hex = rest.dropFirst().first.map { $0 == "x" || $0 == "X" } ?? false
            let digits = rest.dropFirst(hex ? 2 : 1).prefix { hex ? $0.isHexDigit : $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: hex ? 16 : 10) else { return nil }
            var end = digits.endIndex
            if end < s.endIndex, s[end] == ";" { end = s.index(after: end) }
            // NUL, surrogates and out-of-range values read as the replacement character.
            let scalar = value == 0 ? nil : Unicode.Scalar(value)
            return (String(Character(scalar ?? "\u{FFFD}")), end)
        }
        let name = rest.prefix(32).prefix { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard !name.isEmpty else { return nil }
        if name.endIndex < s.endIndex, s[name.endIndex] == ";", let text = entities[s[start...name.endIndex]] {
            return (text, s.index(after: name.endIndex))
        }
        // Only the legacy names stand without ";", and the longest one wins ("&notin" is "¬in").
        var end = name.endIndex
        while end > start {
            if let text = entities[s[start..<end]] { return (text, end) }
            end = s.index(before: end)
        }
        return nil
    }
}

extension String {
    var collapsingSpaces: String {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" }).joined(separator: " ")
    }
}
