extension Formatter {
    /// Units in a dialect: lines joined by newlines, a blank line between blocks.
    static func render(_ units: [Unit], _ dialect: AdapterCapabilities.Dialect) -> String {
        switch dialect {
        case .telegramHTML, .matrixHTML: join(units, html)
        case .markdown: join(units, markdown)
        case .plain, .irc: plain(units)
        }
    }

    /// The visible text: what a platform counts after it parsed the markup.
    static func plain(_ units: [Unit]) -> String {
        join(units) { u in
            switch u {
            case .gap: return ""
            case .code(_, let text): return text
            case .line(let prefix, let quote, let segs):
                return (quote ? "> " : "") + prefix + segs.map { s in
                    s.link.map { s.text == $0 ? s.text : "\(s.text) (\($0))" } ?? s.text
                }.joined()
            }
        }
    }

    private static func join(_ units: [Unit], _ one: (Unit) -> String) -> String {
        units.map(one).joined(separator: "\n")
    }

    /// HTML as Telegram and Matrix accept it: only b, i, s, code, pre, a; text escaped.
    static func html(_ u: Unit) -> String {
        switch u {
        case .gap:
            return ""
        case .code(let language, let text):
            let cls = language.map { " class=\"language-\(escapeAttribute($0))\"" } ?? ""
            return "<pre><code\(cls)>\(escapeHTML(text))</code></pre>"
        case .line(let prefix, let quote, let segs):
            var out = (quote ? "&gt; " : "") + escapeHTML(prefix)
            for s in segs {
                var t = escapeHTML(s.text)
                if s.code { t = "<code>\(t)</code>" }
                if s.strike { t = "<s>\(t)</s>" }
                if s.italic { t = "<i>\(t)</i>" }
                if s.bold { t = "<b>\(t)</b>" }
                if let link = s.link { t = "<a href=\"\(escapeAttribute(link))\">\(t)</a>" }
                out += t
            }
            return out
        }
    }

    static func markdown(_ u: Unit) -> String {
        switch u {
        case .gap:
            return ""
        case .code(let language, let text):
            return "```\(language ?? "")\n\(text)\n```"
        case .line(let prefix, let quote, let segs):
            return (quote ? "> " : "") + prefix + segs.map { s in
                var t = s.code ? "`\(s.text)`" : s.text
                if s.strike { t = "~~\(t)~~" }
                if s.italic { t = "_\(t)_" }
                if s.bold { t = "**\(t)**" }
                if let link = s.link { t = "[\(t)](\(link))" }
                return t
            }.joined()
        }
    }

    /// Escapes text for HTML bodies: &, < and >.
    public static func escapeHTML(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func escapeAttribute(_ s: String) -> String {
        escapeHTML(s).replacingOccurrences(of: "\"", with: "&quot;")
    }
}
