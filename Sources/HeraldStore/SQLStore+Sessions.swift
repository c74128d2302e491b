import Foundation
import HeraldCore

extension SQLStore {
    public func activeSession(for conversation: ConversationRef, profile: String) throws -> SessionRecord {
        if let s = try db.query(
            "SELECT id, profile, created_at, slot FROM sessions WHERE conversation = ? AND active = 1",
            [.text(conversation.key)]
        ).first {
            return SessionRecord(
                id: s[0].string ?? "", conversation: conversation, profile: s[1].string ?? profile,
                createdAt: Date(timeIntervalSince1970: s[2].double ?? 0), slot: s[3].int.map { Int($0) })
        }
        return try insertSession(conversation, profile: profile)
    }

    public func startNewSession(for conversation: ConversationRef, profile: String) throws -> SessionRecord {
        try db.transaction {
            try db.query("UPDATE sessions SET active = 0 WHERE conversation = ? AND active = 1", [.text(conversation.key)])
            return try insertSession(conversation, profile: profile)
        }
    }

    private func insertSession(_ conversation: ConversationRef, profile: String) throws -> SessionRecord {
        let record = SessionRecord(
            id: UUID().uuidString.lowercased(), conversation: conversation, profile: profile, createdAt: Date())
        try db.query(
            "INSERT INTO sessions (id, conversation, profile, active, created_at) VALUES (?, ?, ?, 1, ?)",
            [.text(record.id), .text(conversation.key), .text(profile), .real(record.createdAt.timeIntervalSince1970)])
        return record
    }

    public func session(id: String) throws -> SessionRecord? {
        guard let s = try db.query(
            "SELECT id, conversation, profile, created_at, slot FROM sessions WHERE id = ?", [.text(id)]
        ).first, let conversation = ConversationRef(key: s[1].string ?? "") else { return nil }
        return SessionRecord(
            id: s[0].string ?? "", conversation: conversation, profile: s[2].string ?? "",
            createdAt: Date(timeIntervalSince1970: s[3].double ?? 0), slot: s[4].int.map { Int($0) })
    }

    public func sessions(limit: Int) throws -> [SessionSummary] {
        try db.query(
            """
            SELECT s.id, s.conversation, s.profile, s.created_at, s.slot, s.active,
                   (SELECT count(*) FROM session_messages m WHERE m.session_id = s.id),
                   (SELECT max(created_at) FROM session_messages m WHERE m.session_id = s.id)
            FROM sessions s WHERE s.parent_session IS NULL ORDER BY s.created_at DESC LIMIT ?
            """, [.int(Int64(limit))]
        ).compactMap { r in
            guard let conversation = ConversationRef(key: r[1].string ?? "") else { return nil }
            return SessionSummary(
                session: SessionRecord(
                    id: r[0].string ?? "", conversation: conversation, profile: r[2].string ?? "",
                    createdAt: Date(timeIntervalSince1970: r[3].double ?? 0), slot: r[4].int.map { Int($0) }),
                active: r[5].int == 1, messages: Int(r[6].int ?? 0),
                lastActivity: r[7].double.map { Date(timeIntervalSince1970: $0) })
        }
    }

    public func history(sessionID: String, after: Int64, limit: Int) throws -> [SessionMessage] {
        try db.query(
            """
            SELECT role, content, tokens, tool_call_id, tool_calls, id FROM session_messages
            WHERE session_id = ? AND id > ? ORDER BY id DESC LIMIT ?
            """, [.text(sessionID), .int(after), .int(Int64(limit))]
        ).reversed().map { r in
            SessionMessage(
                role: SessionMessage.Role(rawValue: r[0].string ?? "") ?? .user, content: r[1].string ?? "",
                tokens: Int(r[2].int ?? 0), toolCallID: r[3].string,
                toolCalls: r[4].string.flatMap { try? decoder.decode([ToolCall].self, from: Data($0.utf8)) }, id: r[5].int)
        }
    }

    public func createChildSession(parent: SessionRecord, profile: String) throws -> SessionRecord {
        let id = UUID().uuidString.lowercased()
        // Its own conversation key, never active: a child is not a chat anyone talks in.
        let conversation = ConversationRef(
            platform: parent.conversation.platform, account: parent.conversation.account, chat: "subagent", thread: id)
        let record = SessionRecord(id: id, conversation: conversation, profile: profile, createdAt: Date())
        try db.query(
            "INSERT INTO sessions (id, conversation, profile, active, created_at, parent_session, frozen_memory) VALUES (?, ?, ?, 0, ?, ?, '')",
            [.text(id), .text(conversation.key), .text(profile), .real(record.createdAt.timeIntervalSince1970), .text(parent.id)])
        return record
    }

