import Foundation
import HeraldCore

/// `[adapters.email]` (or `[[adapters.email]]` for several mailboxes).
public struct EmailConfig: Sendable {
    /// Herald's address: the From of every reply and the adapter's account.
    public var address = ""
    /// Other addresses delivered into the same mailbox (e.g. librarian@). A mail's conversation
    /// carries the address it was sent to as its thread, so bindings can route an alias to a
    /// profile: `{platform = "email", thread = "librarian@example.org", profile = "librarian"}`.
    public var aliases: [String] = []
    public var user = ""
    public var password: SecretRef?
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// TLS from the first byte (imaps, smtps); otherwise STARTTLS, which is required.
        public var implicitTLS: Bool
    }
    public var imap = Endpoint(host: "", port: 993, implicitTLS: true)
    public var smtp = Endpoint(host: "", port: 465, implicitTLS: true)
    public var mailbox = "INBOX"
    /// Senders who may talk without pairing (addresses), believed only when authenticated.
    public var allowedSenders: Set<String> = []
    /// The receiving server's authserv-id: only its Authentication-Results are believed.
    public var authservID: String?
    /// The deployment says its own server is the only way in and checks senders itself.
    public var trustServer = false
    /// Unknown (but authenticated) senders get a pairing code by mail. Off by default: anyone
    /// with a DKIM key for their own domain could make Herald write to them.
    public var pairing = false
    /// Each IDLE ends after this long and starts again (servers and NAT drop longer ones).
    public var idleRestart: Duration = .seconds(300)
    /// Without IDLE: how often to look for new mail.
    public var pollInterval: Duration = .seconds(60)
    public var maxMessageBytes = 25 << 20
    /// Reply headers of a thread are kept this long after its last mail (then a late reply
    /// finds its thread through the root id at the head of its References).
    public var threadDays = 365
    public var maxAttachmentBytes = 10 << 20
    public var caFile: String?
    public var stateDirectory = ""
    public var backoff = Backoff()

    public init() {}

    /// Every address that is ours, lowercased.
    public var ownAddresses: Set<String> { Set(([address] + aliases).map { $0.lowercased() }) }

    public init(_ reader: ConfigReader, stateDirectory: String) throws(ConfigError) {
        var r = reader
        address = try r.requiredString("address").lowercased()
        guard address.contains("@") else { throw r.error("address", "'address' must be an email address") }
        aliases = (try r.strings("aliases") ?? []).map { $0.lowercased() }
        user = try r.string("user", default: address)
        password = try r.secret("password")
        guard password != nil else { throw r.error(nil, "email needs password_env or password_file") }
        imap = try Self.endpoint(&r, "imap", schemes: ("imaps", "imap"), ports: (993, 143))
        smtp = try Self.endpoint(&r, "smtp", schemes: ("smtps", "smtp"), ports: (465, 587))
        mailbox = try r.string("mailbox", default: "INBOX")
        allowedSenders = Set((try r.strings("allowed_senders") ?? []).map { $0.lowercased() })
        authservID = try r.string("authserv_id")
        trustServer = try r.bool("trust_server") ?? false
        pairing = try r.bool("pairing") ?? false
        if !trustServer && authservID == nil && !allowedSenders.isEmpty {
            throw r.error(
                "allowed_senders", "allowed_senders needs authserv_id (whose DKIM/SPF results to believe) or trust_server = true")
        }
        idleRestart = .seconds(try r.int("idle_restart_seconds", range: 10...1740) ?? 300)
        pollInterval = .seconds(try r.int("poll_seconds", range: 1...3600) ?? 60)
        maxMessageBytes = try Self.megabytes(&r, "max_message_mb", default: 25)
        maxAttachmentBytes = try Self.megabytes(&r, "max_attachment_mb", default: 10)
        threadDays = try r.int("thread_days", range: 1...36_500) ?? 365
        caFile = try r.path("ca_file")
        self.stateDirectory = stateDirectory
        try r.finish()
    }

    /// `imaps://host[:port]` or `imap://host[:port]` (STARTTLS required).
    private static func endpoint(_ r: inout ConfigReader, _ key: String, schemes: (String, String), ports: (Int, Int))
        throws(ConfigError) -> Endpoint
    {
        let url = try r.requiredString(key)
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty,
            scheme == schemes.0 || scheme == schemes.1
        else { throw r.error(key, "'\(key)' must look like \(schemes.0)://host:port or \(schemes.1)://host:port (STARTTLS)") }
        let tls = scheme == schemes.0
        return Endpoint(host: host, port: c.port ?? (tls ? ports.0 : ports.1), implicitTLS: tls)
    }

    /// A size limit in MB, fractions allowed (0.5 is 512 KiB), between 0.01 and 200.
    static func megabytes(_ r: inout ConfigReader, _ key: String, default value: Double) throws(ConfigError) -> Int {
        let mb = try r.double(key) ?? value
        guard (0.01...200).contains(mb) else { throw r.error(key, "'\(key)' must be between 0.01 and 200 (MB)") }
        return Int(mb * 1_048_576)
    }

    /// A size as a person reads it: one decimal below 10 MB ("1.9 MB", "0.5 MB"), whole above.
    public static func describe(_ bytes: Int) -> String {
        let mb = Double(bytes) / 1_048_576
        return mb < 10 ? String(format: "%.1f MB", mb) : String(format: "%.0f MB", mb)
    }
}
