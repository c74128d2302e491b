import Foundation
import Synchronization

/// A fake Telegram Bot API server on loopback, written from the Bot API documentation
/// (core.telegram.org/bots/api): `/bot<token>/METHOD` with JSON bodies, `{"ok":…}` envelopes,
/// getUpdates long polling with offset confirmation, 409 for a second poller or an active
/// webhook, sendMessage validation (HTML entities, 4096 UTF-16 units after parsing, chat and
/// forum topic checks, 403 for a blocked chat), 429 with `retry_after` on demand, getFile and
/// file download. Tests drive it through its Swift control API.
public final class FakeTelegramServer: Sendable {
    public struct Call: Sendable {
        public var method: String
        public var params: [String: String]
        public var at: Date
    }

    /// A fault to answer the next sendMessage with.
    public enum Fault: Sendable {
        case tooManyRequests(retryAfter: Int)
        case rejectEntities
        /// Accept the message, then drop the connection without an answer.
        case acceptThenDrop
        /// Refuse it with 400 and this description.
        case badRequest(String)
    }

    struct State {
        /// Updates as JSON text (kept serialised so the state stays Sendable).
        var updates: [(id: Int, json: Data)] = []
        var nextUpdateID = 500
        var pollInFlight = false
        var webhook: String?
        var calls: [Call] = []
        var faults: [Fault] = []
        var blocked: Set<Int64> = []
        var chats: [Int64: (type: String, forum: Bool, topics: Set<Int>)] = [:]
        var nextMessageID = 1
        var files: [String: Data] = [:]
        var waiters = WaiterList<[Call]>()
        /// Flood control per chat: until when a 429 told the bot to stay away.
        var floodUntil: [Int64: Date] = [:]
        /// Calls that came to a chat inside its flood window.
        var violations: [Call] = []
        /// The next call of a method to a chat answers 429 with this retry_after.
        var floodNext: [String: Int] = [:]
        /// The next sendMessage to a chat is answered only after this many seconds.
        var holds: [Int64: Double] = [:]
        /// Every sendMessage takes this long to answer (a slow network, for benchmarks).
        var sendLatency: Double = 0
    }

    public let token: String
    public let botID: Int64 = 9_000_001
    public let botUsername = "herald_test_bot"
    let state = Mutex(State())
    let wake = NSCondition()
    private let server: StubHTTPServer

    /// `port` 0 picks a free one; a fixed one lets a test bring "Telegram" back where it was.
    public init(token: String, port: Int = 0) throws {
        self.token = token
        let box = Mutex<FakeTelegramServer?>(nil)
        server = try StubHTTPServer(port: port) { request in
            guard let me = box.withLock({ $0 }) else { return .full(status: 503, contentType: "text/plain", body: Data()) }
            return me.handle(request)
        }
        box.withLock { $0 = self }
    }

    public var baseURL: String { server.baseURL }
    public var port: Int { server.port }
    public func stop() { server.stop() }

    // MARK: - Control

    /// Registers a chat. `forum` chats have a General topic (thread 1) and `topics`.
    public func addChat(_ id: Int64, type: String = "private", forum: Bool = false, topics: Set<Int> = []) {
        state.withLock { $0.chats[id] = (type, forum, topics) }
    }

    public func block(_ chat: Int64) { state.withLock { _ = $0.blocked.insert(chat) } }
    /// The person unblocked the bot: sends to `chat` succeed again.
    public func unblock(_ chat: Int64) { state.withLock { _ = $0.blocked.remove(chat) } }
    public func setWebhook(_ url: String) { state.withLock { $0.webhook = url } }
    public var webhook: String? { state.withLock { $0.webhook } }
    public func failNextSend(_ fault: Fault) { state.withLock { $0.faults.append(fault) } }
    public func addFile(id: String, data: Data) { state.withLock { $0.files[id] = data } }

    /// The next `method` call naming `chat` is answered 429 with `retry_after`; Telegram then
    /// answers every call to that chat with 429 until the window has passed, and so does this
    /// fake, recording each such call in `windowViolations`.
    public func floodNext(_ method: String, chat: Int64, retryAfter: Int) {
        state.withLock { $0.floodNext["\(method) \(chat)"] = retryAfter }
    }

