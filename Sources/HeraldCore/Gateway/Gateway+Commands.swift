import Foundation

extension Gateway {
    /// Answers a chat command. Commands never reach a model.
    func run(_ command: ChatCommand, for message: InboundMessage) async throws -> String {
        let conversation = message.conversation
        let session = try await store.activeSession(for: conversation, profile: profile(for: conversation))
        switch command.name {
        case "new":
            let fresh = try await store.startNewSession(for: conversation, profile: session.profile)
            return "Started a new session (\(fresh.id.prefix(8))) with profile \(session.profile)."
        case "stop":
            return "Nothing is running."
        case "status":
            let usage = try await store.usage(sessionID: session.id).map(\.usage)
            let total = Self.sum(usage)
            let context = try await turnContext(session: session, message: message, freeze: false)
            let outbox = try await store.outboxCounts()
            let failed = outbox[.failed] ?? 0
            return """
                Profile: \(session.profile) (models: \(context.chain.joined(separator: " → ")))
                Session: \(session.id.prefix(8)), started \(session.createdAt.formatted(.iso8601))
                Model calls: \(usage.count); tokens: \(total.promptTokens) prompt (\(total.cachedTokens) from cache), \(total.completionTokens) completion
                Outbox: \((outbox[.pending] ?? 0) + (outbox[.sending] ?? 0)) on the way, \(failed) failed\(failed > 0 ? " (herald outbox list --state failed)" : "")
                """
        case "context":
            return try await contextReport(session: session, message: message)
        case "usage":
            return try await usageReport(session: session)
        case "memory":
            return try await memoryReport(session: session, message: message)
        case "skills":
            return try await skillsReport(session: session, message: message)
        case "skill", "toolset":
            return try await toggle(command, session: session, message: message)
        case "profile":
            return try await switchProfile(command, session: session)
        case "model":
            return try await switchModel(command, session: session, message: message)
        case "cron":
            return try await cron(command, message: message, session: session)
        case "brief":
            return try await brief(command, message: message, session: session)
        case "find", "recent", "refile":
            return try await library(command, message: message, session: session)
        default:
            return "Commands:\n" + ChatCommand.known.map { "/\($0.name) — \($0.help)" }.joined(separator: "\n")
        }
    }

    static func sum(_ usage: [Usage]) -> Usage {
        usage.reduce(into: Usage(model: "")) { t, u in
            t.promptTokens += u.promptTokens
            t.completionTokens += u.completionTokens
            t.cachedTokens += u.cachedTokens
        }
    }

    private func contextReport(session: SessionRecord, message: InboundMessage) async throws -> String {
        let context = try await turnContext(session: session, message: message, freeze: false)
        guard let plan = await agent.plan(context) else { return "No model backend is configured for this profile." }
        let total = plan.parts.reduce(0) { $0 + $1.tokens }
        let width = plan.parts.map(\.name.count).max() ?? 0
        let lines = plan.parts.map { p in
            "\(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.tokens) tokens (\(p.detail))"
        }
        return "Next prompt of profile \(context.profile.name) on \(plan.model):\n" + lines.joined(separator: "\n")
            + "\ntotal: \(total) of a \(plan.window)-token window, before your next message"
    }

    private func usageReport(session: SessionRecord) async throws -> String {
        let records = try await store.usage(sessionID: session.id)
        guard !records.isEmpty else { return "No model calls in this session yet." }
        var lines: [String] = []
        var cost = 0.0
        for (model, rows) in Dictionary(grouping: records.map(\.usage), by: \.model).sorted(by: { $0.key < $1.key }) {
            let t = Self.sum(rows)
            let c = settings.prices[model]?.cost(of: t) ?? 0
            cost += c
            lines.append(
                "\(model): \(rows.count) calls, \(t.promptTokens) prompt (\(t.cachedTokens) cached), \(t.completionTokens) completion, $\(String(format: "%.4f", c))")
        }
        return "This session:\n" + lines.joined(separator: "\n") + "\ntotal cost: $\(String(format: "%.4f", cost))"
    }

