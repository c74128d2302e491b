import Foundation
import HeraldNet

/// A failed IMAP command or a broken session.
public struct IMAPError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "imap: \(message)" }
}

/// Commands over one logged-in IMAP connection. Owned by one task (the adapter's receive
/// loop); responses arrive through a reader task that frames the byte stream.
final class IMAPSession {
    private let connection: LineConnection
    private var events: AsyncStream<Event>.Iterator
    private let sink: AsyncStream<Event>.Continuation
    private let reader: Task<Void, Never>
    private var nextTag = 1
    /// Untagged EXISTS/RECENT seen since the last check: new mail.
    private(set) var newMail = false
    /// A wake-up that came while a command ran: the next IDLE returns at once.
    private var woken = false

    private enum Event: Sendable {
        case response(IMAPResponse)
        case closed(String)
        case timeout(Int)
        case wake
    }

    /// Ends the current (or next) IDLE early, from any task: there is work for the loop that
    /// owns this session (an answered mail to flag).
    var waker: @Sendable () -> Void {
        let sink = sink
        return { sink.yield(.wake) }
    }

    init(_ connection: LineConnection, maxLiteral: Int) {
        self.connection = connection
        let (stream, sink) = AsyncStream.makeStream(of: Event.self)
        self.events = stream.makeAsyncIterator()
        self.sink = sink
        reader = Task {
            var framer = IMAPFramer(maxLiteral: maxLiteral)
            do {
                for try await chunk in connection.lines {
                    for r in framer.feed(chunk) { sink.yield(.response(r)) }
                }
                sink.yield(.closed("the server closed the connection"))
            } catch {
                sink.yield(.closed("\(error)"))
            }
            sink.finish()
        }
    }

    deinit {
        reader.cancel()
        connection.shutdown()
    }

    /// Runs one command; returns its untagged responses. NO and BAD throw.
    @discardableResult
    func command(_ text: String, timeout: Duration = .seconds(60)) async throws -> [IMAPResponse] {
        let tag = "H\(nextTag)"
        nextTag += 1
        try await connection.send(Data("\(tag) \(text)\r\n".utf8))
        return try await collect(until: tag, timeout: timeout)
    }

    /// IDLE (RFC 2177) until the server reports new mail or `timeout` passes; true when mail
    /// came. The caller re-enters IDLE, which keeps each IDLE shorter than NAT and server limits.
    /// Mail announced during an earlier command (an EXISTS beside a STORE reply) counts too;
    /// `waker` ends it early with false.
    func idle(timeout: Duration) async throws -> Bool {
        if newMail {
            newMail = false
            return true
        }
        if woken {
            woken = false
            return false
        }
        let tag = "H\(nextTag)"
        nextTag += 1
        try await connection.send(Data("\(tag) IDLE\r\n".utf8))
        let timer = startTimer(timeout)
        defer { timer.cancel() }
        var accepted = false
        waiting: while true {
            switch try await next() {
            case .response(let r):
                if r.tag == "+" {
                    accepted = true
                } else if r.tag == tag {
                    throw IMAPError("IDLE refused: \(r.text)")
                } else {
                    note(r)
                }
                if accepted && newMail { break waiting }
            case .timeout(let id) where id == timer.id:
                break waiting
            case .timeout:
                continue
            case .wake:
                // Before the server's "+" the DONE would be a protocol error: wait for it.
                if accepted { break waiting }
                woken = true
            case .closed(let why):
                throw IMAPError(why)
            }
            if accepted && woken { break waiting }
        }
        woken = false
        try await connection.send(Data("DONE\r\n".utf8))
        // A server that does not answer DONE within 15 s is gone (Delta Chat uses the same).
        _ = try await collect(until: tag, timeout: .seconds(15))
        defer { newMail = false }
        return newMail
    }

    private func collect(until tag: String, timeout: Duration) async throws -> [IMAPResponse] {
        let timer = startTimer(timeout)
        defer { timer.cancel() }
        var untagged: [IMAPResponse] = []
        while true {
            switch try await next() {
            case .response(let r):
                guard r.tag == tag else {
                    note(r)
                    untagged.append(r)
                    continue
                }
                let status = r.words.count > 1 ? r.words[1].uppercased() : ""
                guard status == "OK" else { throw IMAPError("\(r.text.dropFirst(tag.count + 1))") }
                return untagged
            case .timeout(let id) where id == timer.id:
                connection.shutdown()
                throw IMAPError("no answer within \(timeout)")
            case .timeout:
                continue
            case .wake:
                woken = true
            case .closed(let why):
                throw IMAPError(why)
            }
        }
    }

    private func note(_ r: IMAPResponse) {
        let w = r.words
        if w.count >= 3, w[0] == "*", Int(w[1]) != nil, ["EXISTS", "RECENT"].contains(w[2].uppercased()) { newMail = true }
        if w.count >= 2, w[0] == "*", w[1].uppercased() == "BYE" { connection.shutdown() }
    }

    private func next() async throws -> Event {
        guard let e = await events.next() else {
            try Task.checkCancellation()
            throw IMAPError("the connection is closed")
        }
        try Task.checkCancellation()
        return e
    }

    private struct Timer {
        let id: Int
        let task: Task<Void, Never>
        func cancel() { task.cancel() }
    }

    private var timers = 0
    private func startTimer(_ after: Duration) -> Timer {
        timers += 1
        let id = timers
        let sink = self.sink
        return Timer(
            id: id,
            task: Task {
                try? await Task.sleep(for: after)
                if !Task.isCancelled { sink.yield(.timeout(id)) }
            })
    }
}
