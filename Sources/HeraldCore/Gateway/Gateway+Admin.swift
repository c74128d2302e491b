import Foundation

/// What an operator's console (the dashboard) may read and do beside the chats. Each action
/// goes through the same store calls and bells as its chat command or CLI twin, so a change
/// made here is picked up at once by the running pipeline.
extension Gateway {
    /// What the next prompt of a session holds, part by part (`/context`).
    public struct PromptPreview: Sendable {
        public var model: String
        public var window: Int
        public var parts: [Agent.PromptPart]
    }

    /// A skill or a tool set of a profile, with what it adds to every prompt.
    public struct Switch: Sendable, Equatable {
        public var name: String
        public var detail: String
        public var tokens: Int
        public var on: Bool
    }

    public var profileNames: [String] { profiles.keys.sorted() }
    public func profile(named name: String) -> Profile? { profiles[name] }
    public var toolsets: [String] { agent.toolsetNames }
    public var adapterList: [AdapterID] { adapters.keys.sorted { $0.description < $1.description } }

    /// The cost of a model call at the configured prices.
    public func cost(of usage: Usage) -> Double { settings.prices[usage.model]?.cost(of: usage) ?? 0 }

    public func nextPrompt(sessionID: String) async throws -> PromptPreview? {
        guard let session = try await store.session(id: sessionID) else { return nil }
        let context = try await turnContext(session: session, message: Self.preview(session), freeze: false)
        guard let plan = await agent.plan(context) else { return nil }
        return PromptPreview(model: plan.model, window: plan.window, parts: plan.parts)
    }

    /// The profile's skills: on or off for the profile (sessions may switch their own).
    public func skills(profile name: String) async throws -> [Switch] {
        guard let profile = profiles[name] else { return [] }
        let on = Set(profile.enabledSkills(overrides: try await store.skillOverrides(profile: name)).map(\.name))
        let backend = profile.config.models.lazy.compactMap { self.agent.backends[$0] }.first
        var out: [Switch] = []
        for skill in profile.catalog.names.compactMap({ profile.catalog.skills[$0] }) {
            let tokens = if let backend { await agent.tokens.count(skill.indexLine + "\n", backend) } else { OpenAIBackend.estimateTokens(skill.indexLine) }
            out.append(Switch(name: skill.name, detail: skill.description, tokens: tokens, on: on.contains(skill.name)))
        }
        return out
    }

    /// Every tool set and its schemas' cost on the profile's first model.
    public func toolsets(profile name: String) async throws -> [Switch] {
        guard let profile = profiles[name] else { return [] }
        var on = Set(profile.config.toolsets)
        for (set, enabled) in try await store.toolsetOverrides(profile: name) {
            if enabled { on.insert(set) } else { on.remove(set) }
        }
        let backend = profile.config.models.lazy.compactMap { self.agent.backends[$0] }.first
        var out: [Switch] = []
        for set in agent.toolsetNames {
            var tools = agent.tools.filter { $0.toolset == set }
            if let provider = agent.providers.first(where: { $0.toolset == set }) { tools = await provider.currentTools() }
            let specs = tools.map(\.spec)
            let tokens = if let backend { await agent.tokens.tools(specs, backend) } else { OpenAIBackend.estimateTokens(SystemPrompt.toolsText(specs)) }
            let detail = agent.providers.first { $0.toolset == set }?.unavailable ?? specs.map(\.name).joined(separator: ", ")
            out.append(Switch(name: set, detail: detail, tokens: tokens, on: on.contains(set)))
        }
        return out
    }

    /// Switches a skill for the whole profile (what `herald skills enable|disable` does).
    public func setSkill(profile: String, _ skill: String, on: Bool) async throws -> Bool {
        guard profiles[profile]?.catalog.skills[skill] != nil else { return false }
        try await store.setSkillOverride(profile: profile, skill: skill, enabled: on)
        events.publish(.settingsChanged)
        return true
    }

