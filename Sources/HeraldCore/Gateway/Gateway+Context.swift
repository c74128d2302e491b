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
        if state.frozenMemory == nil {
            let block = MemoryBook.promptBlock(
                profile: try await store.memory(MemoryKey(profile: profile.name, scope: .profile)),
                // Memory about a person only where nobody else reads the replies.
                user: message.direct == true
                    ? try await store.memory(MemoryKey(profile: profile.name, scope: .user, owner: message.senderKey)) : nil)
            if freeze { try await store.freezeMemory(block, sessionID: session.id) }
            state.frozenMemory = block
        }
        let overrides = try await store.skillOverrides(profile: profile.name)
        var toolsets = Set(profile.config.toolsets)
        for (name, on) in state.settings.toolsets {
            if on { toolsets.insert(name) } else { toolsets.remove(name) }
        }
        return TurnContext(
            profile: profile, session: session, state: state,
            skills: profile.enabledSkills(overrides: overrides, session: state.settings.skills), toolsets: toolsets,
            sender: message.senderKey,
            history: try await store.history(sessionID: session.id, after: state.summaryThrough, limit: 400))
    }
}
