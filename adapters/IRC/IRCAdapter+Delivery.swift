import Foundation
import HeraldCore
import HeraldNet

extension IRCAdapter {
    /// Sends a reply as PRIVMSG lines, paced by the token bucket. Without a registered link it
    /// fails as transient, so the outbox keeps the reply until we are back; a drop mid-reply
    /// resumes after the last line that went out.
    public func deliver(_ entry: OutboxEntry) async throws -> DeliveryReceipt {
        let target = entry.message.conversation.chat
        guard let link = link.withLock({ $0 }) else {
            throw DeliveryError(.transient(retryAfter: nil), "not connected to \(config.host)")
        }
        let plain = Formatter.chunks(entry.message.text, dialect: .irc, limit: 1 << 20, unit: .utf8Bytes).map(\.text).joined(separator: "\n")
        let budget = IRCText.budget(target: target, hostmask: link.hostmask.withLock { $0 })
        let lines = IRCText.lines(plain, budget: budget)
        var sent = progress.withLock { $0[entry.id] ?? 0 }
        while sent < lines.count {
            let wait = bucket.withLock { $0.reserve(at: (ContinuousClock.now - started).seconds) }
            if wait > 0 { try await clock.sleep(for: .milliseconds(Int64(wait * 1000))) }
            let line = IRCMessage(command: "PRIVMSG", params: [target, lines[sent]]).line
            do {
                try await link.connection.send(Data((line + "\r\n").utf8))
            } catch {
                throw DeliveryError(.transient(retryAfter: nil), "connection lost after \(sent) of \(lines.count) lines")
            }
            sent += 1
            progress.withLock { $0[entry.id] = sent }
        }
        progress.withLock { _ = $0.removeValue(forKey: entry.id) }
        return DeliveryReceipt(platformMessageIDs: [])
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
