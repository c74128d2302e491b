import Foundation
import HeraldCore

extension SQLStore {
    private static let columns = """
        id, owner, kind, source, canonical_url, title, author, published, content_hash, file_path, mime_type, text,
        category, tags, summary, status, error, created_at
        """

    public func saveArtifact(_ a: Artifact) throws -> (Artifact, isNew: Bool) {
        try db.transaction {
            let existing = try a.canonicalURL.map {
                try db.query("SELECT \(Self.columns) FROM artifacts WHERE owner = ? AND canonical_url = ?", [.text(a.owner), .text($0)])
            } ?? db.query(
                "SELECT \(Self.columns) FROM artifacts WHERE owner = ? AND content_hash = ? AND canonical_url IS NULL",
                [.text(a.owner), .text(a.contentHash)])
            if let row = existing.first, let found = Self.artifact(from: row) { return (found, false) }
            let now = Date().timeIntervalSince1970
            let id = try db.insert(
                """
                INSERT INTO artifacts (owner, kind, source, canonical_url, title, author, published, content_hash, file_path, mime_type,
                    text, category, tags, summary, status, error, created_at, updated_at)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """,
                [.text(a.owner), .text(a.kind.rawValue), .text(a.source), a.canonicalURL.sql, .text(a.title), a.author.sql, a.published.sql,
                 .text(a.contentHash), a.filePath.sql, a.mimeType.sql, .text(a.text), a.category.sql, .text(a.tags.joined(separator: ", ")),
                 a.summary.sql, .text(a.status.rawValue), a.error.sql, .real(now), .real(now)])
            var saved = a
            saved.id = id ?? 0
            return (saved, true)
        }
    }

    public func updateArtifact(_ a: Artifact) throws {
        try db.query(
            """
            UPDATE artifacts SET title = ?, author = ?, published = ?, canonical_url = ?, text = ?, category = ?, tags = ?, summary = ?,
                status = ?, error = ?, updated_at = ? WHERE id = ?
            """,
            [.text(a.title), a.author.sql, a.published.sql, a.canonicalURL.sql, .text(a.text), a.category.sql,
             .text(a.tags.joined(separator: ", ")), a.summary.sql, .text(a.status.rawValue), a.error.sql,
             .real(Date().timeIntervalSince1970), .int(a.id)])
    }

    public func artifact(id: Int64) throws -> Artifact? {
        try db.query("SELECT \(Self.columns) FROM artifacts WHERE id = ?", [.int(id)]).first.flatMap(Self.artifact(from:))
    }

    public func searchArtifacts(_ query: String, owner: String?, limit: Int) throws -> [Artifact] {
        // Each word is a quoted prefix term: punctuation is text, never query syntax.
        let words = query.split { !$0.isLetter && !$0.isNumber }
        guard !words.isEmpty else { return [] }
        let cols = Self.columns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
        switch db.dialect {
        case .sqlite:
            return try db.query(
                """
                SELECT \(cols) FROM artifact_text JOIN artifacts a ON a.id = artifact_text.rowid
                WHERE artifact_text MATCH ? AND (? IS NULL OR a.owner = ?) ORDER BY rank LIMIT ?
                """, [.text(words.map { "\"\($0)\"*" }.joined(separator: " AND ")), owner.sql, owner.sql, .int(Int64(limit))]
            ).compactMap(Self.artifact(from:))
        case .postgres:
            // The same expression as the artifacts_text index (PostgresMigrations), so it is used.
            return try db.query(
                """
                SELECT \(cols) FROM artifacts a, to_tsquery('simple', ?) q
                WHERE \(PostgresMigrations.artifactText()) @@ q AND (?::text IS NULL OR a.owner = ?)
                ORDER BY ts_rank(\(PostgresMigrations.artifactText()), q) DESC, a.id LIMIT ?
                """, [.text(words.map { "\($0):*" }.joined(separator: " & ")), owner.sql, owner.sql, .int(Int64(limit))]
            ).compactMap(Self.artifact(from:))
        }
    }

    public func recentArtifacts(owner: String?, limit: Int) throws -> [Artifact] {
        try db.query(
            "SELECT \(Self.columns) FROM artifacts WHERE (CAST(? AS TEXT) IS NULL OR owner = ?) ORDER BY created_at DESC, id DESC LIMIT ?",
            [owner.sql, owner.sql, .int(Int64(limit))]
        ).compactMap(Self.artifact(from:))
    }

    static func artifact(from r: [SQLValue]) -> Artifact? {
        guard let kind = Artifact.Kind(rawValue: r[2].string ?? ""), let status = Artifact.Status(rawValue: r[15].string ?? "") else { return nil }
        let tags = (r[13].string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return Artifact(
            id: r[0].int ?? 0, owner: r[1].string ?? "", kind: kind, source: r[3].string ?? "", canonicalURL: r[4].string,
            title: r[5].string ?? "", author: r[6].string, published: r[7].string, contentHash: r[8].string ?? "", filePath: r[9].string,
            mimeType: r[10].string, text: r[11].string ?? "", category: r[12].string, tags: tags, summary: r[14].string, status: status,
            error: r[16].string, createdAt: Date(timeIntervalSince1970: r[17].double ?? 0))
    }
}
