import Foundation

/// Turns an HTML page into readable text and its title. Pure and forgiving: a page is not
/// validated, only read; script, style and other invisible parts are dropped.
public enum HTMLText {
    static let invisible: Set<String> = ["script", "style", "noscript", "template", "svg"]
    static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article",
        "header", "footer", "blockquote", "pre", "hr", "title",
    ]

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

    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "mdash": "—", "ndash": "–", "hellip": "…",
        "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "copy": "©", "eacute": "é",
    ]

    static func decode(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let name = s[s.index(after: i)..<semi]
                var replacement: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    replacement = entities[String(name)]
                }
                if let replacement {
                    out += replacement
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }
}

extension String {
    var collapsingSpaces: String {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" }).joined(separator: " ")
    }
}
