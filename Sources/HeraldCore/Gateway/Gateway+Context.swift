import Foundation

extension Gateway {
    func profile(for session: SessionRecord) throws -> Profile {
        guard let profile = profiles[session.profile] ?? profiles[router.defaultProfile] else {
            throw ModelError(.rejected, backend: "-", "profile \(session.profile) is not configured")
        }
        return profile
    }

    /// What a turn of `session` is built from. With `freeze`, the session's first turn freezes
    /// the memory block into it; `/context` previews without freezing.
    func turnContext(session: SessionRecord, message: InboundMessage, freeze: Bool) async throws -> TurnContext {
        let profile = try profile(for: session)
        var state = try await store.sessionState(id: session.id)
        var toFreeze: String?
        if state.frozenMemory == nil {
            let block = MemoryBook.promptBlock(
                profile: try await store.memory(MemoryKey(profile: profile.name, scope: .profile)),
                // Memory about a person only where nobody else reads the replies.
                user: message.direct == true
                    ? try await store.memory(MemoryKey(profile: profile.name, scope: .user, owner: message.senderKey)) : nil)
            state.frozenMemory = block
            if freeze { toFreeze = block }
        }
        let overrides = try await store.skillOverrides(profile: profile.name)
        var toolsets = Set(profile.config.toolsets)
        for (name, on) in try await store.toolsetOverrides(profile: profile.name) {
            if on { toolsets.insert(name) } else { toolsets.remove(name) }
        }
        for (name, on) in state.settings.toolsets {
            if on { toolsets.insert(name) } else { toolsets.remove(name) }
        }
        var context = TurnContext(
            profile: profile, session: session, state: state,
            skills: profile.enabledSkills(overrides: overrides, session: state.settings.skills), toolsets: toolsets,
            sender: message.senderKey,
            history: try await store.history(sessionID: session.id, after: state.summaryThrough, limit: 400))
        context.memoryToFreeze = toFreeze
        return context
    }

    /// The session a job run takes place in. A fresh-session job gets a new one unless the
    /// current one is still empty (a retried run reuses it); the job's tool sets, skills and
    /// model are set on it.
    func jobSession(_ job: JobEvent, conversation: ConversationRef) async throws -> SessionRecord {
        var session = try await store.activeSession(for: conversation, profile: job.profile)
        let used = try await !store.history(sessionID: session.id, limit: 1).isEmpty
        if session.profile != job.profile || (job.freshSession && used) {
            session = try await store.startNewSession(for: conversation, profile: job.profile)
        }
        var settings = SessionSettings()
        if let sets = job.toolsets { for set in agent.toolsetNames { settings.toolsets[set] = sets.contains(set) } }
        if let skills = job.skills, let profile = profiles[job.profile] {
            for name in profile.catalog.names { settings.skills[name] = skills.contains(name) }
        }
        settings.model = job.model
        if settings != (try await store.sessionState(id: session.id)).settings {
            try await store.updateSettings(settings, sessionID: session.id)
        }
        return session
    }
}
