import Foundation
import HeraldCore

extension InMemoryStore {
    // MARK: Intake

    public func commitInbound(_ messages: [InboundMessage], cursors updates: [CursorUpdate], state values: [CursorUpdate]) -> [InboxEntry] {
        var fresh: [InboxEntry] = []
        for m in messages {
            let key = "\(m.conversation.platform.rawValue)/\(m.conversation.account)/\(m.eventID)"
            guard events.insert(key).inserted else { continue }
            let entry = InboxEntry(id: newID(), message: m)
            inbox.append(InboxRow(entry: entry))
            fresh.append(entry)
        }
        for u in updates { cursors["\(u.adapter)/\(u.key)"] = (u.value, Date()) }
        for v in values { adapterValues["\(v.adapter)/\(v.key)"] = (v.value, Date()) }
        if !fresh.isEmpty { signal(.inbox) }
        return fresh
    }

    public func adapterState(adapter: AdapterID, key: String) -> String? { adapterValues["\(adapter)/\(key)"]?.value }

    public func setAdapterState(_ value: String?, adapter: AdapterID, key: String) {
        adapterValues["\(adapter)/\(key)"] = value.map { ($0, Date()) }
    }

    public func cursor(adapter: AdapterID, key: String) -> String? { cursors["\(adapter)/\(key)"]?.value }

    public func pruneAdapterState(adapter: AdapterID, prefix: String, writtenBefore date: Date) -> Int {
        let doomed = adapterValues.filter { $0.key.hasPrefix("\(adapter)/\(prefix)") && $0.value.at < date }.map(\.key)
        for k in doomed { adapterValues[k] = nil }
        return doomed.count
    }

    public func knownEvents(adapter: AdapterID, eventIDs: [String]) -> Set<String> {
        Set(eventIDs.filter { events.contains("\(adapter.platform.rawValue)/\(adapter.account)/\($0)") })
    }

    public func moveConversation(from old: ConversationRef, to new: ConversationRef) {
        for i in sessions.indices where sessions[i].record.conversation == old { sessions[i].record.conversation = new }
    }

    // MARK: Lanes

    public func pendingInbox(after id: Int64, adapters: Set<AdapterID>, limit: Int) -> [InboxEntry] {
        Array(
            inbox.filter { $0.state == "pending" && $0.entry.id > id && adapters.contains(Self.adapter($0.entry.message.conversation)) }
                .prefix(limit).map(\.entry))
    }

    public func pendingInboxCounts() -> [AdapterID: Int] {
        inbox.filter { $0.state == "pending" }.reduce(into: [:]) { $0[Self.adapter($1.entry.message.conversation), default: 0] += 1 }
    }

    func inboxIndex(_ id: Int64) -> Int? { inbox.firstIndex { $0.entry.id == id } }

    public func closeInbox(_ id: Int64, as disposition: InboxDisposition, error: String?) {
        guard let i = inboxIndex(id) else { return }
        inbox[i].state = disposition.rawValue
        inbox[i].error = error
    }

    public func beginTurn(_ id: Int64) -> Int {
        guard let i = inboxIndex(id) else { return 0 }
        inbox[i].starts += 1
        return inbox[i].starts - 1
    }

    public func leaveTurn(_ id: Int64) {
        guard let i = inboxIndex(id) else { return }
        inbox[i].starts = max(0, inbox[i].starts - 1)
    }

    public func recordInboxAttempt(_ id: Int64, error: String) -> Int {
        guard let i = inboxIndex(id) else { return 0 }
        inbox[i].entry.attempts += 1
        inbox[i].error = error
        return inbox[i].entry.attempts
    }

    /// Failed attempts recorded on inbox rows, in all.
    public func failedAttempts() -> Int { inbox.reduce(0) { $0 + $1.entry.attempts } }

    /// Inbox rows by state, as SQLStore's `inboxCounts`.
    public func inboxCounts() -> [String: Int] { Dictionary(grouping: inbox, by: \.state).mapValues(\.count) }

    // MARK: Turns

    @discardableResult
    public func completeTurn(_ turn: TurnCommit) -> [Int64] {
        guard let i = inboxIndex(turn.inboxID), inbox[i].state == "pending" else { return [] }
        inbox[i].state = "done"
        if let sid = turn.sessionID, let s = sessions.firstIndex(where: { $0.record.id == sid }) {
            if let f = turn.frozenMemory, sessions[s].state.frozenMemory == nil { sessions[s].state.frozenMemory = f }
            if let c = turn.compaction {
                sessions[s].state.summary = c.summary
                sessions[s].state.summaryThrough = c.through
            }
            for m in turn.appended {
                var stored = m
                stored.id = newID()
                messages.append(StoredMessage(sessionID: sid, message: stored, inboxID: turn.inboxID, sender: m.role == .user ? turn.sender : nil, at: Date()))
            }
        }
        usageRows += turn.usage.map { ($0, turn.inboxID) }
        return insertOutbox(turn.replies)
    }

    // MARK: Outbox

    func insertOutbox(_ messages: [OutboundMessage]) -> [Int64] {
        if !messages.isEmpty { signal(.outbox) }
        return messages.map { m in
            let now = Date()
            let id = newID()
            outbox.append(OutboxRow(id: id, message: m, nextAttempt: now, createdAt: now, updatedAt: now))
            return id
        }
    }

    @discardableResult
    public func enqueue(_ messages: [OutboundMessage]) -> [Int64] { insertOutbox(messages) }

    func outboxIndex(_ id: Int64) -> Int? { outbox.firstIndex { $0.id == id } }