    /// Calls that came to a chat while its flood window was open.
    public var windowViolations: [Call] { state.withLock { $0.violations } }

    /// Every sendMessage is answered only after `seconds`.
    public func setSendLatency(_ seconds: Double) { state.withLock { $0.sendLatency = seconds } }

    /// The next sendMessage to `chat` is held `seconds` before it is answered (a slow send).
    public func holdNextSend(chat: Int64, seconds: Double) { state.withLock { $0.holds[chat] = seconds } }

    /// Queues a message update; returns its update_id. `thread` makes it a topic message.
    @discardableResult
    public func inject(
        chat: Int64, from user: Int64, name: String = "Ann", text: String, thread: Int? = nil,
        replyToBot: Bool = false, extra: [String: Any] = [:]
    ) -> Int {
        // Telegram never delivers a longer message: apps cut a long paste into several.
        precondition(text.utf16.count <= 4096, "a Telegram message holds at most 4096 UTF-16 units")
        let chatInfo = state.withLock { s -> (type: String, forum: Bool, topics: Set<Int>) in
            if s.chats[chat] == nil { s.chats[chat] = (chat > 0 ? "private" : "supergroup", false, []) }
            return s.chats[chat]!
        }
        var message: [String: Any] = [
            "message_id": state.withLock { s -> Int in
                s.nextMessageID += 1
                return s.nextMessageID
            },
            "date": Int(Date().timeIntervalSince1970),
            "chat": ["id": chat, "type": chatInfo.type, "is_forum": chatInfo.forum] as [String: Any],
            "from": ["id": user, "is_bot": false, "first_name": name] as [String: Any],
        ]
        // A message with media has a caption and no text.
        if !text.isEmpty { message["text"] = text }
        if text.hasPrefix("/") {
            let length = text.prefix { !$0.isWhitespace }.utf16.count
            message["entities"] = [["type": "bot_command", "offset": 0, "length": length]]
        }
        if let thread {
            message["message_thread_id"] = thread
            message["is_topic_message"] = true
        }
        if replyToBot {
            message["reply_to_message"] = [
                "message_id": 1, "date": 0, "chat": message["chat"]!,
                "from": ["id": botID, "is_bot": true, "first_name": "Herald", "username": botUsername],
                "text": "earlier answer",
            ] as [String: Any]
        }
        for (k, v) in extra { message[k] = v }
        return injectUpdate(["message": message])
    }

    @discardableResult
    public func injectUpdate(_ body: [String: Any]) -> Int {
        wake.lock()
        let id = state.withLock { s -> Int in
            s.nextUpdateID += 1
            return s.nextUpdateID
        }
        var u = body
        u["update_id"] = id
        let data = (try? JSONSerialization.data(withJSONObject: u)) ?? Data()
        state.withLock { $0.updates.append((id, data)) }
        wake.broadcast()
        wake.unlock()
        return id
    }

    /// Telegram's address black-holed (connections time out) and back, on the same port.
    public func blackHole() { server.blackHole() }
    public func restore() { server.restore() }

    /// Every API call so far.
    public var calls: [Call] { state.withLock { $0.calls } }
    public var sentMessages: [Call] { calls.filter { $0.method == "sendMessage" } }
    /// Updates not yet confirmed by an offset.
    public var pendingUpdates: [Int] { state.withLock { $0.updates.map(\.id) } }

    /// Waits until the calls so far satisfy `predicate`.
    public func waitFor(_ predicate: @escaping @Sendable ([Call]) -> Bool) async {
        await cancellableWait(
            register: { id, c in
                state.withLock { s in
                    if predicate(s.calls) { return false }
                    s.waiters.add(id, predicate, c)
                    return true
                }
            },
            cancel: { [self] id in self.state.withLock { $0.waiters.remove(id) } })
    }

    func record(_ method: String, _ params: [String: String]) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.calls.append(Call(method: method, params: params, at: Date()))
            return s.waiters.ready(s.calls)
        }
        ready.forEach { $0.resume() }
    }
}
