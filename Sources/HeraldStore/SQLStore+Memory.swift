import Foundation
import HeraldCore

extension SQLStore {
    // MARK: - Memory

    public func memory(_ key: MemoryKey) throws -> [String] {
        guard let json = try db.query(
            "SELECT entries FROM memory WHERE profile = ? AND scope = ? AND owner = ?",
            [.text(key.profile), .text(key.scope.rawValue), .text(key.owner)]
        ).first?.first?.string else { return [] }
        return (try? decoder.decode([String].self, from: Data(json.utf8))) ?? []
    }

    public func setMemory(_ entries: [String], for key: MemoryKey) throws {
        let json = String(decoding: try encoder.encode(entries), as: UTF8.self)
        try db.query(
            """
            INSERT INTO memory (profile, scope, owner, entries, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (profile, scope, owner) DO UPDATE SET entries = excluded.entries, updated_at = excluded.updated_at
            """,
            [.text(key.profile), .text(key.scope.rawValue), .text(key.owner), .text(json), .real(Date().timeIntervalSince1970)])
    }

    // MARK: - Skills

    public func skillOverrides(profile: String) throws -> [String: Bool] {
        var out: [String: Bool] = [:]
        for r in try db.query("SELECT skill, enabled FROM profile_skills WHERE profile = ?", [.text(profile)]) {
            out[r[0].string ?? ""] = r[1].int == 1
        }
        return out
    }

    public func setSkillOverride(profile: String, skill: String, enabled: Bool?) throws {
        if let enabled {
            try db.query(
                """
                INSERT INTO profile_skills (profile, skill, enabled) VALUES (?, ?, ?)
                ON CONFLICT (profile, skill) DO UPDATE SET enabled = excluded.enabled
                """, [.text(profile), .text(skill), .int(enabled ? 1 : 0)])
        } else {
            try db.query("DELETE FROM profile_skills WHERE profile = ? AND skill = ?", [.text(profile), .text(skill)])
        }
    }

    public func toolsetOverrides(profile: String) throws -> [String: Bool] {
        var out: [String: Bool] = [:]
        for r in try db.query("SELECT toolset, enabled FROM profile_toolsets WHERE profile = ?", [.text(profile)]) {
            out[r[0].string ?? ""] = r[1].int == 1
        }
        return out
    }

    public func setToolsetOverride(profile: String, toolset: String, enabled: Bool?) throws {
        if let enabled {
            try db.query(
                """
                INSERT INTO profile_toolsets (profile, toolset, enabled) VALUES (?, ?, ?)
                ON CONFLICT (profile, toolset) DO UPDATE SET enabled = excluded.enabled
                """, [.text(profile), .text(toolset), .int(enabled ? 1 : 0)])
        } else {
            try db.query("DELETE FROM profile_toolsets WHERE profile = ? AND toolset = ?", [.text(profile), .text(toolset)])
        }
    }

    // MARK: - Search

    public func search(_ query: String, sender: String, limit: Int) throws -> [SearchHit] {
        // Each word becomes a quoted FTS5 term, so punctuation in what the model typed is
        // matched as text and never parsed as query syntax.
        let words = query.split { !$0.isLetter && !$0.isNumber }
        guard !words.isEmpty else { return [] }
        let sql: String
        let terms: String
        switch db.dialect {
        case .sqlite:
            terms = words.map { "\"\($0)\"" }.joined(separator: " OR ")
            sql = """
                SELECT m.session_id, m.role, snippet(session_text, 0, '[', ']', '…', 16), m.created_at
                FROM session_text JOIN session_messages m ON m.id = session_text.rowid
                WHERE session_text MATCH ?
                  AND m.session_id IN (SELECT DISTINCT session_id FROM session_messages WHERE sender = ?)
                ORDER BY rank LIMIT ?
                """
        case .postgres:
            // Words are letters and digits only, so none is tsquery syntax.
            terms = words.joined(separator: " | ")
            sql = """
                SELECT m.session_id, m.role, ts_headline('simple', m.content, q, 'StartSel=[, StopSel=], MaxWords=16, MinWords=4'),
                       m.created_at
                FROM session_messages m, to_tsquery('simple', ?) q
                WHERE m.role IN ('user','assistant') AND to_tsvector('simple', m.content) @@ q
                  AND m.session_id IN (SELECT DISTINCT session_id FROM session_messages WHERE sender = ?)
                ORDER BY ts_rank(to_tsvector('simple', m.content), q) DESC, m.id LIMIT ?
                """
        }
        return try db.query(sql, [.text(terms), .text(sender), .int(Int64(limit))]).map { r in
            SearchHit(
                sessionID: r[0].string ?? "", role: SessionMessage.Role(rawValue: r[1].string ?? "") ?? .user,
                snippet: r[2].string ?? "", at: Date(timeIntervalSince1970: r[3].double ?? 0))
        }
    }

    // MARK: - Usage

    public func usageReport(since: Date) throws -> [UsageRow] {
        try db.query(
            """
            SELECT \(db.dialect.day("created_at")), profile, model, count(*), sum(prompt_tokens), sum(completion_tokens),
                   sum(cached_tokens), sum(total_ms)
            FROM usage WHERE created_at >= ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """, [.real(since.timeIntervalSince1970)]
        ).map { r in
            UsageRow(
                day: r[0].string ?? "", profile: r[1].string ?? "", model: r[2].string ?? "", calls: Int(r[3].int ?? 0),
                usage: Usage(
                    model: r[2].string ?? "", promptTokens: Int(r[4].int ?? 0), completionTokens: Int(r[5].int ?? 0),
                    cachedTokens: Int(r[6].int ?? 0), totalMilliseconds: r[7].double ?? 0))
        }
    }
}