    public func claimDueOutbox(now: Date, adapters: Set<AdapterID>, limit: Int) -> [OutboxEntry] {
        var busy = Set<String>()
        var claimed: [OutboxEntry] = []
        for i in outbox.indices {
            let row = outbox[i]
            let key = row.message.conversation.key
            guard row.state == .pending || row.state == .sending, busy.insert(key).inserted else { continue }
            guard row.state == .pending, row.nextAttempt <= now, adapters.contains(Self.adapter(row.message.conversation)),
                claimed.count < limit
            else { continue }
            outbox[i].state = .sending
            outbox[i].attempts += 1
            outbox[i].waitsForLink = false
            claimed.append(OutboxEntry(id: row.id, message: row.message, attempts: outbox[i].attempts, plan: row.plan))
        }
        return claimed
    }

    public func markInFlight(_ id: Int64, chunk: Int, plan: DeliveryPlan) {
        guard let i = outboxIndex(id) else { return }
        outbox[i].plan = plan
        outbox[i].inFlight = chunk
    }

    public func recordProgress(_ id: Int64, plan: DeliveryPlan) {
        guard let i = outboxIndex(id) else { return }
        outbox[i].plan = plan
        outbox[i].inFlight = nil
        outbox[i].platformIDs = plan.platformIDs
    }

    public func markSent(_ id: Int64, receipt: DeliveryReceipt) {
        guard let i = outboxIndex(id) else { return }
        outbox[i].state = .sent
        outbox[i].inFlight = nil
        outbox[i].error = nil
        outbox[i].platformIDs = receipt.platformMessageIDs
    }

    public func markRetry(_ id: Int64, error: String, notBefore: Date, waitsForLink: Bool, countAttempt: Bool) {
        guard let i = outboxIndex(id) else { return }
        outbox[i].state = .pending
        outbox[i].inFlight = nil
        outbox[i].error = error
        outbox[i].nextAttempt = notBefore
        outbox[i].waitsForLink = waitsForLink
        if !countAttempt { outbox[i].attempts = max(0, outbox[i].attempts - 1) }
    }

    public func markFailed(_ id: Int64, error: String, historyNote: String?) {
        guard let i = outboxIndex(id) else { return }
        outbox[i].state = .failed
        outbox[i].inFlight = nil
        outbox[i].error = error
        outbox[i].historyNote = historyNote
        guard let note = historyNote, let m = lastAssistant(of: outbox[i]) else { return }
        messages[m].message.content += note
    }

    func lastAssistant(of row: OutboxRow) -> Int? {
        guard let inboxID = row.message.inboxID else { return nil }
        return messages.lastIndex { $0.inboxID == inboxID && $0.message.role == .assistant }
    }

    public func recoverInterruptedDeliveries(adapters: Set<AdapterID>) -> [InterruptedDelivery] {
        var found: [InterruptedDelivery] = []
        for i in outbox.indices where outbox[i].state == .sending {
            let a = Self.adapter(outbox[i].message.conversation)
            guard adapters.contains(a) else { continue }
            found.append(InterruptedDelivery(id: outbox[i].id, adapter: a, chunkInFlight: outbox[i].inFlight))
            outbox[i].state = .pending
            outbox[i].inFlight = nil
            outbox[i].error = "interrupted while sending"
        }
        return found
    }

    @discardableResult
    public func wakeOutbox(adapter: AdapterID) -> Int {
        var n = 0
        for i in outbox.indices where outbox[i].state == .pending && outbox[i].waitsForLink && Self.adapter(outbox[i].message.conversation) == adapter {
            outbox[i].nextAttempt = Date()
            outbox[i].waitsForLink = false
            n += 1
        }
        return n
    }

    public func nextOutboxAttempt(adapters: Set<AdapterID>) -> Date? {
        outbox.filter { $0.state == .pending && adapters.contains(Self.adapter($0.message.conversation)) }.map(\.nextAttempt).min()
    }

    public func outboxState(_ id: Int64) -> (state: OutboxState, platformMessageID: String?, error: String?)? {
        outboxIndex(id).map { i in (outbox[i].state, outbox[i].platformIDs.isEmpty ? nil : outbox[i].platformIDs.joined(separator: ","), outbox[i].error) }
    }

    func record(_ r: OutboxRow) -> OutboxRecord {
        OutboxRecord(
            id: r.id, message: r.message, state: r.state, attempts: r.attempts, error: r.error, plan: r.plan,
            platformMessageIDs: r.platformIDs, createdAt: r.createdAt, updatedAt: r.updatedAt)
    }

    public func outboxRecords(states: Set<OutboxState>, limit: Int) -> [OutboxRecord] {
        Array(outbox.reversed().filter { states.isEmpty || states.contains($0.state) }.prefix(limit).map(record))
    }

    public func outboxRecord(_ id: Int64) -> OutboxRecord? { outboxIndex(id).map { record(outbox[$0]) } }

    public func retryOutbox(_ id: Int64) -> Bool {
        guard let i = outboxIndex(id), outbox[i].state == .failed else { return false }
        if let note = outbox[i].historyNote, let m = lastAssistant(of: outbox[i]) {
            messages[m].message.content = messages[m].message.content.replacingOccurrences(of: note, with: "")
        }
        outbox[i].state = .pending
        outbox[i].attempts = 0
        outbox[i].nextAttempt = Date()
        outbox[i].historyNote = nil
        return true
    }

    public func outboxCounts() -> [OutboxState: Int] { Dictionary(grouping: outbox, by: \.state).mapValues(\.count) }
}
