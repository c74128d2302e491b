import Foundation
import HeraldCore

/// Library: search, the most recent items, one item's text, tags, summary and file; refile.
/// The dashboard is the operator's: it sees every owner's items.
extension Dashboard {
    func library(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        switch (visit.request.method, rest.count) {
        case ("GET", 0): return try await libraryList(visit)
        case ("GET", 1): return try await artifactPage(visit, rest[0])
        case ("GET", 2) where rest[1] == "file": return try await artifactFile(visit, rest[0])
        case ("POST", 2) where rest[1] == "refile": return try await refile(rest[0])
        default: return notFound(visit)
        }
    }

    private func libraryList(_ visit: Visit) async throws -> HTTPResponse {
        let q = (visit.request.query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        let items = q.isEmpty ? try await store.recentArtifacts(owner: nil, limit: 50) : try await store.searchArtifacts(q, owner: nil, limit: 50)
        let rows = items.map { a in
            [
                "<a href=\"/library/\(a.id)\" data-artifact=\"\(a.id)\">#\(a.id) \(HTML.esc(a.title))</a>", HTML.esc(a.kind.rawValue),
                HTML.esc(a.category ?? "–"), HTML.esc(a.tags.joined(separator: ", ")),
                "<span class=\"state-\(a.status == .filed ? "sent" : "pending")\">\(HTML.esc(a.status.rawValue))</span>", HTML.esc(a.owner),
                HTML.time(a.createdAt, zone: timeZone),
            ]
        }
        let body =
            visit.banner + """
                <form method="get" action="/library" class="card" role="search"><label for="q">Search the library</label>
                <div class="row"><input type="search" id="q" name="q" value="\(HTML.esc(q))" placeholder="words from a title, summary or text"><button>Search</button></div></form>
                <h2>\(q.isEmpty ? "Recent" : "Matching \u{201C}\(HTML.esc(q))\u{201D}")</h2>
                """
            + HTML.table(["Item", "Kind", "Category", "Tags", "Status", "Owner", "Filed"], rows, id: "artifacts",
                empty: q.isEmpty ? "The library is empty: forward a link or a document to the bot." : "Nothing matches.")
        return .html(HTML.page(title: "Library", section: "/library", csrf: visit.csrf, live: q.isEmpty ? ["turn"] : [], body))
    }

    private func artifactPage(_ visit: Visit, _ id: String) async throws -> HTTPResponse {
        guard let n = Int64(id), let a = try await store.artifact(id: n) else { return notFound(visit) }
        var body = visit.banner + """
            <div class="card"><div class="row">
            <div><label>Kind</label>\(HTML.esc(a.kind.rawValue))</div>
            <div><label>Status</label>\(HTML.esc(a.status.rawValue))\(a.error.map { " (\(HTML.esc($0)))" } ?? "")</div>
            <div><label>Category</label>\(HTML.esc(a.category ?? "–"))</div>
            <div><label>Tags</label>\(HTML.esc(a.tags.joined(separator: ", ")))</div>
            <div><label>Filed</label>\(HTML.time(a.createdAt, zone: timeZone)) by \(HTML.esc(a.owner))</div>
            </div>
            <label>Source</label>\(Self.link(a.canonicalURL ?? a.source))
            \(a.author.map { "<label>Author</label>\(HTML.esc($0))" } ?? "")
            \(a.filePath != nil ? "<label>File</label><a href=\"/library/\(a.id)/file\">\(HTML.esc(a.mimeType ?? "download"))</a>" : "")
            <p>\(HTML.button("Refile", action: "/library/\(a.id)/refile", csrf: visit.csrf, cls: "quiet"))</p></div>
            """
        if let summary = a.summary { body += "<h2>Summary</h2><p id=\"summary\">\(HTML.esc(summary))</p>" }
        body += "<h2>Text</h2><pre id=\"text\">\(HTML.esc(String(a.text.prefix(100_000))))</pre>"
        return .html(HTML.page(title: "#\(a.id) \(a.title)", section: "/library", csrf: visit.csrf, body))
    }

    /// A link only for http(s) sources; anything else is shown as text, never as an href.
    static func link(_ source: String) -> String {
        let lower = source.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return HTML.esc(source) }
        return "<a href=\"\(HTML.esc(source))\" rel=\"noreferrer noopener\" target=\"_blank\">\(HTML.esc(source))</a>"
    }

    /// The stored file, as a download (never rendered inline: it came from someone else).
    private func artifactFile(_ visit: Visit, _ id: String) async throws -> HTTPResponse {
        guard let n = Int64(id), let a = try await store.artifact(id: n), let path = a.filePath,
            let data = FileManager.default.contents(atPath: path)
        else { return notFound(visit) }
        let name = ((path as NSString).lastPathComponent).filter { $0.isLetter || $0.isNumber || ".-_".contains($0) }
        return HTTPResponse(
            status: 200,
            headers: [("Content-Type", "application/octet-stream"), ("Content-Disposition", "attachment; filename=\"\(name.isEmpty ? "artifact-\(a.id)" : name)\"")],
            body: .bytes(data))
    }

    private func refile(_ id: String) async throws -> HTTPResponse {
        guard let n = Int64(id) else { return .text("no such item\n", status: 404) }
        guard let again = try await gateway.refile(n) else { return back("/library/\(id)", error: "The library is not set up, or there is no item #\(id).") }
        return back("/library/\(id)", done: "Refiled: \(again.line)")
    }
}