    private func memoryReport(session: SessionRecord, message: InboundMessage) async throws -> String {
        let profile = try profile(for: session)
        let work = MemoryBook(entries: try await store.memory(MemoryKey(profile: profile.name, scope: .profile)), limit: profile.config.memoryChars)
        let person = MemoryBook(
            entries: try await store.memory(MemoryKey(profile: profile.name, scope: .user, owner: message.senderKey)),
            limit: profile.config.userMemoryChars)
        func show(_ title: String, _ book: MemoryBook) -> String {
            "\(title) (\(book.used)/\(book.limit) characters):\n" + (book.entries.isEmpty ? "(empty)" : book.entries.map { "- \($0)" }.joined(separator: "\n"))
        }
        return show("Profile \(profile.name) remembers about the work", work) + "\n\n" + show("It remembers about you", person)
            + "\n\nChanges reach new sessions (/new); this session keeps the memory it started with."
    }

    private func skillsReport(session: SessionRecord, message: InboundMessage) async throws -> String {
        let context = try await turnContext(session: session, message: message, freeze: false)
        let on = Set(context.skills.map(\.name))
        let catalog = context.profile.catalog
        guard !catalog.skills.isEmpty else { return "Profile \(context.profile.name) has no skills." }
        let backend = context.chain.compactMap { agent.backends[$0] }.first
        var lines: [String] = []
        for name in catalog.names {
            guard let skill = catalog.skills[name] else { continue }
            let tokens = backend == nil ? OpenAIBackend.estimateTokens(skill.indexLine) : await agent.tokens.count(skill.indexLine + "\n", backend!)
            lines.append("\(on.contains(name) ? "on " : "off") \(name) (\(tokens) tokens): \(skill.description)")
        }
        return "Skills of \(context.profile.name), \(on.count) of \(catalog.skills.count) on (/skill on|off NAME):\n" + lines.joined(separator: "\n")
    }

    private func toggle(_ command: ChatCommand, session: SessionRecord, message: InboundMessage) async throws -> String {
        let words = command.words
        guard words.count == 2, ["on", "off"].contains(words[0].lowercased()) else {
            return "Usage: /\(command.name) on|off NAME"
        }
        let on = words[0].lowercased() == "on"
        let name = words[1]
        let profile = try profile(for: session)
        var state = try await store.sessionState(id: session.id)
        if command.name == "skill" {
            guard profile.catalog.skills[name] != nil else {
                return "No skill '\(name)'. Skills: \(profile.catalog.names.joined(separator: ", "))"
            }
            state.settings.skills[name] = on
        } else {
            let sets = agent.toolsetNames
            guard sets.contains(name) else { return "No tool set '\(name)'. Tool sets: \(sets.joined(separator: ", "))" }
            state.settings.toolsets[name] = on
        }
        try await store.updateSettings(state.settings, sessionID: session.id)
        let context = try await turnContext(session: session, message: message, freeze: false)
        let total = await agent.plan(context)?.parts.reduce(0) { $0 + $1.tokens }
        return "\(command.name == "skill" ? "Skill" : "Tool set") \(name) is \(on ? "on" : "off") for this session."
            + (total.map { " The next prompt holds \($0) tokens before your message (/context)." } ?? "")
    }

    private func switchProfile(_ command: ChatCommand, session: SessionRecord) async throws -> String {
        guard let name = command.words.first else {
            return "This conversation talks to \(session.profile). Profiles: \(profiles.keys.sorted().joined(separator: ", "))"
        }
        guard profiles[name] != nil else { return "No profile '\(name)'. Profiles: \(profiles.keys.sorted().joined(separator: ", "))" }
        let fresh = try await store.startNewSession(for: session.conversation, profile: name)
        return "This conversation now talks to \(name) (new session \(fresh.id.prefix(8)))."
    }

    private func switchModel(_ command: ChatCommand, session: SessionRecord, message: InboundMessage) async throws -> String {
        var state = try await store.sessionState(id: session.id)
        guard let name = command.words.first else {
            let context = try await turnContext(session: session, message: message, freeze: false)
            return "Models, tried in order: \(context.chain.joined(separator: " → ")). Available: \(agent.backends.keys.sorted().joined(separator: ", "))"
        }
        guard agent.backends[name] != nil else { return "No model '\(name)'. Available: \(agent.backends.keys.sorted().joined(separator: ", "))" }
        state.settings.model = name
        try await store.updateSettings(state.settings, sessionID: session.id)
        return "This session now asks \(name) first."
    }
}
