import Foundation

/// Building blocks of the server-rendered pages: escaping, the layout, tables and forms.
/// Everything a person typed or a model wrote passes through `esc` before it is HTML.
enum HTML {
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A path segment or query value, percent-encoded, then escaped for an attribute.
    static func url(_ s: String) -> String { esc(FormData.encode(s)) }

    static let sections: [(path: String, title: String)] = [
        ("/sessions", "Sessions"), ("/jobs", "Jobs"), ("/library", "Library"), ("/profiles", "Profiles"),
        ("/outbox", "Outbox"), ("/access", "Access"),
    ]

    /// A whole page. `live` names the event kinds after which the page's main part reloads
    /// itself (see app.js); `csrf` goes into a meta tag for scripts and into every form.
    static func page(title: String, section: String, csrf: String, live: [String] = [], _ body: String) -> String {
        let nav = sections.map { s in
            "<a href=\"\(s.path)\"\(s.path == section ? " class=\"on\" aria-current=\"page\"" : "")>\(s.title)</a>"
        }.joined()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf" content="\(esc(csrf))">
            <title>\(esc(title)) · Herald</title>
            <link rel="stylesheet" href="/assets/app.css">
            <script src="/assets/app.js" defer></script>
            </head><body>
            <header><span class="brand">Herald</span><nav>\(nav)</nav>
            <span id="live" title="live updates">offline</span>
            <form method="post" action="/logout" class="inline">\(csrfField(csrf))<button class="link">log out</button></form></header>
            <main data-live="\(esc(live.joined(separator: " ")))">
            <h1>\(esc(title))</h1>
            \(body)
            </main>
            <footer id="activity" aria-live="polite"></footer>
            </body></html>
            """
    }

    static func csrfField(_ csrf: String) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(esc(csrf))\">" }

    /// A one-button form: POST to `action`.
    static func button(_ label: String, action: String, csrf: String, fields: [String: String] = [:], confirm: String? = nil, cls: String = "")
        -> String
    {
        let hidden = fields.sorted { $0.key < $1.key }.map { "<input type=\"hidden\" name=\"\(esc($0.key))\" value=\"\(esc($0.value))\">" }
            .joined()
        let c = confirm.map { " data-confirm=\"\(esc($0))\"" } ?? ""
        return "<form method=\"post\" action=\"\(esc(action))\" class=\"inline\"\(c)>\(csrfField(csrf))\(hidden)<button class=\"\(cls)\">\(esc(label))</button></form>"
    }

    /// A table that scrolls sideways on a phone rather than squeezing.
    static func table(_ headers: [String], _ rows: [[String]], id: String? = nil, empty: String = "nothing yet") -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(esc(empty))</p>" }
        let head = headers.map { "<th>\(esc($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<div class=\"scroll\"><table\(id.map { " id=\"\(esc($0))\"" } ?? "")><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table></div>"
    }

    static func notice(_ text: String?, error: Bool = false) -> String {
        guard let text, !text.isEmpty else { return "" }
        return "<p class=\"\(error ? "error" : "notice")\" role=\"status\">\(esc(text))</p>"
    }

    static func number(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.groupingSeparator = ","
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }

    static func dollars(_ d: Double) -> String { String(format: "$%.4f", d) }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : String(format: "%.0f%%", Double(part) * 100 / Double(whole))
    }

    static func time(_ date: Date?, zone: String) -> String {
        guard let date else { return "–" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: zone) ?? .current
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return "<time datetime=\"\(date.formatted(.iso8601))\">\(f.string(from: date))</time>"
    }

    static func short(_ text: String, _ n: Int = 140) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return esc(flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…")
    }
}
