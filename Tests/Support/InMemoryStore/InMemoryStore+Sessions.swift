import Foundation
import HeraldCore

extension InMemoryStore {
    // MARK: Sessions

    func insertSession(_ conversation: ConversationRef, profile: String, parent: String? = nil) -> SessionRecord {
        let record = SessionRecord(id: UUID().uuidString.lowercased(), conversation: conversation, profile: profile, createdAt: Date())
        sessions.append(SessionRow(record: record, active: parent == nil, parent: parent))
        return record
    }

    public func activeSession(for conversation: ConversationRef, profile: String) -> SessionRecord {
        sessions.first { $0.active && $0.record.conversation == conversation }?.record ?? insertSession(conversation, profile: profile)
    }

    public func startNewSession(for conversation: ConversationRef, profile: String) -> SessionRecord {
        for i in sessions.indices where sessions[i].record.conversation == conversation { sessions[i].active = false }
        return insertSession(conversation, profile: profile)
    }

    public func session(id: String) -> SessionRecord? { sessions.first { $0.record.id == id }?.record }

    public func sessions(limit: Int) -> [SessionSummary] {
        Array(
            sessions.filter { $0.parent == nil }.sorted { $0.record.createdAt > $1.record.createdAt }.prefix(limit).map { s in
                let own = messages.filter { $0.sessionID == s.record.id }
                return SessionSummary(session: s.record, active: s.active, messages: own.count, lastActivity: own.map(\.at).max())
            })
    }

    public func history(sessionID: String, after: Int64, limit: Int) -> [SessionMessage] {
        Array(messages.filter { $0.sessionID == sessionID && ($0.message.id ?? 0) > after }.suffix(limit).map(\.message))
    }

    public func setSlot(_ slot: Int?, sessionID: String) {
        for i in sessions.indices where sessions[i].record.id == sessionID { sessions[i].record.slot = slot }
    }

    public func createChildSession(parent: SessionRecord, profile: String) -> SessionRecord {
        let id = UUID().uuidString.lowercased()
        let conversation = ConversationRef(platform: parent.conversation.platform, account: parent.conversation.account, chat: "subagent", thread: id)
        let record = SessionRecord(id: id, conversation: conversation, profile: profile, createdAt: Date())
        sessions.append(SessionRow(record: record, active: false, parent: parent.id, state: SessionState(frozenMemory: "")))
        return record
    }

    public func append(_ new: [SessionMessage], usage: [UsageRecord], to sessionID: String) {
        for m in new {
            var stored = m
            stored.id = newID()
            messages.append(StoredMessage(sessionID: sessionID, message: stored, inboxID: nil, sender: nil, at: Date()))
        }
        usageRows += usage.map { ($0, nil) }
    }

    public func children(of sessionID: String) -> [SessionRecord] { sessions.filter { $0.parent == sessionID }.map(\.record) }

    public func sessionState(id: String) -> SessionState { sessions.first { $0.record.id == id }?.state ?? SessionState() }

    public func updateSettings(_ settings: SessionSettings, sessionID: String) {
        for i in sessions.indices where sessions[i].record.id == sessionID { sessions[i].state.settings = settings }
    }

    public func search(_ query: String, sender: String, limit: Int) -> [SearchHit] {
        let words = query.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard !words.isEmpty else { return [] }
        let theirs = Set(messages.filter { $0.sender == sender }.map(\.sessionID))
        return Array(
            messages.filter { m in
                theirs.contains(m.sessionID) && (m.message.role == .user || m.message.role == .assistant)
                    && words.contains { m.message.content.lowercased().contains($0) }
            }.prefix(limit).map { SearchHit(sessionID: $0.sessionID, role: $0.message.role, snippet: String($0.message.content.prefix(80)), at: $0.at) })
    }

    // MARK: Memory and skills

    public func memory(_ key: MemoryKey) -> [String] { memories[key] ?? [] }
    public func setMemory(_ entries: [String], for key: MemoryKey) { memories[key] = entries }
    public func skillOverrides(profile: String) -> [String: Bool] { overrides[profile] ?? [:] }
    public func setSkillOverride(profile: String, skill: String, enabled: Bool?) { overrides[profile, default: [:]][skill] = enabled }
    public func toolsetOverrides(profile: String) -> [String: Bool] { toolsetSwitches[profile] ?? [:] }
    public func setToolsetOverride(profile: String, toolset: String, enabled: Bool?) {
        toolsetSwitches[profile, default: [:]][toolset] = enabled
    }

    // MARK: Usage

    public func usage(sessionID: String) -> [UsageRecord] { usageRows.map(\.record).filter { $0.sessionID == sessionID } }

    public func usageReport(since: Date) -> [UsageRow] {
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = TimeZone(identifier: "UTC")
        var rows: [String: UsageRow] = [:]
        for u in usageRows.map(\.record) where u.at >= since {
            let d = day.string(from: u.at)
            let key = "\(d)|\(u.profile)|\(u.usage.model)"
            var row = rows[key] ?? UsageRow(day: d, profile: u.profile, model: u.usage.model, calls: 0, usage: Usage(model: u.usage.model))
            row.calls += 1
            row.usage.promptTokens += u.usage.promptTokens
            row.usage.completionTokens += u.usage.completionTokens
            row.usage.cachedTokens += u.usage.cachedTokens
            rows[key] = row
        }
        return rows.values.sorted { ($0.day, $0.profile, $0.model) < ($1.day, $1.profile, $1.model) }
    }
}
