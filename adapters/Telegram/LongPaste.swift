import Foundation
import HeraldCore

/// Telegram apps cut a paste longer than a message may be (4096 UTF-16 units) into several
/// messages, sent back to back. Answered one by one, the person would get an answer to each
/// fragment; joined, the model reads what was pasted. A piece close to the limit may have a
/// continuation: it is held (in the adapter's state, committed with the offset) until the
/// next message of the same sender in the same conversation, or until `window` passes.
/// Pure: the adapter decides when the window is over.
enum LongPaste {
    /// Apps cut at 4096 units, at a line or word boundary before it: a piece this long may go on.
    static let nearLimit = 3_800
    /// How long a piece that may go on is held for the rest.
    static let window: Duration = .seconds(1)
    /// Pieces of one paste arrive within this of each other (Telegram's dates are in seconds).
    static let gap: TimeInterval = 5

    /// A text message that may be followed by more of the same paste.
    static func mayContinue(_ m: InboundMessage) -> Bool {
        m.attachments.isEmpty && !m.text.hasPrefix("/") && m.text.utf16.count >= nearLimit
    }

    /// Joins each run of pieces (one sender, one conversation, every piece but the last close
    /// to the limit) into one message; runs of different senders may interleave. Returns the
    /// messages ready for the inbox, in order, and the runs whose last piece may still go on
    /// (oldest first), unless `release` says the wait is over.
    static func join(_ messages: [InboundMessage], release: Bool) -> (ready: [InboundMessage], held: [InboundMessage]) {
        var ready: [InboundMessage] = []
        var open: [String: [InboundMessage]] = [:]
        var order: [String] = []
        for m in messages {
            let key = m.conversation.key + "\u{1F}" + m.sender.id
            if let run = open[key], let last = run.last {
                if m.attachments.isEmpty && !m.text.hasPrefix("/") && m.receivedAt.timeIntervalSince(last.receivedAt) <= gap {
                    if mayContinue(m) {
                        open[key] = run + [m]
                    } else {
                        ready.append(merged(run + [m]))
                        open[key] = nil
                    }
                    continue
                }
                ready.append(merged(run))
                open[key] = nil
            }
            if mayContinue(m) {
                open[key] = [m]
                order.append(key)
            } else {
                ready.append(m)
            }
        }
        var held: [InboundMessage] = []
        for key in order {
            guard let run = open.removeValue(forKey: key) else { continue }
            if release { ready.append(merged(run)) } else { held += run }
        }
        return (ready, held)
    }

    /// One message from the pieces: the first piece's id (its update), the last one's message
    /// to reply to. Apps cut at a boundary and drop it; a line break puts it back readably.
    static func merged(_ run: [InboundMessage]) -> InboundMessage {
        guard var m = run.first, run.count > 1 else { return run[0] }
        m.text = run.dropFirst().reduce(m.text) { text, piece in
            let joint = text.last?.isWhitespace == true || piece.text.first?.isWhitespace == true ? "" : "\n"
            return text + joint + piece.text
        }
        m.replyTo = run.last?.replyTo
        return m
    }
}