    public func append(_ messages: [SessionMessage], usage: [UsageRecord], to sessionID: String) throws {
        let now = Date().timeIntervalSince1970
        try db.transaction {
            for m in messages {
                let calls = try m.toolCalls.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                try db.query(
                    """
                    INSERT INTO session_messages (session_id, role, content, tokens, tool_call_id, tool_calls, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(sessionID), .text(m.role.rawValue), .text(m.content), .int(Int64(m.tokens)), m.toolCallID.sql, calls.sql, .real(now)])
            }
            for u in usage { try insertUsage(u, inboxID: nil) }
        }
    }

    public func children(of sessionID: String) throws -> [SessionRecord] {
        try db.query(
            "SELECT id, conversation, profile, created_at FROM sessions WHERE parent_session = ? ORDER BY created_at, \(db.dialect.rowOrder)", [.text(sessionID)]
        ).compactMap { r in
            guard let c = ConversationRef(key: r[1].string ?? "") else { return nil }
            return SessionRecord(id: r[0].string ?? "", conversation: c, profile: r[2].string ?? "", createdAt: Date(timeIntervalSince1970: r[3].double ?? 0))
        }
    }

    public func sessionState(id: String) throws -> SessionState {
        guard let r = try db.query(
            "SELECT settings, frozen_memory, summary, summary_through FROM sessions WHERE id = ?", [.text(id)]
        ).first else { return SessionState() }
        let settings = r[0].string.flatMap { try? decoder.decode(SessionSettings.self, from: Data($0.utf8)) } ?? SessionSettings()
        return SessionState(settings: settings, frozenMemory: r[1].string, summary: r[2].string, summaryThrough: r[3].int ?? 0)
    }

    public func updateSettings(_ settings: SessionSettings, sessionID: String) throws {
        let json = String(decoding: try encoder.encode(settings), as: UTF8.self)
        try db.query("UPDATE sessions SET settings = ? WHERE id = ?", [.text(json), .text(sessionID)])
    }

    public func setSlot(_ slot: Int?, sessionID: String) throws {
        try db.query("UPDATE sessions SET slot = ? WHERE id = ?", [slot.map { .int(Int64($0)) } ?? .null, .text(sessionID)])
    }

    public func moveConversation(from old: ConversationRef, to new: ConversationRef) throws {
        try db.transaction {
            // The new chat may already have a session (a message raced the migration): keep the old history active.
            try db.query("UPDATE sessions SET active = 0 WHERE conversation = ? AND active = 1", [.text(new.key)])
            try db.query("UPDATE sessions SET conversation = ? WHERE conversation = ?", [.text(new.key), .text(old.key)])
        }
    }

    // MARK: - Turns

    public func completeTurn(_ turn: TurnCommit) throws -> [Int64] {
        let now = Date().timeIntervalSince1970
        return try db.transaction {
            try db.query(
                "UPDATE inbox SET state = 'done', closed_at = ? WHERE id = ? AND state = 'pending'",
                [.real(now), .int(turn.inboxID)])
            guard db.changes == 1 else {
                // Another worker finished this row first: write nothing, so nothing is doubled.
                return []
            }
            if let sid = turn.sessionID {
                if let f = turn.frozenMemory {
                    try db.query("UPDATE sessions SET frozen_memory = ? WHERE id = ? AND frozen_memory IS NULL", [.text(f), .text(sid)])
                }
                if let c = turn.compaction {
                    try db.query(
                        "UPDATE sessions SET summary = ?, summary_through = ? WHERE id = ?",
                        [.text(c.summary), .int(c.through), .text(sid)])
                }
                for m in turn.appended {
                    let calls = try m.toolCalls.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                    try db.query(
                        """
                        INSERT INTO session_messages (session_id, role, content, tokens, tool_call_id, tool_calls, inbox_id, created_at, sender)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [.text(sid), .text(m.role.rawValue), .text(m.content), .int(Int64(m.tokens)), m.toolCallID.sql,
                         calls.sql, .int(turn.inboxID), .real(now), (m.role == .user ? turn.sender : nil).sql])
                }
            }
            for u in turn.usage { try insertUsage(u, inboxID: turn.inboxID) }
            return try insertOutbox(turn.replies, now: now)
        }
    }

    public func enqueue(_ messages: [OutboundMessage]) throws -> [Int64] {
        let now = Date().timeIntervalSince1970
        return try db.transaction { try insertOutbox(messages, now: now) }
    }

    func insertOutbox(_ messages: [OutboundMessage], now: Double) throws -> [Int64] {
        if !messages.isEmpty { try signal(.outbox) }
        return try messages.map { m in
            let payload = String(decoding: try encoder.encode(m), as: UTF8.self)
            let id = try db.insert(
                """
                INSERT INTO outbox (platform, account, conversation, payload, inbox_id, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(m.conversation.platform.rawValue), .text(m.conversation.account), .text(m.conversation.key),
                 .text(payload), m.inboxID.map { .int($0) } ?? .null, .real(now), .real(now), .real(now)])
            return id ?? 0
        }
    }
}
