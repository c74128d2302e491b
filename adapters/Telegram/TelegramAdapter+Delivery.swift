import Foundation
import HeraldCore

extension TelegramAdapter {
    /// Sends a reply as HTML chunks of at most 4096 UTF-16 units, in order. A 429 holds every
    /// send of this bot for exactly `retry_after`; rejected entities are resent once as plain
    /// text; 403 and a missing chat are permanent; a timeout after sending is "unknown" and is
    /// not retried, since Telegram has no idempotency key and a retry could post twice.
    public func deliver(_ entry: OutboxEntry) async throws -> DeliveryReceipt {
        let m = entry.message
        let chunks = Formatter.chunks(m.text, dialect: .telegramHTML, limit: 4096, unit: .utf16)
        let done = progress.withLock { $0[entry.id] ?? 0 }
        var ids: [String] = []
        for (i, chunk) in chunks.enumerated() where i >= done {
            var params: [String: Any] = ["chat_id": m.conversation.chat, "text": chunk.text, "parse_mode": "HTML"]
            // The General topic is reached without message_thread_id; named topics keep theirs.
            if let thread = m.conversation.thread { params["message_thread_id"] = Int(thread) ?? thread }
            let sent = try await send(params, plain: chunk.plain)
            ids.append(sent)
            progress.withLock { $0[entry.id] = i + 1 }
        }
        progress.withLock { _ = $0.removeValue(forKey: entry.id) }
        return DeliveryReceipt(platformMessageIDs: ids)
    }

    private func send(_ params: [String: Any], plain: String) async throws -> String {
        var params = params
        var fellBack = false
        while true {
            try await waitForFloodGate()
            do {
                let result = try await api.call("sendMessage", params, timeout: .seconds(30), replayable: false) as? [String: Any]
                return (result?["message_id"] as? Int).map(String.init) ?? "?"
            } catch let e as TelegramAPIError {
                switch e.code {
                case 429:
                    let seconds = e.retryAfter ?? 1
                    floodUntil.withLock { $0 = ContinuousClock.now + .seconds(seconds) }
                    log.warning("flood control: holding every send of this bot", ["retry_after": "\(seconds)"])
                case 400 where e.cannotParseEntities && !fellBack:
                    log.warning("Telegram rejected the markup; resending as plain text", ["error": e.description])
                    fellBack = true
                    params["text"] = plain
                    params.removeValue(forKey: "parse_mode")
                case 403:
                    throw DeliveryError(.permanent, e.description)
                case 400 where e.description.contains("chat not found") || e.description.contains("thread not found"):
                    throw DeliveryError(.permanent, e.description)
                case 400 where e.migrateTo != nil:
                    params["chat_id"] = String(e.migrateTo!)
                case 0 where e.outcomeUnknown:
                    throw DeliveryError(.permanent, "delivery unknown (\(e.description)); not retried, Telegram has no idempotency key")
                case 0, 500...599:
                    throw DeliveryError(.transient(retryAfter: nil), e.description)
                default:
                    throw DeliveryError(.permanent, e.description)
                }
            }
        }
    }

    private func waitForFloodGate() async throws {
        while let until = floodUntil.withLock({ $0 }), until > ContinuousClock.now {
            try await Task.sleep(until: until, clock: .continuous)
        }
    }
}