    public func setToolset(profile: String, _ toolset: String, on: Bool) async throws -> Bool {
        guard profiles[profile] != nil, agent.toolsetNames.contains(toolset) else { return false }
        try await store.setToolsetOverride(profile: profile, toolset: toolset, enabled: on)
        events.publish(.settingsChanged)
        return true
    }

    /// Saves a job made or edited outside a chat and wakes the scheduler for its next time.
    public func saveJob(_ job: Job, replace: Bool) async throws {
        try await store.saveJob(job, replace: replace)
        scheduler.changed.ring()
        events.publish(.settingsChanged)
    }

    /// Pauses or resumes a job (a resume records the runs due while paused as skipped).
    public func setJob(_ name: String, enabled: Bool) async throws -> Bool {
        guard let job = try await store.job(named: name), job.removedAt == nil else { return false }
        let done = try await enabled ? Scheduler.resume(job, store: store, now: wallClockNow) : store.setJobEnabled(name, false, at: wallClockNow)
        scheduler.changed.ring()
        events.publish(.settingsChanged)
        return done
    }

    /// Deletes a job and its history; a config job is refused (the file owns it).
    public func deleteJob(_ name: String) async throws -> Bool {
        guard let job = try await store.job(named: name), job.origin != .config || job.removedAt != nil else { return false }
        guard try await store.deleteJob(name) else { return false }
        scheduler.changed.ring()
        events.publish(.settingsChanged)
        return true
    }

    /// Runs a job now, outside its schedule (`/cron run`).
    public func runJobNow(_ name: String) async throws -> Bool {
        guard let job = try await store.job(named: name), job.removedAt == nil else { return false }
        return try await scheduler.runNow(job)
    }

    /// A failed delivery goes again from where it stopped (`herald outbox retry`).
    public func retryDelivery(_ id: Int64) async throws -> Bool {
        guard let row = try await store.outboxRecord(id), try await store.retryOutbox(id) else { return false }
        deliveryBell.ring()
        events.publish(.deliveryRetry(adapter: row.message.conversation.adapter, outboxID: id, reason: "retried by hand"))
        return true
    }

    /// Approves or denies a pending pairing (`herald pair approve|deny`).
    public func decidePairing(code: String, approve: Bool) async throws -> PairingRecord? {
        let record = try await approve ? store.approvePairing(code: code.uppercased(), now: wallClockNow) : store.denyPairing(code: code.uppercased())
        if record != nil { events.publish(.pairing) }
        return record
    }

    /// Files an artifact again with the default profile's models (`/refile`).
    public func refile(_ id: Int64) async throws -> Artifact? {
        guard let librarian, let profile = profiles[router.defaultProfile] ?? profiles.values.first else { return nil }
        return try await librarian.refile(id, chain: profile.config.models)
    }

    /// Commits a message that did not come through an adapter (a signed webhook's payload) to
    /// the inbox of its conversation; false when it was there already (same event id).
    public func post(_ message: InboundMessage) async throws -> Bool {
        guard adapters[message.conversation.adapter] != nil else {
            throw ModelError(.rejected, backend: "-", "no adapter \(message.conversation.adapter) is running here")
        }
        let fresh = try await store.commitInbound([message], cursors: [])
        guard !fresh.isEmpty else { return false }
        inboxBell.ring()
        events.publish(.received(adapter: message.conversation.adapter, count: fresh.count))
        return true
    }

    /// Messages waiting per adapter and outbox rows per state, for `/metrics`.
    public func queueDepths() async throws -> (inbox: [AdapterID: Int], outbox: [OutboxState: Int]) {
        (try await store.pendingInboxCounts(), try await store.outboxCounts())
    }

    /// A message standing in for "the next one" when previewing a session's prompt.
    private static func preview(_ session: SessionRecord) -> InboundMessage {
        InboundMessage(conversation: session.conversation, sender: Sender(id: "dashboard", displayName: "dashboard"), eventID: "preview", text: "")
    }
}
