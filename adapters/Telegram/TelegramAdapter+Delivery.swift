import Foundation
import HeraldCore

extension TelegramAdapter {
    /// Sends one chunk the delivery stage rendered (Telegram HTML, at most 4096 UTF-16 units of
    /// visible text) and classifies what Telegram said. Rejected entities are resent once as
    /// plain text; a group that became a supergroup is followed. A 429 holds this chat for
    /// exactly `retry_after` (the stage keeps the hold); 403 and a missing chat are permanent;
    /// a request that was sent and whose answer was lost is "unknown", never resent here, since
    /// Telegram has no idempotency key.
    public func send(_ chunk: OutgoingChunk) async throws -> String? {
        let m = chunk.message
        var params: [String: Any] = ["chat_id": m.conversation.chat, "text": chunk.chunk.text, "parse_mode": "HTML"]
        // The General topic is reached without message_thread_id; named topics keep theirs.
        if let thread = m.conversation.thread { params["message_thread_id"] = Int(thread) ?? thread }
        var fellBack = false
        var migrated = false
        while true {
            do {
                let result = try await api.call("sendMessage", params, timeout: .seconds(30), replayable: false) as? [String: Any]
                return (result?["message_id"] as? Int).map(String.init)
            } catch let e as TelegramAPIError {
                switch e.code {
                case 400 where e.cannotParseEntities && !fellBack:
                    log.warning("Telegram rejected the markup; resending as plain text", ["error": e.description])
                    fellBack = true
                    params["text"] = chunk.chunk.plain
                    params.removeValue(forKey: "parse_mode")
                case 400 where e.migrateTo != nil && !migrated:
                    migrated = true
                    params["chat_id"] = String(e.migrateTo!)
                default:
                    throw Self.classify(e)
                }
            }
        }
    }

    /// What the delivery stage should make of a Bot API error on a send or a chat action.
    static func classify(_ e: TelegramAPIError) -> DeliveryError {
        switch e.code {
        case 429:
            // Flood control answers for the chat the request named.
            return DeliveryError(.transient(retryAfter: .seconds(e.retryAfter ?? 1)), e.description)
        case 403:
            return DeliveryError(.permanent, e.description)
        case 400 where e.description.contains("chat not found") || e.description.contains("thread not found"):
            return DeliveryError(.permanent, e.description)
        case 400 where e.description.contains("message is too long") || e.description.contains("text is too long"):
            return DeliveryError(.tooLarge, e.description)
        case 0 where e.outcomeUnknown:
            return DeliveryError(.outcomeUnknown, e.description)
        case 0:
            // Never reached Telegram (no connection, a connect timeout): safe to send again as
            // soon as polling finds Telegram again.
            return .notConnected(e.description)
        case 500...599:
            return DeliveryError(.transient(retryAfter: nil), e.description)
        default:
            return DeliveryError(.rejected, e.description)
        }
    }
}
