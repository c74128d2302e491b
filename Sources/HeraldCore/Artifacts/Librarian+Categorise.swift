import Foundation

extension Librarian {
    static let instructions = """
        You are a librarian. Given a document, answer with only a JSON object, nothing else:
        {"category": "one or two words", "tags": ["3 to 6 short tags"], "summary": "two sentences"}
        """

    /// The model's category, tags and summary, validated. On any failure the artifact stays
    /// filed, uncategorised, with the reason.
    func categorise(_ artifact: Artifact, chain: [String]) async -> Artifact {
        var a = artifact
        guard !a.text.isEmpty || a.kind == .image else {
            a.status = .uncategorised
            try? await store.updateArtifact(a)
            return a
        }
        guard let backend = chain.lazy.compactMap({ backends[$0] }).first else {
            a.error = "no model to categorise with"
            try? await store.updateArtifact(a)
            return a
        }
        let input = "Title: \(a.title)\n\n\(a.text.prefix(4000))"
        do {
            let response = try await backend.complete(
                ModelRequest(
                    messages: [SessionMessage(role: .system, content: Self.instructions), SessionMessage(role: .user, content: input)],
                    maxTokens: 300, temperature: 0.1, sessionID: "librarian-\(a.id)"),
                onDelta: { _ in })
            let parsed = try Self.parse(response.text)
            a.category = parsed.category
            a.tags = parsed.tags
            a.summary = parsed.summary
            a.status = .filed
            a.error = nil
        } catch {
            a.status = .uncategorised
            a.error = (error as? ToolError)?.message ?? "the model failed: \(error)"
            log.warning("could not categorise; filed as uncategorised", ["artifact": "\(a.id)", "error": a.error ?? ""])
        }
        try? await store.updateArtifact(a)
        return a
    }

    /// Reads `{"category", "tags", "summary"}` from a model answer (code fences and chatter
    /// around the object are tolerated) and checks it.
    static func parse(_ answer: String) throws(ToolError) -> (category: String, tags: [String], summary: String) {
        guard let start = answer.firstIndex(of: "{"), let end = answer.lastIndex(of: "}"), start < end,
            let object = try? JSONSerialization.jsonObject(with: Data(answer[start...end].utf8)) as? [String: Any]
        else { throw ToolError("the model's answer was not a JSON object: \(answer.prefix(120))") }
        guard let category = (object["category"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !category.isEmpty,
            category.count <= 60
        else { throw ToolError("the model gave no usable category") }
        let tags = (object["tags"] as? [Any] ?? []).compactMap { ($0 as? String)?.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && $0.count <= 40 && !$0.contains(",") }
        guard !tags.isEmpty else { throw ToolError("the model gave no tags") }
        guard let summary = (object["summary"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty else {
            throw ToolError("the model gave no summary")
        }
        return (category, Array(tags.prefix(8)), String(summary.prefix(800)))
    }
}

/// Title, author, date and canonical URL from a page's <head>.
enum HTMLMeta {
    static func extract(_ html: String) -> (title: String?, author: String?, published: String?, canonical: String?) {
        var author: String?
        var published: String?
        var canonical: String?
        var title: String?
        for m in html.matches(of: /<(meta|link)\b[^>]*>/.ignoresCase()) {
            let attrs = attributes(String(m.output.0))
            let key = (attrs["name"] ?? attrs["property"] ?? attrs["rel"] ?? "").lowercased()
            switch key {
            case "author", "article:author": author = author ?? attrs["content"]
            case "article:published_time", "date", "dc.date": published = published ?? attrs["content"]
            case "og:title": title = title ?? attrs["content"]
            case "canonical": canonical = canonical ?? attrs["href"]
            default: break
            }
        }
        return (title.map { HTMLText.decode($0) }, author.map { HTMLText.decode($0) }, published, canonical)
    }

    static func attributes(_ tag: String) -> [String: String] {
        var out: [String: String] = [:]
        for m in tag.matches(of: /([a-zA-Z:-]+)\s*=\s*("([^"]*)"|'([^']*)')/) {
            out[String(m.output.1).lowercased()] = String(m.output.3 ?? m.output.4 ?? "")
        }
        return out
    }
}

/// The readable parts of a forwarded email (.eml): subject, sender, date and the plain body.
enum ForwardedEmail {
    static func parse(_ raw: String) -> (subject: String?, from: String?, date: String?, body: String) {
        let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalised.components(separatedBy: "\n\n")
        let head = parts.first ?? ""
        var headers: [String: String] = [:]
        var last: String?
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first == " " || first == "\t", let key = last {
                headers[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
        }
        var body = parts.dropFirst().joined(separator: "\n\n")
        if (headers["content-type"] ?? "").lowercased().contains("text/html") { body = HTMLText.extract(body).text }
        return (headers["subject"], headers["from"], headers["date"], body.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
