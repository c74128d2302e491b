import Foundation
import HeraldCore
import HeraldNet

extension IRCAdapter {
    /// Sends one line of a reply as a PRIVMSG (the delivery stage cut it to the line budget and
    /// paces the connection). Without a registered link it fails as "not connected", so the
    /// reply waits in the outbox and goes as soon as the link is back.
    public func send(_ chunk: OutgoingChunk) async throws -> String? {
        guard let link = link.withLock({ $0 }) else {
            throw DeliveryError.notConnected("not connected to \(config.host)")
        }
        let target = chunk.message.conversation.chat
        let isChannel = target.hasPrefix("#") || target.hasPrefix("&")
        if isChannel, !inChannels.withLock({ $0.contains(caseMapping.withLock { $0 }.fold(target)) }) {
            throw DeliveryError.notConnected("not in \(target) (yet)")
        }
        // Herald's own notices to a person (a pairing code) go as NOTICE, which no client or
        // bot answers automatically (RFC 1459 4.4.2); replies and channel lines as PRIVMSG.
        let command = chunk.message.isNotice && !isChannel ? "NOTICE" : "PRIVMSG"
        let line = IRCMessage(command: command, params: [target, IRCText.clean(chunk.chunk.text)]).line
        do {
            try await link.connection.send(Data((line + "\r\n").utf8))
        } catch {
            throw DeliveryError.notConnected("connection lost before line \(chunk.index + 1) of \(chunk.count)")
        }
        return nil
    }

    /// What is left of 512 bytes once the server prefixes our hostmask and the target.
    public func messageLimit(for conversation: ConversationRef) -> Int {
        IRCText.budget(target: conversation.chat, hostmask: link.withLock { $0?.hostmask.withLock { $0 } })
    }
}
