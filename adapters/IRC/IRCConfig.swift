import Foundation
import HeraldCore

/// `[adapters.irc]` (or `[[adapters.irc]]` for several networks).
public struct IRCConfig: Sendable {
    public var account = "main"
    public var host = "127.0.0.1"
    public var port = 6697
    public var tls = true
    public var caFile: String?
    public var nick = "herald"
    public var username = "herald"
    public var realname = "Herald"
    /// SASL PLAIN: the account name and password (a secret reference).
    public var saslUser: String?
    public var saslPassword: SecretRef?
    /// Abort the connection when SASL fails (904/905) instead of going on unidentified.
    public var saslRequired = false
    /// Channels to join; each is its own session, bound to a profile by `[[bindings]]`.
    public var channels: [String] = []
    /// In channels, answer only lines that start with "nick:" or "nick,".
    public var requireAddress = true
    /// Services accounts allowed to talk (from the `account` tag).
    public var allowedAccounts: Set<String> = []
    /// Nicks allowed when the server has no accounts; ignored when `requireAccount`.
    public var allowedNicks: Set<String> = []
    /// Refuse senders that carry no account tag.
    public var requireAccount = true
    /// The send queue: lines per second and burst (RFC 1459: one per 2 s with 10 s of credit).
    public var sendRate = 0.5
    public var sendBurst = 5
    /// Send our own PING after this long without a line, and drop the link when nothing
    /// comes back within `pingTimeout`.
    public var pingInterval: Duration = .seconds(90)
    public var pingTimeout: Duration = .seconds(60)
    public var backoff = Backoff(base: .seconds(2), cap: .seconds(300))
    /// When we had to take another nick, how often to try to get ours back.
    public var nickRegain: Duration = .seconds(60)

    public init() {}

    /// Reads the table; errors name file:line.
    public init(_ reader: ConfigReader) throws(ConfigError) {
        var r = reader
        account = try r.string("account", default: "main")
        host = try r.requiredString("host")
        tls = try r.bool("tls") ?? true
        port = try r.int("port", range: 1...65_535) ?? (tls ? 6697 : 6667)
        caFile = try r.path("ca_file")
        nick = try r.string("nick", default: "herald")
        guard !nick.isEmpty, nick.allSatisfy({ $0.isLetter || $0.isNumber || "-_[]\\^{}|`".contains($0) }) else {
            throw r.error("nick", "'nick' has characters IRC does not allow in a nick")
        }
        username = try r.string("username", default: nick)
        realname = try r.string("realname", default: "Herald")
        saslUser = try r.string("sasl_user")
        saslPassword = try r.secret("sasl_password")
        saslRequired = try r.bool("sasl_required") ?? (saslUser != nil)
        if saslRequired && (saslUser == nil || saslPassword == nil) {
            throw r.error("sasl_required", "sasl_required needs sasl_user and sasl_password_env or sasl_password_file")
        }
        channels = try r.strings("channels") ?? []
        for c in channels where !(c.hasPrefix("#") || c.hasPrefix("&")) || c.contains(" ") || c.contains(",") {
            throw r.error("channels", "'\(c)' is not a channel name")
        }
        requireAddress = (try r.choice("answer_in_channels", ["addressed", "all"], default: "addressed")) != "all"
        allowedAccounts = Set(try r.strings("allowed_accounts") ?? [])
        allowedNicks = Set(try r.strings("allowed_nicks") ?? [])
        requireAccount = try r.bool("require_account") ?? true
        sendRate = try r.double("send_rate") ?? sendRate
        guard sendRate > 0 else { throw r.error("send_rate", "'send_rate' must be above 0") }
        sendBurst = try r.int("send_burst", range: 1...100) ?? sendBurst
        pingInterval = .seconds(try r.int("ping_interval_seconds", range: 1...3600) ?? 90)
        pingTimeout = .seconds(try r.int("ping_timeout_seconds", range: 1...3600) ?? 60)
        nickRegain = .seconds(try r.int("nick_regain_seconds", range: 1...86_400) ?? 60)
        try r.finish()
    }
}
