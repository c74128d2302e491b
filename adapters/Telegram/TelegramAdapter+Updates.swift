import Foundation
import HeraldCore

extension TelegramAdapter {
    /// Turns one update into an inbound message, or nil for updates that are not for the
    /// model (edits, service messages, group chatter that does not address the bot).
    func inbound(_ update: [String: Any], updateID: Int, intake: Intake) async throws -> InboundMessage? {
        guard let message = update["message"] as? [String: Any],
            let chat = message["chat"] as? [String: Any], let chatID = (chat["id"] as? NSNumber)?.int64Value
        else { return nil }
        let chatType = chat["type"] as? String ?? "private"
        // A group that became a supergroup: its session follows it to the new id.
        if let newID = (message["migrate_to_chat_id"] as? NSNumber)?.int64Value {
            try await intake.moveConversation(
                from: ConversationRef(platform: .telegram, account: config.account, chat: String(chatID)),
                to: ConversationRef(platform: .telegram, account: config.account, chat: String(newID)))
            log.info("group migrated to a supergroup; session moved", ["from": "\(chatID)", "to": "\(newID)"])
            return nil
        }
        guard let from = message["from"] as? [String: Any], let userID = (from["id"] as? NSNumber)?.int64Value,
            from["is_bot"] as? Bool != true
        else { return nil }
        var text = (message["text"] as? String) ?? (message["caption"] as? String) ?? ""
        let bot = me.withLock { $0 }

        // "/cmd@other_bot" is another bot's command, in a group or a private chat alike.
        if text.hasPrefix("/"), let target = Self.commandTarget(text), target.caseInsensitiveCompare(bot?.username ?? "") != .orderedSame {
            return nil
        }
        if chatType != "private" && !config.answerAllInGroups {
            guard addressesBot(message, text: text, bot: bot) else { return nil }
        }
        if let username = bot?.username, !username.isEmpty {
            // "@bot what is..." reads better to the model without the mention; commands keep theirs.
            if !text.hasPrefix("/") {
                text = text.replacingOccurrences(of: "@\(username)", with: "", options: .caseInsensitive)
                    .trimmingCharacters(in: .whitespaces)
            }
        }
        if let origin = message["forward_origin"] as? [String: Any] {
            text = "[Forwarded from \(Self.originName(origin))]\n" + text
        }
        var attachments: [Attachment] = []
        for (kind, file) in Self.files(in: message) {
            switch await download(file, kind: kind) {
            case .success(let a): attachments.append(a)
            case .failure(let why): text += (text.isEmpty ? "" : "\n") + "(\(kind) not kept: \(why))"
            }
        }
        guard !text.isEmpty || !attachments.isEmpty else { return nil }

        // message_thread_id names a forum topic only when is_topic_message is true; otherwise it
        // points at a reply thread, which is not a session of its own.
        var thread: String?
        if message["is_topic_message"] as? Bool == true, let t = message["message_thread_id"] as? Int { thread = String(t) }
        let name = [from["first_name"] as? String, from["last_name"] as? String].compactMap { $0 }.joined(separator: " ")
        return InboundMessage(
            conversation: ConversationRef(platform: .telegram, account: config.account, chat: String(chatID), thread: thread),
            sender: Sender(id: String(userID), displayName: name.isEmpty ? (from["username"] as? String ?? String(userID)) : name),
            eventID: String(updateID), text: text, attachments: attachments,
            replyTo: (message["message_id"] as? Int).map(String.init),
            receivedAt: Date(timeIntervalSince1970: TimeInterval(message["date"] as? Int ?? Int(Date().timeIntervalSince1970))),
            direct: chatType == "private",
            // A user's private chat with the bot has their user id as its chat id; it reaches
            // them only if they once started the bot (otherwise Telegram says 403, and nothing
            // shows in the group).
            privately: chatType == "private" ? nil : ConversationRef(platform: .telegram, account: config.account, chat: String(userID)))
    }

    /// The bot a command names (`/cmd@name`), if it names one.
    static func commandTarget(_ text: String) -> Substring? {
        let command = text.prefix { !$0.isWhitespace }
        return command.firstIndex(of: "@").map { command[command.index(after: $0)...] }
    }

    /// In groups the bot answers a mention, a reply to itself, or a command meant for it.
    func addressesBot(_ message: [String: Any], text: String, bot: (id: Int64, username: String)?) -> Bool {
        guard let bot else { return false }
        if text.hasPrefix("/") {
            return Self.commandTarget(text).map { $0.caseInsensitiveCompare(bot.username) == .orderedSame } ?? true
        }
        if !bot.username.isEmpty, text.range(of: "@\(bot.username)", options: .caseInsensitive) != nil { return true }
        if let reply = message["reply_to_message"] as? [String: Any], let from = reply["from"] as? [String: Any],
            (from["id"] as? NSNumber)?.int64Value == bot.id
        {
            return true
        }
        return false
    }

    static func originName(_ origin: [String: Any]) -> String {
        if let user = origin["sender_user"] as? [String: Any] {
            return [user["first_name"] as? String, user["last_name"] as? String].compactMap { $0 }.joined(separator: " ")
        }
        if let name = origin["sender_user_name"] as? String { return name }
        if let chat = origin["chat"] as? [String: Any] ?? origin["sender_chat"] as? [String: Any] {
            return chat["title"] as? String ?? "a chat"
        }
        return "someone"
    }

    /// Photos (the largest size), documents, voice notes and audio in a message.
    static func files(in message: [String: Any]) -> [(kind: String, file: [String: Any])] {
        var out: [(String, [String: Any])] = []
        if let sizes = message["photo"] as? [[String: Any]], let largest = sizes.last { out.append(("photo", largest)) }
        for kind in ["document", "voice", "audio", "video"] {
            if let f = message[kind] as? [String: Any] { out.append((kind, f)) }
        }
        return out
    }

    /// Fetches a file with getFile into the state directory, within the size limit.
    func download(_ file: [String: Any], kind: String) async -> Result<Attachment, DownloadError> {
        guard let fileID = file["file_id"] as? String else { return .failure(DownloadError("no file_id")) }
        let limitMB = config.maxFileBytes >> 20
        if let size = file["file_size"] as? Int, size > config.maxFileBytes {
            return .failure(DownloadError("\(size >> 20) MB is over the \(limitMB) MB limit"))
        }
        do {
            let info = try await api.call("getFile", ["file_id": fileID]) as? [String: Any] ?? [:]
            guard let path = info["file_path"] as? String else { return .failure(DownloadError("Telegram gave no file path")) }
            let data = try await api.download(path, limit: config.maxFileBytes)
            let dir = (config.stateDirectory as NSString).appendingPathComponent("files/telegram/\(config.account)")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let unique = file["file_unique_id"] as? String ?? fileID
            let name = file["file_name"] as? String ?? "\(kind)-\(unique)"
            let safe = name.replacingOccurrences(of: "/", with: "_")
            let target = (dir as NSString).appendingPathComponent("\(unique)-\(safe)")
            try data.write(to: URL(fileURLWithPath: target))
            return .success(
                Attachment(name: safe, mimeType: file["mime_type"] as? String ?? (kind == "photo" ? "image/jpeg" : "application/octet-stream"),
                           path: target, size: data.count))
        } catch let e as HTTPErrorLike {
            return .failure(DownloadError(e.summary))
        } catch {
            return .failure(DownloadError("\(error)"))
        }
    }
}

struct DownloadError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Errors that know how to describe themselves briefly (and without a URL).
protocol HTTPErrorLike: Error { var summary: String { get } }
extension TelegramAPIError: HTTPErrorLike { var summary: String { description } }
