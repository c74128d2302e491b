import Foundation
import HeraldCore

extension MatrixAdapter {
    /// Sends a reply as m.notice (plain `body`, escaped HTML `formatted_body`), inside its thread
    /// when it has one. The txnId is the outbox row id (and chunk), so a retry after a lost
    /// response is the same event, never a second one. Rate limits delay, never drop.
    public func deliver(_ entry: OutboxEntry) async throws -> DeliveryReceipt {
        let room = entry.message.conversation.chat
        guard !encrypted.withLock({ $0.contains(room) }) else {
            throw DeliveryError(.permanent, "the room is encrypted; Herald sends nothing there")
        }
        guard let api = client.withLock({ $0 }) else { throw DeliveryError(.transient(retryAfter: nil), "not logged in yet") }
        let chunks = Formatter.chunks(entry.message.text, dialect: .matrixHTML, limit: capabilities.maxMessageLength, unit: .characters)
        var ids: [String] = []
        var sent = progress.withLock { $0[entry.id] ?? 0 }
        while sent < chunks.count {
            var content: [String: Any] = [
                "msgtype": "m.notice", "body": chunks[sent].plain, "format": "org.matrix.custom.html", "formatted_body": chunks[sent].text,
            ]
            if let thread = entry.message.conversation.thread {
                var relation: [String: Any] = ["rel_type": "m.thread", "event_id": thread, "is_falling_back": true]
                if let reply = entry.message.replyTo { relation["m.in_reply_to"] = ["event_id": reply] }
                content["m.relates_to"] = relation
            }
            let txn = "herald-\(entry.id)-\(sent)"
            do {
                let r = try await api.call(
                    "PUT", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/send/m.room.message/\(txn)", body: content)
                if let id = r["event_id"] as? String { ids.append(id) }
            } catch let e as MatrixError {
                switch (e.status, e.errcode) {
                case (429, _), (_, "M_LIMIT_EXCEEDED"):
                    throw DeliveryError(.transient(retryAfter: e.retryAfter ?? .seconds(2)), e.description)
                case (0, _), (500...599, _):
                    throw DeliveryError(.transient(retryAfter: nil), e.description)
                default:
                    throw DeliveryError(.permanent, e.description)
                }
            }
            sent += 1
            progress.withLock { $0[entry.id] = sent }
        }
        progress.withLock { _ = $0.removeValue(forKey: entry.id) }
        return DeliveryReceipt(platformMessageIDs: ids)
    }
}
