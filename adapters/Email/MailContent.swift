import Foundation
import HeraldCore

/// What a person wrote in a mail: the new text (quoted replies and the signature set apart),
/// and the parts to save as attachments. Pure.
public struct MailContent: Sendable {
    /// What is new in this mail.
    public var text: String
    /// The quoted earlier mail (`> ...` and what follows an attribution line), if any.
    public var quoted: String
    /// The signature after a `-- ` line, if any.
    public var signature: String
    public var attachments: [MIMEPart]
    /// Things the reader should know (an unknown charset).
    public var notes: [String]

    public init(_ message: MIMEPart) {
        var notes: [String] = []
        var body = ""
        // text/plain wins; HTML only when there is no plain text (multipart/alternative or a
        // lone HTML part). Several inline plain parts (a mixed mail) are joined.
        let leaves = message.leaves
        let plain = leaves.filter { $0.contentType == "text/plain" && !$0.isAttachment }
        let html = leaves.filter { $0.contentType == "text/html" && !$0.isAttachment }
        if !plain.isEmpty {
            body = plain.map { p in
                let (t, problem) = p.text
                if let problem { notes.append(problem) }
                return t
            }.joined(separator: "\n\n")
        } else if let h = html.first {
            let (t, problem) = h.text
            if let problem { notes.append(problem) }
            body = HTMLText.extract(t).text
        }
        attachments = leaves.filter { $0.isAttachment }
        let parts = MailContent.separate(body)
        text = parts.text
        quoted = parts.quoted
        signature = parts.signature
        self.notes = notes
    }

    /// Splits plain text into new text, quoted text and signature. Quoted: lines starting
    /// with `>`, an attribution line just before them ("On ... wrote:"), and everything after
    /// an Outlook-style "-----Original Message-----". Signature: after a line that is `-- `.
    /// A forwarded message ("---------- Forwarded message") is the person's content and stays.
    public static func separate(_ body: String) -> (text: String, quoted: String, signature: String) {
        var lines = body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        // Outlook quotes without ">": a header block (From:/Sent:/To:/Subject:, or a localised
        // one), often after a rule line, and then the whole earlier exchange.
        var outlookQuote: [String] = []
        if let start = outlookHeaderBlock(lines) {
            var cut = start
            if cut > 0, isRule(lines[cut - 1]) { cut -= 1 }
            outlookQuote = Array(lines[cut...])
            lines = Array(lines[..<cut])
        }
        var text: [String] = []
        var quoted: [String] = []
        var signature: [String] = []
        var inSignature = false
        var inOriginal = false
        for line in lines {
            if inOriginal {
                quoted.append(line)
                continue
            }
            if line == "-- " || line == "--" && !inSignature && text.last.map({ $0.isEmpty }) != false {
                inSignature = true
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----Original Message-----") || trimmed.hasPrefix("-----Ursprüngliche Nachricht-----") {
                inOriginal = true
                quoted.append(line)
                continue
            }
            if trimmed.hasPrefix(">") {
                // The attribution line just before the quote belongs to it.
                if let last = text.last?.trimmingCharacters(in: .whitespaces), last.hasSuffix(":"),
                    last.hasPrefix("On ") || last.contains(" wrote") || last.contains(" schrieb")
                {
                    quoted.append(text.removeLast())
                }
                quoted.append(line)
                continue
            }
            if inSignature { signature.append(line) } else { text.append(line) }
        }
        quoted += outlookQuote
        func joined(_ l: [String]) -> String { l.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        return (joined(text), joined(quoted), joined(signature))
    }

    /// Header labels of quoted mail as Outlook writes them, in the languages people meet most.
    static let fromLabels = ["from", "von", "de", "da", "van", "från", "fra", "od"]
    static let otherLabels = [
        "sent", "date", "to", "cc", "subject", "gesendet", "datum", "an", "betreff", "envoyé", "à", "objet", "inviato", "a",
        "oggetto", "verzonden", "aan", "onderwerp", "enviado", "para", "asunto", "skickat", "till", "ämne",
    ]

    /// The line where an Outlook header block starts: a From line followed within four lines by
    /// at least two other header labels. A lone "From: ..." sentence is not one.
    static func outlookHeaderBlock(_ lines: [String]) -> Int? {
        func label(_ line: String) -> String? {
            let t = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "")
            guard let colon = t.firstIndex(of: ":"), t.distance(from: t.startIndex, to: colon) <= 12 else { return nil }
            return t[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        }
        for (i, line) in lines.enumerated() where label(line).map(fromLabels.contains) == true {
            let next = lines[(i + 1)..<min(lines.count, i + 5)].compactMap(label).filter(otherLabels.contains)
            if Set(next).count >= 2 { return i }
        }
        return nil
    }

    static func isRule(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.count >= 8 && t.allSatisfy { $0 == "_" || $0 == "-" }
    }
}
