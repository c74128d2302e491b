import Foundation
import HeraldCore

extension MatrixAdapter {
    /// Sends one chunk as m.notice (plain `body`, escaped HTML `formatted_body`), inside its
    /// thread when it has one. The txnId is the chunk's idempotency key, so a retry after a lost
    /// response is the same event, never a second one.
    public func send(_ chunk: OutgoingChunk) async throws -> String? {
        let room = chunk.message.conversation.chat
        guard !encrypted.withLock({ $0.contains(room) }) else {
            throw DeliveryError(.permanent, "the room is encrypted; Herald sends nothing there")
        }
        guard let api = client.withLock({ $0 }) else { throw DeliveryError.notConnected("not logged in yet") }
        do {
            let r = try await api.call(
                "PUT", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/send/m.room.message/\(chunk.idempotencyKey)",
                body: Self.content(chunk))
            return r["event_id"] as? String
        } catch let e as MatrixError {
            switch (e.status, e.errcode) {
            case (429, _), (_, "M_LIMIT_EXCEEDED"):
                throw DeliveryError(.transient(retryAfter: e.retryAfter ?? .seconds(2)), e.description)
            case (413, _), (_, "M_TOO_LARGE"):
                throw DeliveryError(.tooLarge, e.description)
            case (0, _):
                // The txnId makes a resend safe whether or not the request arrived.
                throw DeliveryError(.outcomeUnknown, e.description)
            case (500...599, _):
                throw DeliveryError(.transient(retryAfter: nil), e.description)
            case (403, _), (404, _):
                throw DeliveryError(.permanent, e.description)
            default:
                throw DeliveryError(.rejected, e.description)
            }
        }
    }

    /// The event content as it goes on the wire, measured against `maxEncodedBytes`.
    public func encodedSize(of chunk: OutgoingChunk) -> Int {
        (try? JSONSerialization.data(withJSONObject: Self.content(chunk)).count) ?? Int.max
    }

    static func content(_ chunk: OutgoingChunk) -> [String: Any] {
        var content: [String: Any] = [
            "msgtype": "m.notice", "body": chunk.chunk.plain, "format": "org.matrix.custom.html",
            "formatted_body": chunk.chunk.text,
        ]
        if let thread = chunk.message.conversation.thread {
            var relation: [String: Any] = ["rel_type": "m.thread", "event_id": thread, "is_falling_back": true]
            if let reply = chunk.message.replyTo { relation["m.in_reply_to"] = ["event_id": reply] }
            content["m.relates_to"] = relation
        }
        return content
    }
}
