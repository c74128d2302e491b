import Foundation

/// Files links and documents into the library: reads them (web_fetch for links; text,
/// Markdown, HTML, PDF via pdftotext, forwarded email, images with their caption), dedupes by
/// canonical URL and content hash, stores files content-addressed, and asks the model for a
/// category, tags and a summary as JSON. Nothing is lost on the way: a page that fails to load
/// or a model that answers nonsense leaves the artifact filed as uncategorised with the reason,
/// and `refile` tries again.
public struct Librarian: Sendable {
    let store: any ArtifactStore
    let fetcher: WebFetcher
    let directory: String
    let backends: [String: any ModelBackend]
    let log = Logger("librarian")
    /// Where pdftotext is, if installed (poppler-utils).
    let pdftotext: String? = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"].first { FileManager.default.isExecutableFile(atPath: $0) }

    public init(store: any ArtifactStore, web: WebConfig, directory: String, backends: [String: any ModelBackend]) {
        self.store = store
        fetcher = WebFetcher(config: web)
        self.directory = directory
        self.backends = backends
    }

    /// The http(s) URLs in a text, trailing punctuation trimmed.
    public static func urls(in text: String) -> [String] {
        text.matches(of: /https?:\/\/[^\s<>"'\]\)]+/).map { m in
            var u = String(m.output)
            while let last = u.last, ".,;:!?".contains(last) { u.removeLast() }
            return u
        }
    }

    /// Files everything a message carries; returns each artifact and whether it was new.
    /// A library title from the words that came with a file: one line (the first that says
    /// something), without a mail's "Subject:" label, at most 120 characters.
    static func title(fromCaption caption: String) -> String {
        var line = caption.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? caption
        if line.lowercased().hasPrefix("subject:") { line = String(line.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
        return line.count <= 120 ? line : String(line.prefix(119)) + "…"
    }

    public func file(_ message: InboundMessage, chain: [String]) async -> [(artifact: Artifact, isNew: Bool)] {
        var out: [(Artifact, Bool)] = []
        let owner = message.senderKey
        for url in Self.urls(in: message.text) {
            if let r = try? await fileLink(url, owner: owner, chain: chain) { out.append(r) }
        }
        let caption = Self.urls(in: message.text).reduce(message.text) { $0.replacingOccurrences(of: $1, with: "") }
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for attachment in message.attachments {
            if let r = try? await fileDocument(attachment, owner: owner, caption: caption, chain: chain) { out.append(r) }
        }
        return out
    }

    public func fileLink(_ url: String, owner: String, chain: [String]) async throws -> (Artifact, isNew: Bool) {
        var artifact = Artifact(owner: owner, kind: .link, source: url, canonicalURL: Self.normalise(url), title: url, contentHash: "", text: "")
        await read(&artifact)
        let (saved, isNew) = try await store.saveArtifact(artifact)
        guard isNew else { return (saved, false) }
        return (await categorise(saved, chain: chain), true)
    }

    /// Reads a link into `artifact` (text, title, canonical URL, author, date), or records why not.
    func read(_ artifact: inout Artifact) async {
        do {
            let (finalURL, response) = try await fetcher.fetch(artifact.source)
            guard (200...299).contains(response.status) else { throw ToolError("the server answered HTTP \(response.status)") }
            let body = String(decoding: response.body, as: UTF8.self)
            artifact.contentHash = SHA256.hex(response.body)
            let type = (response.headers["content-type"] ?? "text/html").lowercased()
            if type.contains("html") {
                let meta = HTMLMeta.extract(body)
                let page = HTMLText.extract(body)
                artifact.text = page.text
                artifact.title = meta.title ?? page.title ?? finalURL
                artifact.author = meta.author
                artifact.published = meta.published
                artifact.canonicalURL = Self.normalise(meta.canonical.flatMap { URL(string: $0, relativeTo: URL(string: finalURL))?.absoluteString } ?? finalURL)
            } else if type.hasPrefix("text/") {
                artifact.text = body
                artifact.canonicalURL = Self.normalise(finalURL)
            } else {
                throw ToolError("the link is \(type), not a page")
            }
            artifact.error = nil
        } catch {
            artifact.error = "could not fetch: \((error as? ToolError)?.message ?? "\(error)")"
            if artifact.contentHash.isEmpty { artifact.contentHash = SHA256.hex(Data(artifact.source.utf8)) }
            log.warning("a link could not be read; filed without text", ["url": artifact.source, "error": artifact.error ?? ""])
        }
    }

    public func fileDocument(_ attachment: Attachment, owner: String, caption: String, chain: [String]) async throws -> (Artifact, isNew: Bool) {
        let data = try Data(contentsOf: URL(fileURLWithPath: attachment.path))
        let hash = SHA256.hex(data)
        let ext = (attachment.name as NSString).pathExtension.lowercased()
        let stored = (directory as NSString).appendingPathComponent("\(hash.prefix(2))/\(hash)\(ext.isEmpty ? "" : "." + ext)")
        try FileManager.default.createDirectory(atPath: (stored as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: stored) { try data.write(to: URL(fileURLWithPath: stored)) }
        let mime = attachment.mimeType.lowercased()
        var a = Artifact(
            owner: owner, kind: .document, source: attachment.name, title: caption.isEmpty ? attachment.name : Self.title(fromCaption: caption), contentHash: hash,
            filePath: stored, mimeType: attachment.mimeType, text: "")
        if mime.hasPrefix("image/") {
            a.kind = .image
            a.text = caption.isEmpty ? "" : caption
            a.title = caption.isEmpty ? attachment.name : Self.title(fromCaption: caption)
        } else if ext == "eml" || mime == "message/rfc822" {
            a.kind = .email
            let mail = ForwardedEmail.parse(String(decoding: data, as: UTF8.self))
            a.title = mail.subject ?? attachment.name
            a.author = mail.from
            a.published = mail.date
            a.text = mail.body
        } else if ext == "pdf" || mime == "application/pdf" {
            if let text = pdfText(stored) {
                a.text = text
            } else {
                a.error = pdftotext == nil ? "PDF text needs pdftotext (Debian package poppler-utils), which is not installed" : "pdftotext could not read it"
            }
        } else if ext == "html" || ext == "htm" || mime.contains("html") {
            let page = HTMLText.extract(String(decoding: data, as: UTF8.self))
            a.text = page.text
            if caption.isEmpty, let t = page.title { a.title = t }
        } else if mime.hasPrefix("text/") || ["txt", "md", "markdown", "csv", "json"].contains(ext) {
            guard let text = String(validating: data, as: UTF8.self) else {
                a.error = "the file is not valid UTF-8 text"
                return try await keep(a, chain: chain)
            }
            a.text = text
        } else {
            a.error = "a \(attachment.mimeType) file is kept but not read"
        }
        return try await keep(a, chain: chain)
    }

    private func keep(_ a: Artifact, chain: [String]) async throws -> (Artifact, isNew: Bool) {
        let (saved, isNew) = try await store.saveArtifact(a)
        guard isNew else { return (saved, false) }
        return (await categorise(saved, chain: chain), true)
    }

    private func pdfText(_ path: String) -> String? {
        guard let tool = pdftotext else { return nil }
        let out = path + ".txt"
        guard let p = try? ChildProcess(["/bin/sh", "-c", "exec \(tool) -q -enc UTF-8 '\(path)' '\(out)'"]) else { return nil }
        while p.isRunning { usleep(5_000) }
        defer { try? FileManager.default.removeItem(atPath: out) }
        return (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Re-reads a link (or keeps a document's text) and asks the model again.
    public func refile(_ id: Int64, chain: [String]) async throws -> Artifact? {
        guard var a = try await store.artifact(id: id) else { return nil }
        if a.kind == .link {
            await read(&a)
            try await store.updateArtifact(a)
        }
        return await categorise(a, chain: chain)
    }

    /// "https://Example.org/a/#frag" → "https://example.org/a": the dedupe key of a link.
    static func normalise(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return url }
        c.fragment = nil
        c.host = c.host?.lowercased()
        c.scheme = c.scheme?.lowercased()
        if let items = c.queryItems {
            let kept = items.filter { !$0.name.hasPrefix("utm_") && $0.name != "fbclid" && $0.name != "gclid" }
            c.queryItems = kept.isEmpty ? nil : kept
        }
        // "/a/" and "/a" are the same page.
        if c.path.count > 1 && c.path.hasSuffix("/") { c.path.removeLast() }
        return c.string ?? url
    }
}
