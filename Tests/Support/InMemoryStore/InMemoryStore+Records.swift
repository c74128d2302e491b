import Foundation
import HeraldCore

/// A job name that exists already, as SQLStore refuses it.
public struct InMemoryStoreError: Error, CustomStringConvertible {
    public var description: String
}

extension InMemoryStore {
    // MARK: Access

    public func isApproved(adapter: AdapterID, senderID: String) -> Bool { approved.contains("\(adapter)/\(senderID)") }

    public func requestPairing(
        adapter: AdapterID, sender: Sender, conversation: ConversationRef, code: String, now: Date, validity: TimeInterval, maxPending: Int
    ) -> PairingOutcome {
        let live = pairingRows.filter { $0.adapter == adapter && $0.state == .pending && $0.expiresAt > now }
        if let existing = live.first(where: { $0.sender.id == sender.id }) { return .alreadyPending(existing.code) }
        if live.count >= maxPending { return .tooMany }
        pairingRows.append(
            PairingRecord(
                code: code, adapter: adapter, sender: sender, conversation: conversation, createdAt: now, expiresAt: now.addingTimeInterval(validity),
                state: .pending))
        return .issued(code)
    }

    public func approvePairing(code: String, now: Date) -> PairingRecord? {
        guard let i = pairingRows.firstIndex(where: { $0.code == code }), pairingRows[i].state == .pending, pairingRows[i].expiresAt > now else { return nil }
        pairingRows[i].state = .approved
        approved.insert("\(pairingRows[i].adapter)/\(pairingRows[i].sender.id)")
        return pairingRows[i]
    }

    public func denyPairing(code: String) -> PairingRecord? {
        guard let i = pairingRows.firstIndex(where: { $0.code == code }), pairingRows[i].state == .pending else { return nil }
        pairingRows[i].state = .denied
        return pairingRows[i]
    }

    public func pairings(now: Date) -> [PairingRecord] {
        pairingRows.filter { $0.state == .pending && $0.expiresAt > now }.sorted { $0.createdAt < $1.createdAt }
    }

    // MARK: Jobs

    @discardableResult
    public func saveJob(_ job: Job, replace: Bool) throws -> Job {
        if let i = jobRows.firstIndex(where: { $0.name == job.name }) {
            guard replace else { throw InMemoryStoreError(description: "a job named '\(job.name)' exists already") }
            var kept = job
            kept.id = jobRows[i].id
            kept.enabled = jobRows[i].enabled  // a config edit keeps the paused state
            kept.pausedAt = jobRows[i].pausedAt
            kept.removedAt = nil
            jobRows[i] = kept
            return kept
        }
        var new = job
        new.id = newID()
        jobRows.append(new)
        return new
    }

    public func jobs() -> [Job] { jobRows.filter { $0.removedAt == nil }.sorted { $0.name < $1.name } }
    public func job(named name: String) -> Job? { jobRows.first { $0.name == name } }

    public func removeConfigJobs(keeping: Set<String>, at now: Date) -> [String] {
        var gone: [String] = []
        for i in jobRows.indices where jobRows[i].origin == .config && jobRows[i].removedAt == nil && !keeping.contains(jobRows[i].name) {
            jobRows[i].removedAt = now
            jobRows[i].enabled = false
            gone.append(jobRows[i].name)
        }
        return gone
    }

    public func hasUnfinishedRun(_ job: Job) -> Bool {
        runs.contains { r in
            r.job == job.name && r.skipped == nil && inbox.contains { $0.entry.id == r.inboxID && $0.state == "pending" }
        }
    }

    public func setJobEnabled(_ name: String, _ enabled: Bool, at now: Date) -> Bool {
        guard let i = jobRows.firstIndex(where: { $0.name == name && $0.removedAt == nil }) else { return false }
        jobRows[i].pausedAt = enabled ? nil : jobRows[i].pausedAt ?? now
        jobRows[i].enabled = enabled
        return true
    }

    public func deleteJob(_ name: String) -> Bool {
        guard let i = jobRows.firstIndex(where: { $0.name == name }) else { return false }
        runs.removeAll { $0.job == name }
        jobRows.remove(at: i)
        return true
    }

