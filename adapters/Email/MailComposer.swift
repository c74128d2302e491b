import Foundation
import HeraldCore

/// Writes a reply as an RFC 5322 message: threaded on its parent, marked as automatic (RFC
/// 3834), text/plain quoted-printable with an HTML alternative. Pure.
public struct MailComposer: Sendable {
    public struct Reply: Sendable {
        public var from: String
        public var fromName: String
        public var to: String
        public var subject: String
        /// Without angle brackets.
        public var messageID: String
        public var inReplyTo: String?
        public var references: [String]
        public var date: Date
        /// The model's Markdown.
        public var markdown: String
    }

    public static func render(_ r: Reply) -> Data {
        let rendered = Formatter.chunks(r.markdown, dialect: .matrixHTML, limit: Int.max / 2, unit: .characters)
        let plain = rendered.map(\.plain).joined(separator: "\n\n")
        let html = rendered.map(\.text).joined(separator: "<br><br>")
        let boundary = "herald-alt-" + r.messageID.filter { $0.isLetter || $0.isNumber }.prefix(24)
        var lines: [String] = []
        func header(_ name: String, _ value: String) { lines.append(fold(name + ": " + clean(value))) }
        header("From", address(r.fromName, r.from))
        header("To", "<\(r.to)>")
        header("Subject", encodeWord(Self.replySubject(r.subject)))
        header("Date", Self.dateFormatter.string(from: r.date))
        header("Message-ID", "<\(r.messageID)>")
        if let parent = r.inReplyTo { header("In-Reply-To", "<\(parent)>") }
        if !r.references.isEmpty { header("References", r.references.map { "<\($0)>" }.joined(separator: " ")) }
        header("Auto-Submitted", "auto-replied")
        header("MIME-Version", "1.0")
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("--\(boundary)")
        lines.append("Content-Type: text/plain; charset=utf-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        lines.append("")
        lines.append(TransferEncoding.encodeQuotedPrintable(plain))
        lines.append("--\(boundary)")
        lines.append("Content-Type: text/html; charset=utf-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        lines.append("")
        // The renderer keeps line breaks as newlines (as Matrix clients show them); pre-wrap
        // makes mail clients show them too.
        lines.append(
            TransferEncoding.encodeQuotedPrintable("<html><body><div style=\"white-space: pre-wrap\">\(html)</div></body></html>")
        )
        lines.append("--\(boundary)--")
        lines.append("")
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    /// `Re: ` once, however many the parent had.
    static func replySubject(_ subject: String) -> String {
        var s = Substring(subject.trimmingCharacters(in: .whitespaces))
        while s.lowercased().hasPrefix("re:") { s = s.dropFirst(3).drop { $0 == " " } }
        return "Re: " + (s.isEmpty ? "your message" : s)
    }

    /// A header value can never start another header: CR, LF and other controls go.
    static func clean(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F || $0 == "\t" }.map(Character.init))
    }

    /// Non-ASCII text as RFC 2047 UTF-8 base64 words of at most 75 characters each.
    static func encodeWord(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 0x7E }) else { return text }
        var words: [String] = []
        var current = ""
        for ch in text {
            if (current + String(ch)).utf8.count > 45 {
                words.append("=?utf-8?B?" + Data(current.utf8).base64EncodedString() + "?=")
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { words.append("=?utf-8?B?" + Data(current.utf8).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }

    static func address(_ name: String, _ address: String) -> String {
        let safe = name.filter { $0 != "\"" && $0 != "\\" }
        return safe.isEmpty
            ? "<\(address)>" : "\(encodeWord(safe).contains("=?") ? encodeWord(safe) : "\"\(safe)\"") <\(address)>"
    }

    /// Folds a header line at spaces so no line exceeds 78 characters where it can
    /// (RFC 5322 2.1.1); a single longer word is left whole (998 is the hard limit).
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 78 else { return line }
        var out: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            // Never fold right after the field name: the value starts on the name's line.
            if !current.isEmpty && !current.hasSuffix(":") && current.utf8.count + 1 + word.utf8.count > 78 {
                out.append(current)
                current = " " + word
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        out.append(current)
        return out.joined(separator: "\r\n")
    }

    static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()
}
