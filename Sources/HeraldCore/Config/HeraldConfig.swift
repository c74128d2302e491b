import Foundation

/// One model backend: an OpenAI-compatible endpoint, llama-server or any other.
public struct ModelConfig: Sendable, Equatable {
    public var name: String
    /// Base URL including `/v1`, e.g. `http://127.0.0.1:8080/v1`.
    public var url: String
    /// The model name sent in requests (llama-server ignores it).
    public var model: String
    public var apiKey: SecretRef?
    public var maxTokens: Int
    public var temperature: Double
    public var timeoutSeconds: Int
    /// Overrides the context size the server reports.
    public var contextTokens: Int?
    /// How many requests may run on this backend at once (llama-server: its slot count).
    public var maxConcurrent: Int
    /// A command that starts this backend's server; Herald then runs and supervises it.
    public var launch: [String]?
    public var caFile: String?

    public init(
        name: String, url: String, model: String = "local", apiKey: SecretRef? = nil, maxTokens: Int = 512,
        temperature: Double = 0.7, timeoutSeconds: Int = 300, contextTokens: Int? = nil, maxConcurrent: Int = 4,
        launch: [String]? = nil, caFile: String? = nil
    ) {
        self.name = name
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.timeoutSeconds = timeoutSeconds
        self.contextTokens = contextTokens
        self.maxConcurrent = maxConcurrent
        self.launch = launch
        self.caFile = caFile
    }
}

/// A profile: a persona (SOUL.md) with its own model chain and context budget.
public struct ProfileConfig: Sendable, Equatable {
    public var name: String
    /// Backends tried in order: the first, then each fallback when one is down or errs.
    public var models: [String]
    /// Tokens of history to keep in the prompt at most (the context size caps it too).
    public var historyTokens: Int

    public init(name: String, models: [String], historyTokens: Int = 4096) {
        self.name = name
        self.models = models
        self.historyTokens = historyTokens
    }
}

/// Maps conversations to a profile. Unset fields match anything.
public struct Binding: Sendable, Equatable {
    public var platform: Platform?
    public var account: String?
    public var chat: String?
    public var thread: String?
    public var profile: String

    public init(platform: Platform? = nil, account: String? = nil, chat: String? = nil, thread: String? = nil, profile: String) {
        self.platform = platform
        self.account = account
        self.chat = chat
        self.thread = thread
        self.profile = profile
    }
}

/// Access rules shared by all adapters.
public struct AccessConfig: Sendable, Equatable {
    public var pairingValidity: TimeInterval = 3600
    public var maxPendingPairings = 3
    public init() {}
}

/// The whole configuration, loaded from herald.toml.
public struct HeraldConfig: Sendable {
    public var file: String
    public var stateDirectory: String
    public var profilesDirectory: String
    public var defaultProfile: String
    public var durableWrites: Bool
    public var logLevel: String
    public var models: [String: ModelConfig]
    public var profiles: [String: ProfileConfig]
    public var bindings: [Binding]
    public var access: AccessConfig
    /// Each `[adapters.KIND]` table (or `[[adapters.KIND]]` list), left for the adapter to read.
    public var adapters: [(kind: String, reader: ConfigReader)]

    public init(
        file: String = "herald.toml", stateDirectory: String, profilesDirectory: String, defaultProfile: String = "default",
        durableWrites: Bool = false, logLevel: String = "info", models: [String: ModelConfig], profiles: [String: ProfileConfig],
        bindings: [Binding] = [], access: AccessConfig = AccessConfig(), adapters: [(kind: String, reader: ConfigReader)] = []
    ) {
        self.file = file
        self.stateDirectory = stateDirectory
        self.profilesDirectory = profilesDirectory
        self.defaultProfile = defaultProfile
        self.durableWrites = durableWrites
        self.logLevel = logLevel
        self.models = models
        self.profiles = profiles
        self.bindings = bindings
        self.access = access
        self.adapters = adapters
    }

    public var databasePath: String { (stateDirectory as NSString).appendingPathComponent("herald.sqlite") }
}
