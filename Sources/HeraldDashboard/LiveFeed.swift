import Foundation
import HeraldCore
import Synchronization

/// The open live views: each gateway event goes to every one as a Server-Sent Event whose
/// type is the event's kind and whose data says in a line what happened.
final class LiveFeed: Sendable {
    private let streams = Mutex<[ObjectIdentifier: EventStream]>([:])

    func open() -> EventStream {
        let box = StreamKey()
        let stream = EventStream(onClose: { [weak self] in
            guard let self, let key = box.key else { return }
            _ = self.streams.withLock { $0.removeValue(forKey: key) }
        })
        box.key = ObjectIdentifier(stream)
        streams.withLock { $0[ObjectIdentifier(stream)] = stream }
        // Browsers reconnect after this many milliseconds when the stream drops.
        stream.push(Data("retry: 3000\n\n".utf8))
        return stream
    }

    var count: Int { streams.withLock { $0.count } }

    func publish(_ event: GatewayEvent) {
        let open = streams.withLock { Array($0.values) }
        guard !open.isEmpty else { return }
        let payload: [String: String] = ["kind": event.kind, "text": Self.describe(event)]
        let json = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        for s in open { s.send(event: event.kind, data: json) }
    }

    static func describe(_ event: GatewayEvent) -> String {
        switch event {
        case .received(let adapter, let count): "\(count) message\(count == 1 ? "" : "s") in on \(adapter)"
        case .turn(let t):
            "turn of \(t.profile) in session \(t.sessionID.prefix(8)): \(t.usage.reduce(0) { $0 + $1.promptTokens }) prompt tokens"
        case .delivered(let adapter, let id, let ids): "reply #\(id) delivered on \(adapter) (message \(ids.last ?? "?"))"
        case .deliveryRetry(let adapter, let id, let reason): "reply #\(id) on \(adapter) waits: \(reason.prefix(100))"
        case .deliveryFailed(let adapter, let id, let reason): "reply #\(id) on \(adapter) failed: \(reason.prefix(100))"
        case .jobRun(let job, let state): "job \(job): \(state.rawValue)"
        case .pairing: "pairing requests changed"
        case .settingsChanged: "settings changed"
        }
    }
}

/// The stream's key, set right after the stream exists (its close handler needs it).
private final class StreamKey: @unchecked Sendable {
    // Set once before the stream is shared; read when it closes.
    var key: ObjectIdentifier?
}

extension Dashboard {
    func events() -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "no")],
            body: .stream(live.open()))
    }
}
