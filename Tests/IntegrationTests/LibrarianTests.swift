import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Synchronization
import Testing

/// The librarian through the real `herald run` process and the fake Bot API: links, documents
/// and a forwarded email are filed once, tagged, and found from another profile's chat.
@Suite(.serialized) struct LibrarianTests {
    static let article = """
        <html><head><title>Pier 4 | Harbour Times</title><meta name="author" content="Ann Lee">
        <meta property="article:published_time" content="2026-11-20"><link rel="canonical" href="/news/pier-4"></head>
        <body><h1>Pier 4 reopens</h1><p>Tiles arrive on Monday and the cranes on Tuesday.</p></body></html>
        """

    @Test func linksDocumentsAndEmailsAreFiledOnceTaggedAndFoundFromAnotherChat() async throws {
        let missingWorks = Mutex(false)
        let site = try StubHTTPServer { request in
            switch request.path.split(separator: "?").first.map(String.init) ?? "" {
            case "/news/pier-4", "/article": return .full(status: 200, contentType: "text/html", body: Data(Self.article.utf8))
            case "/later":
                return missingWorks.withLock { $0 }
                    ? .full(status: 200, contentType: "text/html", body: Data("<title>Crane schedule</title><p>Cranes on Tuesday.</p>".utf8))
                    : .full(status: 404, contentType: "text/plain", body: Data())
            default: return .full(status: 404, contentType: "text/plain", body: Data())
            }
        }
        defer { site.stop() }
        let h = try TelegramHarness(
            allowed: [111],
            extra: """
                [profiles.librarian]
                model = "local"
                files_artifacts = true
                toolsets = ["artifacts"]

                [[bindings]]
                platform = "telegram"
                chat = "222"
                profile = "librarian"

                [web]
                allow_private = true
                """,
            script: { messages in
                guard messages.first?.content.hasPrefix("You are a librarian") == true else { return StubOpenAIServer.echo(messages) }
                if messages.last?.content.contains("BROKEN") == true { return .text("Sure! Here are some thoughts, not JSON.") }
                return .text(#"Here you go: {"category": "harbour", "tags": ["tiles", "pier"], "summary": "Pier 4 reopens with tiles and cranes."}"#)
            })
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addChat(222)
        h.telegram.addFile(id: "txt", data: Data("Quarterly tiles report: 340 crates delivered to pier 4.".utf8))
        h.telegram.addFile(id: "eml", data: Data("From: Bob <bob@example.org>\r\nSubject: Crane booking\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nThe crane for pier 4 is booked for Tuesday.\r\n".utf8))
        h.telegram.addFile(id: "bad", data: Data("BROKEN notes about the pier".utf8))
        h.telegram.addFile(id: "pdf", data: Self.pdf("Harbour budget report: 12 cranes booked"))
        let p = try await h.start()
        func send(_ text: String, document: (id: String, name: String, mime: String)? = nil) async throws {
            let before = h.telegram.sentMessages.count
            var extra: [String: Any] = [:]
            if let d = document {
                extra = ["caption": text, "document": ["file_id": d.id, "file_unique_id": "u" + d.id, "file_name": d.name, "mime_type": d.mime, "file_size": 100]]
            }
            h.telegram.inject(chat: 222, from: 111, text: document == nil ? text : "", extra: extra)
            try await h.waitForSent("the librarian's answer to \(text)") { $0.count > before }
        }
        try await send("Read this \(site.baseURL)/article?utm_source=newsletter")
        try await send("again: \(site.baseURL)/news/pier-4")
        try await send("the report", document: ("txt", "report.txt", "text/plain"))
        try await send("", document: ("eml", "crane.eml", "message/rfc822"))
        try await send("my notes", document: ("bad", "notes.txt", "text/plain"))
        try await send("and \(site.baseURL)/later")
        missingWorks.withLock { $0 = true }
        let replies = h.telegram.sentMessages.map { $0.params["text"] ?? "" }
        let laterID = try #require(replies.last?.firstMatch(of: /#(\d+)/)?.output.1)
        try await send("/refile \(laterID)")
        try await send("budget", document: ("pdf", "budget.pdf", "application/pdf"))
        // From a chat with another profile, the library is there.
        h.telegram.inject(chat: 111, from: 111, text: "/find tiles")
        try await h.waitForSent("the search") { $0.contains { $0.params["chat_id"] == "111" } }
        try await h.stop(p)

        let texts = h.telegram.sentMessages.map { $0.params["text"] ?? "" }
        #expect(texts[0].hasPrefix("Filed #1 Pier 4 | Harbour Times (link, harbour [tiles, pier])"), "\(texts[0])")
        #expect(texts[1].hasPrefix("Already filed #1 "), "the canonical URL dedupes: \(texts[1])")
        #expect(texts[2].hasPrefix("Filed #2 the report (document, harbour"), "\(texts[2])")
        #expect(texts[3].hasPrefix("Filed #3 Crane booking (email, harbour"), "\(texts[3])")
        #expect(texts[4].contains("#4 my notes (document, not categorised: the model's answer was not a JSON object"), "\(texts[4])")
        #expect(texts[5].contains("not categorised: could not fetch: the server answered HTTP 404"), "\(texts[5])")
        #expect(texts[6].hasPrefix("Refiled #5 Crane schedule (link, harbour"), "\(texts[6])")
        let found = try #require(h.telegram.sentMessages.last { $0.params["chat_id"] == "111" }?.params["text"])
        #expect(found.contains("#1 Pier 4") && found.contains("#2 the report"), "\(found)")

        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        let all = try await store.recentArtifacts(owner: nil, limit: 100)
        #expect(all.count == 6, "each thing filed once")
        #expect(texts[7].hasPrefix("Filed #6 budget (document, harbour"), "\(texts[7])")
        #expect(try await store.artifact(id: 6)?.text == "Harbour budget report: 12 cranes booked", "PDF text via pdftotext")
        let link = try #require(try await store.artifact(id: 1))
        #expect(link.canonicalURL == "\(site.baseURL)/news/pier-4" && link.author == "Ann Lee" && link.published == "2026-11-20")
        #expect(link.text.contains("Tiles arrive on Monday"))
        let email = try #require(try await store.artifact(id: 3))
        #expect(email.author == "Bob <bob@example.org>" && email.text == "The crane for pier 4 is booked for Tuesday.")
        #expect(FileManager.default.fileExists(atPath: email.filePath ?? ""), "the file is kept, content-addressed")

        let search = try HeraldProcess(["artifacts", "search", "crane", "--config", h.config])
        #expect(try await search.waitForExit() == 0)
        #expect(search.stdout.contains { $0.hasPrefix("#3 Crane booking") })
        let export = try HeraldProcess(["artifacts", "export", "--format", "json", "--config", h.config])
        #expect(try await export.waitForExit() == 0)
        let json = try JSONSerialization.jsonObject(with: Data(export.stdout.joined(separator: "\n").utf8)) as? [[String: Any]]
        #expect(json?.count == 6)
        #expect(json?.contains { $0["url"] as? String == "\(site.baseURL)/news/pier-4" && ($0["tags"] as? [String]) == ["tiles", "pier"] } == true)
    }

    /// A one-page PDF with one line of Helvetica text.
    static func pdf(_ text: String) -> Data {
        let stream = "BT /F1 18 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }
}
