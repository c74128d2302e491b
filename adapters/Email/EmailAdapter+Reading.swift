import Foundation
import HeraldCore

/// What Herald keeps about a mail to answer it later: where the thread starts, whom to
/// answer, and the headers a reply threads on.
struct ThreadMeta: Codable, Sendable {
    var root: String
    var from: String
    var subject: String
    /// The parent's References plus its own Message-ID: the reply's References.
    var references: [String]
    var messageID: String
    /// The address the mail was sent to (ours or an alias); the reply comes from it.
    var to: String
    /// Where the mail is in the mailbox (UIDVALIDITY and UID), so it is marked `\Seen` once
    /// its answer is sent. Absent in rows written before this was kept.
    var validity: String?
    var uid: Int?
}

/// Finds a mail's thread root: In-Reply-To first, then References from the nearest parent
/// back; never the subject. Remembers the batch being read, so a reply fetched together
/// with its parent still joins it.
struct ThreadIndex {
    let intake: Intake
    var batch: [String: ThreadMeta] = [:]

    init(intake: Intake) { self.intake = intake }

    mutating func root(messageID: String, inReplyTo: [String], references: [String]) async -> String {
        for id in inReplyTo + references.reversed() {
            if let known = await lookup(id) { return known.root }
        }
        // An unknown parent: the thread is still the first id the mail names.
        return references.first ?? inReplyTo.first ?? messageID
    }

    func lookup(_ id: String) async -> ThreadMeta? {
        if let m = batch[id] { return m }
        guard let json = try? await intake.state("msg:" + id) else { return nil }
        return try? JSONDecoder().decode(ThreadMeta.self, from: Data(json.utf8))
    }
}

extension EmailAdapter {
    /// Turns one fetched mail into an inbound message, or nil (with a log line saying why)
    /// when it must not be answered.
    func read(_ raw: Data, uid: Int, validity: String, size: Int, threads: inout ThreadIndex) async -> (InboundMessage, ThreadMeta)? {
        let part = MIMEPart(parsing: raw)
        let h = part.headers
        if let reason = screen.ignoreReason(h, contentType: part.contentType) {
            log.info("mail not answered", ["uid": "\(uid)", "why": reason])
            return nil
        }
        guard let from = h.address("From") else { return nil }
        guard screen.authenticated(h) else {
            // A From that nobody vouched for may be forged: answering it would talk to the
            // wrong person (and a pairing code would be backscatter).
            log.warning("mail not answered: the sender is not authenticated", ["uid": "\(uid)", "from": from])
            return nil
        }
        guard config.pairing || config.allowedSenders.contains(from) else {
            log.info(
                "mail not answered: unknown sender (add to allowed_senders, or set pairing = true)",
                ["uid": "\(uid)", "from": from])
            return nil
        }
        // A mail without Message-ID gets a stable one from its bytes, so a resync still dedupes.
        let messageID = h.messageIDs("Message-ID").first ?? "sha256-\(SHA256.hex(raw).prefix(32))@herald.invalid"
        let inReplyTo = h.messageIDs("In-Reply-To")
        let references = h.messageIDs("References")
        let root = await threads.root(messageID: messageID, inReplyTo: inReplyTo, references: references)
        let recipients = (h.all("To") + h.all("Cc") + h.all("Delivered-To")).flatMap(MailHeaders.addresses(in:))
        let to = recipients.first { config.ownAddresses.contains($0) } ?? config.address
        let subject = h.text("Subject") ?? ""
        var meta = ThreadMeta(
            root: root, from: from, subject: subject, references: (references.isEmpty ? inReplyTo : references) + [messageID],
            messageID: messageID, to: to, validity: validity, uid: uid)
        if meta.references.count > 20 { meta.references = [meta.references[0]] + meta.references.suffix(19) }  // keep the root
        threads.batch[messageID] = meta

        var text: String
        var notice: String?
        var notes: [String] = []
        var attachments: [Attachment] = []
        if size > raw.count {
            text = ""
            let why = "this mail is \(EmailConfig.describe(size)), over the \(EmailConfig.describe(config.maxMessageBytes)) limit"
            notes.append("\(why); only its headers were read")
            // Herald says so itself, not by hoping the model passes the note on.
            notice = "Your mail \"\(subject)\" is \(EmailConfig.describe(size)), over the \(EmailConfig.describe(config.maxMessageBytes)) I read: I could read only its headers."
        } else {
            let content = MailContent(part)
            text = content.text.isEmpty ? content.quoted : content.text
            notes += content.notes
            for a in content.attachments {
                switch save(a, messageID: messageID) {
                case .success(let saved): attachments.append(saved)
                case .failure(let why): notes.append(why.description)
                }
            }
        }
        // The first mail of a thread brings its subject; later ones are in the session already.
        if root == messageID && !subject.isEmpty { text = "Subject: \(subject)\n\n" + text }
        if !notes.isEmpty { text += "\n\n" + notes.map { "[\($0)]" }.joined(separator: "\n") }
        let others = Set(recipients).subtracting(config.ownAddresses)
        let conversation = ConversationRef(platform: .email, account: config.address, chat: root, thread: to == config.address ? nil : to)
        let message = InboundMessage(
            conversation: conversation,
            sender: Sender(id: from, displayName: h.text("From") ?? from), eventID: messageID,
            text: text.trimmingCharacters(in: .whitespacesAndNewlines), attachments: attachments, replyTo: inReplyTo.first,
            // Herald's mail goes to the sender alone, so the thread itself is private enough for
            // a pairing code even when others were copied.
            direct: others.isEmpty, privately: conversation, notice: notice)
        return (message, meta)
    }

    struct SaveError: Error, CustomStringConvertible { var description: String }

    /// Saves an attachment under the state directory, within the size limit.
    func save(_ part: MIMEPart, messageID: String) -> Result<Attachment, SaveError> {
        let name = (part.filename ?? "attachment").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "\0", with: "")
        guard part.body.count <= config.maxAttachmentBytes else {
            return .failure(
                SaveError(
                    description:
                        "attachment \(name) (\(EmailConfig.describe(part.body.count))) was not saved: over the \(EmailConfig.describe(config.maxAttachmentBytes)) limit"
                ))
        }
        let dir = (config.stateDirectory as NSString).appendingPathComponent(
            "files/email/\(SHA256.hex(Data(messageID.utf8)).prefix(16))")
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let path = (dir as NSString).appendingPathComponent(name)
            try part.body.write(to: URL(fileURLWithPath: path))
            return .success(Attachment(name: name, mimeType: part.contentType, path: path, size: part.body.count))
        } catch {
            return .failure(SaveError(description: "attachment \(name) could not be saved: \(error.localizedDescription)"))
        }
    }
}