    public func claimJobRun(_ job: Job, scheduledFor: Date, event: InboundMessage) -> InboxEntry? {
        guard !runs.contains(where: { $0.job == job.name && $0.scheduledFor == scheduledFor }) else { return nil }
        guard let entry = commitInbound([event], cursors: [], state: []).first else { return nil }
        runs.append(RunRow(id: newID(), job: job.name, scheduledFor: scheduledFor, skipped: nil, inboxID: entry.id, claimedAt: Date()))
        return entry
    }

    public func skipJobRun(_ job: Job, scheduledFor: Date, reason: String) {
        guard !runs.contains(where: { $0.job == job.name && $0.scheduledFor == scheduledFor }) else { return }
        runs.append(RunRow(id: newID(), job: job.name, scheduledFor: scheduledFor, skipped: reason, inboxID: nil, claimedAt: Date()))
    }

    public func lastJobRun(_ job: Job) -> Date? { runs.filter { $0.job == job.name }.map(\.scheduledFor).max() }

    public func jobRuns(_ name: String, limit: Int) -> [JobRun] {
        runs.filter { $0.job == name }.sorted { $0.scheduledFor > $1.scheduledFor }.prefix(limit).map { r in
            let row = r.inboxID.flatMap { id in inbox.first { $0.entry.id == id } }
            let state: JobRun.State =
                r.skipped != nil ? .skipped : row?.state == "done" ? .done : ["failed", "denied"].contains(row?.state ?? "") ? .failed : .running
            let output = messages.last { $0.inboxID == r.inboxID && $0.message.role == .assistant }?.message.content
            let used = usageRows.filter { $0.inboxID == r.inboxID && r.inboxID != nil }.map(\.record.usage)
            let delivery = outbox.last { $0.message.inboxID == r.inboxID && r.inboxID != nil }
            return JobRun(
                id: r.id, job: name, scheduledFor: r.scheduledFor, state: state, startedAt: r.claimedAt, endedAt: nil, output: output,
                error: r.skipped ?? row?.error, model: used.last?.model, promptTokens: used.reduce(0) { $0 + $1.promptTokens },
                completionTokens: used.reduce(0) { $0 + $1.completionTokens }, delivery: delivery?.state,
                platformMessageID: delivery.flatMap { $0.platformIDs.isEmpty ? nil : $0.platformIDs.joined(separator: ",") },
                deliveryError: delivery?.error, attempts: row?.entry.attempts ?? 0)
        }
    }

    public func setJobDraft(_ job: Job?, for conversation: ConversationRef) { drafts[conversation.key] = job }
    public func jobDraft(for conversation: ConversationRef) -> Job? { drafts[conversation.key] }

    // MARK: Artifacts

    public func saveArtifact(_ a: Artifact) -> (Artifact, isNew: Bool) {
        let same = artifacts.first { b in
            guard b.owner == a.owner else { return false }
            if let url = a.canonicalURL { return b.canonicalURL == url }
            return b.canonicalURL == nil && b.contentHash == a.contentHash
        }
        if let same { return (same, false) }
        var new = a
        new.id = newID()
        artifacts.append(new)
        return (new, true)
    }

    public func updateArtifact(_ a: Artifact) {
        if let i = artifacts.firstIndex(where: { $0.id == a.id }) { artifacts[i] = a }
    }

    public func artifact(id: Int64) -> Artifact? { artifacts.first { $0.id == id } }

    public func searchArtifacts(_ query: String, owner: String?, limit: Int) -> [Artifact] {
        let words = query.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard !words.isEmpty else { return [] }
        return Array(
            artifacts.filter { a in
                let text = [a.title, a.text, a.tags.joined(separator: " "), a.summary ?? ""].joined(separator: " ").lowercased()
                return (owner == nil || a.owner == owner) && words.allSatisfy { text.contains($0) }
            }.prefix(limit))
    }

    public func recentArtifacts(owner: String?, limit: Int) -> [Artifact] {
        Array(artifacts.filter { owner == nil || $0.owner == owner }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit))
    }
}
