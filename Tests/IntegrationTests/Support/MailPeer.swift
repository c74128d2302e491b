import Foundation
import HeraldEmail
import HeraldNet
import Testing

/// The mail peers `make test` starts: Dovecot (IMAP 11143 STARTTLS, IMAPS 11993, IDLE, LMTP)
/// and the aiosmtpd submission server (12525 STARTTLS, 12465 TLS) that delivers into it and
/// keeps a copy of every message it accepts in `spool/<recipient>/`. Any user name is a
/// mailbox; every password is "secret".
enum MailPeer {
    static let dir = Peers.environment["HERALD_TEST_MAIL_DIR"]
    static let enabled = dir != nil || Peers.required
    static let password = "secret"
    /// The authserv-id the tests' "receiving server" stamps on Authentication-Results.
    static let authserv = "mx.test.local"

    static func requireDir() throws -> String {
        try #require(
            dir,
            "the mail peers are not running: run `make test` (it starts Dovecot and the SMTP peer and sets HERALD_TEST_MAIL_DIR)")
    }

    /// A fresh address on the test domain: `name-xxxxxx@test.local` (plus `+tag` before the @).
    static func address(_ name: String, tag: String? = nil) -> String {
        "\(name)-\(UUID().uuidString.prefix(6).lowercased())\(tag.map { "+" + $0 } ?? "")@test.local"
    }

    /// Sends a message as a person's mail client would: SMTP submission over STARTTLS.
    static func submit(_ message: String, from: String, to: String) async throws {
        let dir = try requireDir()
        var o = MailSubmission.Options(host: "127.0.0.1", port: 12525, implicitTLS: false, username: "tester", password: password)
        o.caFile = dir + "/cert.pem"
        let data = Data(message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
        try await MailSubmission(o).send(from: from, to: [to], message: data)
    }

    /// The messages the SMTP peer accepted for `address`, oldest first.
    static func spooled(_ address: String) throws -> [MIMEPart] {
        let d = try requireDir() + "/spool/" + address.lowercased()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { MIMEPart(parsing: try Data(contentsOf: URL(fileURLWithPath: d + "/" + $0))) }
    }

    /// Waits until `address` has received at least `count` messages. The spool is a plain
    /// directory the Python peer writes into, so this looks again every 50 ms until then.
    static func waitForMail(to address: String, count: Int, seconds: Double = 60) async throws -> [MIMEPart] {
        try await withDeadline(seconds, "\(count) mail(s) to \(address)") {
            while true {
                let mails = try spooled(address)
                if mails.count >= count { return mails }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The IMAP flags Dovecot keeps for the mail with `messageID` in `user`'s mailbox (a
    /// Maildir: the flags are the letters after ":2," in the file's name; a mail in `new/`
    /// has none), or nil while it has not been delivered.
    static func flags(of messageID: String, in user: String) throws -> String? {
        let box = try requireDir() + "/mail/" + user
        for sub in ["new", "cur"] {
            let folder = box + "/" + sub
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                    MIMEPart(parsing: data).headers.messageIDs("Message-ID").contains(messageID)
                else { continue }
                return name.range(of: ":2,").map { String(name[$0.upperBound...]) } ?? ""
            }
        }
        return nil
    }

    /// Waits until the mail with `messageID` is delivered to `user`'s mailbox and its flags
    /// satisfy `predicate`; returns them.
    static func waitForFlags(
        of messageID: String, in user: String, _ what: String, seconds: Double = 30, _ predicate: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        try await withDeadline(seconds, what) {
            while true {
                if let flags = try flags(of: messageID, in: user), predicate(flags) { return flags }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// A plain mail from `from`, written like mutt writes one, with a passing DKIM result from
    /// the receiving server unless `authenticated` is false.
    static func mail(
        from: String, to: String, subject: String, body: String, messageID: String, inReplyTo: String? = nil,
        references: [String] = [],
        authenticated: Bool = true, extraHeaders: [String] = []
    ) -> String {
        var h: [String] = []
        if authenticated {
            h.append(
                "Authentication-Results: \(authserv); dkim=pass (2048-bit key) header.d=test.local header.s=mail; spf=pass smtp.mailfrom=\(from)"
            )
        }
        h += [
            "Date: Fri, 27 Nov 2026 09:00:00 +0100", "From: Test Person <\(from)>", "To: <\(to)>", "Subject: \(subject)",
            "Message-ID: <\(messageID)>",
        ]
        if let inReplyTo { h.append("In-Reply-To: <\(inReplyTo)>") }
        if !references.isEmpty { h.append("References: " + references.map { "<\($0)>" }.joined(separator: " ")) }
        h += extraHeaders
        h += [
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Disposition: inline",
            "User-Agent: Mutt/2.2.9", "",
        ]
        return h.joined(separator: "\n") + "\n" + body + "\n"
    }

    /// A Message-ID on the test domain.
    static func messageID() -> String { "\(UUID().uuidString.lowercased())@test.local" }
}
