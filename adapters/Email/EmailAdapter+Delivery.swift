import Foundation
import HeraldCore
import HeraldNet

extension EmailAdapter {
    /// Sends a reply by SMTP submission, threaded on the mail it answers; a reply is one mail
    /// (the stage's one chunk, in Markdown). The Message-ID comes from the outbox row, so every
    /// retry (and a resend after a crash) carries the same one and the recipient's client shows
    /// one message. 4xx and a broken connection are retried; 5xx is final.
    public func send(_ chunk: OutgoingChunk) async throws -> String? {
        let intake = await currentIntake()
        let threads = ThreadIndex(intake: intake)
        let conversation = chunk.message.conversation
        // The mail this answers; a job's result or a notice answers the thread's latest mail.
        var answering: ThreadMeta?
        if let id = chunk.message.replyTo { answering = await threads.lookup(id) }
        let latest = answering == nil ? try? await intake.state("thread:" + conversation.chat) : nil
        let parent = answering ?? latest.flatMap { try? JSONDecoder().decode(ThreadMeta.self, from: Data($0.utf8)) }
        guard let parent else { throw DeliveryError(.permanent, "no mail of this thread is known; nobody to answer") }
        let instance = try await intake.state("instance") ?? "0"
        let domain = config.address.split(separator: "@").last.map(String.init) ?? "herald.invalid"
        let part = chunk.count > 1 ? ".\(chunk.index)" : ""
        let messageID = "herald.\(instance).\(chunk.outboxID)\(part)@\(domain)"
        let from = conversation.thread ?? parent.to
        let data = MailComposer.render(
            MailComposer.Reply(
                from: from, fromName: "Herald", to: parent.from, subject: parent.subject, messageID: messageID,
                inReplyTo: parent.messageID, references: parent.references, date: Date(), markdown: chunk.chunk.text))
        var o = MailSubmission.Options(
            host: config.smtp.host, port: config.smtp.port, implicitTLS: config.smtp.implicitTLS, username: config.user,
            password: password)
        o.caFile = config.caFile
        do {
            try await MailSubmission(o).send(from: from, to: [parent.from], message: data)
        } catch {
            log.warning("SMTP submission failed", ["outbox": "\(chunk.outboxID)", "message_id": messageID, "error": error.description])
            throw DeliveryError(error.isPermanent ? .permanent : .transient(retryAfter: nil), error.description)
        }
        if let answering, let uid = answering.uid, let validity = answering.validity {
            // Handled now: the IMAP loop marks it \Seen (kept in state, so a restart still does).
            do {
                try await answered.add(.init(validity: validity, uid: uid), intake)
            } catch {
                log.warning("could not note an answered mail for its \\Seen flag", ["uid": "\(uid)", "error": "\(error)"])
            }
            wakeIMAP.withLock { $0 }?()
        }
        return messageID
    }
}
