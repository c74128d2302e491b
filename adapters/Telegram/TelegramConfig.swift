import Foundation
import HeraldCore

/// `[adapters.telegram]` (or `[[adapters.telegram]]` for several bots).
public struct TelegramConfig: Sendable {
    public var account: String
    public var token: SecretRef
    public var apiBase: String
    /// Telegram user ids allowed without pairing.
    public var allowedUsers: Set<String>
    /// In groups: answer only when mentioned, replied to or given a command ("mention"), or always ("all").
    public var answerAllInGroups: Bool
    public var pollTimeout: Int
    public var maxFileBytes: Int
    public var stateDirectory: String
    public var caFile: String?

    public init(
        account: String = "main", token: SecretRef, apiBase: String = "https://api.telegram.org", allowedUsers: Set<String> = [],
        answerAllInGroups: Bool = false, pollTimeout: Int = 30, maxFileBytes: Int = 20 << 20, stateDirectory: String,
        caFile: String? = nil
    ) {
        self.account = account
        self.token = token
        self.apiBase = apiBase
        self.allowedUsers = allowedUsers
        self.answerAllInGroups = answerAllInGroups
        self.pollTimeout = pollTimeout
        self.maxFileBytes = maxFileBytes
        self.stateDirectory = stateDirectory
        self.caFile = caFile
    }

    /// Reads the table; errors name file:line.
    public init(_ reader: ConfigReader, stateDirectory: String) throws(ConfigError) {
        var r = reader
        account = try r.string("account", default: "main")
        guard let token = try r.secret("token") else { throw r.error(nil, "telegram needs 'token_env' or 'token_file'") }
        self.token = token
        apiBase = try r.string("api_base", default: "https://api.telegram.org")
        while apiBase.hasSuffix("/") { apiBase.removeLast() }
        guard apiBase.hasPrefix("https://") || apiBase.hasPrefix("http://") else {
            throw r.error("api_base", "'api_base' must be an http(s) URL")
        }
        allowedUsers = Set((try r.ints("allowed_users") ?? []).map { String($0) })
        let groups = try r.choice("groups", ["mention", "all"], default: "mention")
        answerAllInGroups = groups == "all"
        pollTimeout = try r.int("poll_timeout_seconds", range: 0...50) ?? 30
        maxFileBytes = (try r.int("max_file_mb", range: 1...2000) ?? 20) << 20
        caFile = try r.path("ca_file")
        self.stateDirectory = stateDirectory
        try r.finish()
    }
}
