import Foundation
import HeraldCore
import Synchronization

/// Telegram over the Bot API with long polling. Private chats, groups and forum topics are
/// each their own conversation; every update is committed with the next offset in one
/// transaction before the next poll confirms it.
public final class TelegramAdapter: ChatAdapter {
    public let id: AdapterID
    /// Telegram asks bots to stay under about one message a second per chat and 30 a second
    /// overall; in-flight sends are bounded so a crash can duplicate at most that many.
    public let capabilities = AdapterCapabilities(
        maxMessageLength: 4096, lengthUnit: .utf16, dialect: .telegramHTML, threads: true, typingIndicator: true,
        pacing: DeliveryPacing(
            perConversation: .init(perSecond: 1, burst: 3), perAdapter: .init(perSecond: 30, burst: 30), maxInFlight: 10))
    public var allowedSenders: Set<String> { config.allowedUsers }

    let config: TelegramConfig
    let api: BotAPI
    let log: Logger
    /// The bot's own identity, from getMe.
    let me = Mutex<(id: Int64, username: String)?>(nil)

    public init(config: TelegramConfig) throws {
        self.config = config
        self.id = AdapterID(platform: .telegram, account: config.account)
        self.api = BotAPI(base: config.apiBase, token: try config.token.resolve(), caFile: config.caFile)
        self.log = Logger("telegram.\(config.account)")
    }

    /// The commands shown in Telegram's menu.
    static let commands: [(String, String)] = ChatCommand.known.map { ($0.name, $0.help) }

    public func run(intake: Intake) async throws {
        let lock = try ExclusiveLock(
            path: (config.stateDirectory as NSString).appendingPathComponent("locks/telegram-\(config.account).lock"),
            guarding: "the Telegram bot \(config.account)")
        defer { withExtendedLifetime(lock) {} }
        let info = try await api.call("getMe") as? [String: Any] ?? [:]
        let botID = (info["id"] as? NSNumber)?.int64Value ?? 0
        let username = info["username"] as? String ?? ""
        me.withLock { $0 = (botID, username) }
        // A webhook and getUpdates exclude each other: polling wins, explicitly.
        _ = try await api.call("deleteWebhook", ["drop_pending_updates": false])
        _ = try? await api.call("setMyCommands", ["commands": Self.commands.map { ["command": $0.0, "description": $0.1] }])
        log.info("polling", ["bot": "@\(username)"])
        await intake.linkUp()

        var offset = Int(try await intake.cursor("offset") ?? "") ?? 0
        var held = try await Held.load(intake)
        var failures = 0
        while !Task.isCancelled {
            do {
                // While a piece of a long paste is held, poll briefly: the rest comes at once or not at all.
                let result = try await api.call(
                    "getUpdates",
                    [
                        "offset": offset, "timeout": held.pieces.isEmpty ? config.pollTimeout : 1,
                        "allowed_updates": ["message", "edited_message", "my_chat_member"],
                    ],
                    timeout: .seconds(config.pollTimeout + 15))
                if failures > 0 { await intake.linkUp() }
                failures = 0
                let updates = result as? [[String: Any]] ?? []
                guard !updates.isEmpty || !held.pieces.isEmpty else { continue }
                if !updates.isEmpty { FaultPoint.telegramUpdatesFetched.hit() }
                var messages = held.pieces
                var last = offset - 1
                for u in updates {
                    guard let updateID = u["update_id"] as? Int else {
                        log.error("update without update_id", ["raw": Logger.escapeBytes(Array("\(u)".utf8), limit: 300)])
                        continue
                    }
                    last = max(last, updateID)
                    if let m = try await inbound(u, updateID: updateID, intake: intake) { messages.append(m) }
                }
                let over = updates.isEmpty || held.since.map { Date().timeIntervalSince($0) >= LongPaste.window.seconds } ?? false
                let (ready, open) = LongPaste.join(messages, release: over)
                let next = Held(since: open.isEmpty ? nil : open == held.pieces ? held.since : Date(), pieces: open)
                // The updates, the next offset and any held piece commit together; only then
                // does the next poll (from that offset) confirm them to Telegram.
                // The held pieces are written only when they change: most polls hold nothing.
                try await intake.commit(ready, cursors: [("offset", String(last + 1))], state: next == held ? [] : [("paste", next.encoded)])
                offset = last + 1
                held = next
            } catch is CancellationError {
                return
            } catch let e as TelegramAPIError {
                failures += 1
                let delay: Duration
                switch e.code {
                case 409:
                    // Another poller or a webhook: an alarm, with backoff, never a busy loop.
                    delay = Backoff(base: .seconds(5), cap: .seconds(300)).delay(after: failures)
                    log.error("409 Conflict: another process polls this bot or a webhook is set", ["retry_in": "\(delay)"])
                case 429:
                    delay = .seconds(e.retryAfter ?? 5)
                    log.warning("getUpdates rate limited", ["retry_after": "\(e.retryAfter ?? 5)"])
                case 401, 404:
                    throw e  // the token is wrong: the gateway logs it and retries slowly
                default:
                    delay = Backoff(base: .seconds(1), cap: .seconds(60)).delay(after: failures)
                    log.warning("getUpdates failed", ["error": e.description, "retry_in": "\(delay)"])
                }
                try await Task.sleep(for: delay)
            }
        }
    }

    public func checkOnline(intake: Intake) async throws -> String? {
        let info = try await api.call("getMe") as? [String: Any] ?? [:]
        return "getMe: the bot @\(info["username"] as? String ?? "?") (id \((info["id"] as? NSNumber)?.int64Value ?? 0))"
    }

    /// Pieces of a long paste waiting for the rest, and since when: kept in the adapter's
    /// state so a restart neither loses nor answers them on their own before the wait is over.
    struct Held: Codable, Equatable {
        var since: Date?
        var pieces: [InboundMessage] = []

        static func load(_ intake: Intake) async throws -> Held {
            guard let json = try await intake.state("paste"), !json.isEmpty else { return Held() }
            return (try? JSONDecoder().decode(Held.self, from: Data(json.utf8))) ?? Held()
        }

        var encoded: String {
            pieces.isEmpty ? "" : String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
        }
    }

    /// A 429 on the chat action is flood control for that chat like any other: the stage holds it.
    public func typing(in conversation: ConversationRef) async throws {
        var params: [String: Any] = ["chat_id": conversation.chat, "action": "typing"]
        if let thread = conversation.thread { params["message_thread_id"] = Int(thread) ?? thread }
        do {
            _ = try await api.call("sendChatAction", params, timeout: .seconds(10))
        } catch let e as TelegramAPIError {
            throw Self.classify(e)
        }
    }
}
