import Foundation

/// The body of a live response (Server-Sent Events): handlers push frames from any task; the
/// server's connection thread takes them, waiting with a heartbeat so a dead client is noticed
/// and a proxy keeps the connection open.
///
/// A class guarded by its own condition lock: the reader is a libmicrohttpd thread that must
/// block, which an actor cannot offer.
public final class EventStream: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = Data()
    private var closed = false
    /// The most bytes kept for a client that does not read; past it the stream closes (the
    /// browser reconnects and reloads what it missed).
    private let limit: Int
    private let onClose: @Sendable () -> Void
    private var closeReported = false

    public init(limit: Int = 1 << 20, onClose: @escaping @Sendable () -> Void = {}) {
        self.limit = limit
        self.onClose = onClose
    }

    /// Queues one event: `event: NAME` and `data:` lines (one per line of `data`).
    public func send(event: String, data: String) {
        var frame = "event: \(event)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { frame += "data: \(line)\n" }
        push(Data((frame + "\n").utf8))
    }

    func push(_ bytes: Data) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        if pending.count + bytes.count > limit {
            closed = true
        } else {
            pending.append(bytes)
        }
        condition.broadcast()
    }

    /// Ends the stream: the reader gets what is queued, then the end.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Up to `max` bytes, waiting at most `heartbeat` (then a comment line); nil at the end.
    func next(max: Int, heartbeat: TimeInterval) -> Data? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(heartbeat)
        while pending.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if pending.isEmpty { return closed ? nil : Data(": keep-alive\n\n".utf8) }
        let n = min(max, pending.count)
        let out = pending.prefix(n)
        pending.removeFirst(n)
        return Data(out)
    }

    /// The client went away (or the server stopped): called once.
    func finished() {
        condition.lock()
        closed = true
        let report = !closeReported
        closeReported = true
        condition.unlock()
        if report { onClose() }
    }
}
