import Foundation
import HeraldCore

/// `[adapters.matrix]` (or `[[adapters.matrix]]` for several accounts).
public struct MatrixConfig: Sendable {
    public var account = "main"
    /// The homeserver's base URL, e.g. https://matrix.example.org.
    public var homeserver = ""
    /// Log in with this user and `password`, or use `token` as it is.
    public var user: String?
    public var password: SecretRef?
    public var token: SecretRef?
    /// Users whose invites are accepted and who may talk without pairing (MXIDs).
    public var allowedUsers: Set<String> = []
    /// In rooms with more than two members, answer only when mentioned or replied to.
    public var requireMention = true
    public var syncTimeoutSeconds = 30
    /// Events per room in one sync (a gap beyond it is backfilled with /messages).
    public var timelineLimit = 50
    public var caFile: String?
    public var stateDirectory = ""
    public var maxFileBytes = 20 << 20

    public init() {}

    public init(_ reader: ConfigReader, stateDirectory: String) throws(ConfigError) {
        var r = reader
        account = try r.string("account", default: "main")
        homeserver = try r.requiredString("homeserver")
        while homeserver.hasSuffix("/") { homeserver.removeLast() }
        guard homeserver.hasPrefix("https://") || homeserver.hasPrefix("http://") else {
            throw r.error("homeserver", "'homeserver' must be an http(s) URL")
        }
        user = try r.string("user")
        password = try r.secret("password")
        token = try r.secret("token")
        guard token != nil || (user != nil && password != nil) else {
            throw r.error(nil, "matrix needs token_env/token_file, or user with password_env/password_file")
        }
        allowedUsers = Set(try r.strings("allowed_users") ?? [])
        requireMention = (try r.choice("answer_in_rooms", ["mention", "all"], default: "mention")) != "all"
        syncTimeoutSeconds = try r.int("sync_timeout_seconds", range: 0...120) ?? 30
        timelineLimit = try r.int("timeline_limit", range: 1...500) ?? 50
        caFile = try r.path("ca_file")
        maxFileBytes = (try r.int("max_file_mb", range: 1...2000) ?? 20) << 20
        self.stateDirectory = stateDirectory
        try r.finish()
    }
}
