import Foundation

extension Gateway {
    /// The librarian's turn: file every link and file the message carries and say what became
    /// of each (new, already filed, or kept without a category and why).
    func fileArtifacts(_ entry: InboxEntry, librarian: Librarian, context: TurnContext) async throws {
        let message = entry.message
        let filed = await librarian.file(message, chain: context.chain)
        var lines: [String] = []
        for (a, isNew) in filed {
            var line = (isNew ? "Filed " : "Already filed ") + a.line
            if isNew, let summary = a.summary { line += "\n  " + summary }
            lines.append(line)
        }
        if filed.isEmpty { lines.append("I could not file that (nothing readable came through).") }
        if filed.contains(where: { $0.artifact.status == .uncategorised }) {
            lines.append("Use /refile ID to try an uncategorised one again.")
        }
        let reply = lines.joined(separator: "\n")
        try await store.completeTurn(
            TurnCommit(
                inboxID: entry.id, sessionID: context.session.id,
                appended: [SessionMessage(role: .user, content: message.text), SessionMessage(role: .assistant, content: reply)],
                replies: [
                    OutboundMessage(
                        conversation: message.replyConversation, text: reply, replyTo: message.eventID, inboxID: entry.id)
                ],
                sender: message.senderKey))
    }

    /// `/find`, `/recent`, `/refile`, from any profile's chat.
    func library(_ command: ChatCommand, message: InboundMessage, session: SessionRecord) async throws -> String {
        let access = ArtifactAccess(store: store, shared: settings.artifactsShared)
        switch command.name {
        case "find":
            guard !command.arguments.isEmpty else { return "Usage: /find QUERY" }
            let hits = try await access.search(command.arguments, for: message.senderKey, limit: 10)
            return hits.isEmpty
                ? "Nothing in the library matches \"\(command.arguments)\"." : hits.map(\.line).joined(separator: "\n")
        case "recent":
            let items = try await access.recent(for: message.senderKey, limit: 10)
            return items.isEmpty ? "The library is empty." : items.map(\.line).joined(separator: "\n")
        default:
            guard let librarian else { return "The library is not set up." }
            guard let a = try await access.item(command.arguments, for: message.senderKey) else {
                return "Usage: /refile ID (an id from /recent or /find)"
            }
            let chain = try await turnContext(session: session, message: message, freeze: false).chain
            guard let again = try await librarian.refile(a.id, chain: chain) else { return "No artifact #\(a.id)." }
            return "Refiled " + again.line
        }
    }
}
