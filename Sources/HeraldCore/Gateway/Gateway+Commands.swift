import Foundation

extension Gateway {
    /// Answers a chat command. Commands never reach a model.
    func run(_ command: ChatCommand, for message: InboundMessage) async throws -> String {
        let conversation = message.conversation
        switch command.name {
        case "new":
            let profile = try await store.activeSession(for: conversation, profile: router.profile(for: conversation)).profile
            let fresh = try await store.startNewSession(for: conversation, profile: profile)
            return "Started a new session (\(fresh.id.prefix(8))) with profile \(profile)."
        case "status":
            let session = try await store.activeSession(for: conversation, profile: router.profile(for: conversation))
            let usage = try await store.usage(sessionID: session.id)
            let prompt = usage.reduce(0) { $0 + $1.usage.promptTokens }
            let completion = usage.reduce(0) { $0 + $1.usage.completionTokens }
            let cached = usage.reduce(0) { $0 + $1.usage.cachedTokens }
            let models = profiles[session.profile]?.config.models.joined(separator: " → ") ?? "?"
            return """
                Profile: \(session.profile) (models: \(models))
                Session: \(session.id.prefix(8)), started \(session.createdAt.formatted(.iso8601))
                Turns: \(usage.count); tokens: \(prompt) prompt (\(cached) from cache), \(completion) completion
                """
        default:
            return "Commands:\n" + ChatCommand.known.map { "/\($0.name) — \($0.help)" }.joined(separator: "\n")
        }
    }
}
