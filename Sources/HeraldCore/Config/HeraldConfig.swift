import Foundation

/// One model backend: an OpenAI-compatible endpoint, llama-server or any other.
public struct ModelConfig: Sendable, Equatable {
    public var name: String
    /// Base URL including `/v1`, e.g. `http://127.0.0.1:8080/v1`.
    public var url: String
    /// Several servers of this one model (`urls`): each session keeps to one of them (its
    /// prompt cache stays warm there) and moves only while that one is down. Empty: `url` alone.
    public var urls: [String] = []
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
    /// llama-server: the slots this Herald may pin sessions to (nil: all of them). Two
    /// programs sharing one server each take their own slots, or they evict each other's cache.
    public var slots: [Int]?
    /// A command that starts this backend's server; Herald then runs and supervises it.
    public var launch: [String]?
    public var caFile: String?
    /// US dollars per million tokens; local models cost nothing.
    public var price: Price

    /// What a model costs, per million tokens.
    public struct Price: Sendable, Equatable {
        public var prompt: Double
        public var cachedPrompt: Double
        public var completion: Double

        public init(prompt: Double = 0, cachedPrompt: Double? = nil, completion: Double = 0) {
            self.prompt = prompt
            self.cachedPrompt = cachedPrompt ?? prompt
            self.completion = completion
        }

        /// The cost of `usage`: cached prompt tokens at their own (usually lower) price.
        public func cost(of usage: Usage) -> Double {
            let fresh = Double(max(0, usage.promptTokens - usage.cachedTokens))
            return (fresh * prompt + Double(usage.cachedTokens) * cachedPrompt + Double(usage.completionTokens) * completion) / 1_000_000
        }
    }

    public init(
        name: String, url: String, model: String = "local", apiKey: SecretRef? = nil, maxTokens: Int = 512,
        temperature: Double = 0.7, timeoutSeconds: Int = 300, contextTokens: Int? = nil, maxConcurrent: Int = 4,
        slots: [Int]? = nil, launch: [String]? = nil, caFile: String? = nil, price: Price = Price()
    ) {
        self.slots = slots
        self.price = price
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

/// A profile: a persona (SOUL.md) with its own model chain, skills, tool sets, memory limits
/// and context budget.
public struct ProfileConfig: Sendable, Equatable {
    public var name: String
    /// Backends tried in order: the first, then each fallback when one is down or errs.
    public var models: [String]
    /// Tokens of history to keep in the prompt at most (the context size caps it too).
    public var historyTokens: Int
    /// Skills switched on; nil means every skill the profile can see.
    public var skills: [String]?
    /// Tool sets switched on.
    public var toolsets: [String]
    /// Character limits of the profile's memory and of its memory about each person.
    public var memoryChars: Int
    public var userMemoryChars: Int
    /// The context window to plan for, when the server does not say (or to use less of it).
    public var contextTokens: Int?
    /// Everything sent to this profile with a link or a file is filed in the library (the librarian).
    public var filesArtifacts = false

    /// The workspace folder and sandbox of the `workspace` tool set.
    public var workspace: WorkspaceSettings?

    public static let defaultToolsets = ["memory", "sessions"]

    public init(
        name: String, models: [String], historyTokens: Int = 4096, skills: [String]? = nil,
        toolsets: [String] = ProfileConfig.defaultToolsets, memoryChars: Int = 2000, userMemoryChars: Int = 1200,
        contextTokens: Int? = nil
    ) {
        self.name = name
        self.models = models
        self.historyTokens = historyTokens
        self.skills = skills
        self.toolsets = toolsets
        self.memoryChars = memoryChars
        self.userMemoryChars = userMemoryChars
        self.contextTokens = contextTokens
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
    /// Why `stateDirectory` is what it is (the config's state_dir, $HERALD_HOME, or the default),
    /// for `herald doctor` and the start-up log.
    public var stateDirectorySource = "the default"
    public var profilesDirectory: String
    /// Shared skills: `DIR/NAME/SKILL.md`. Each profile also reads `profiles/NAME/skills/`.
    public var skillsDirectory: String
    public var defaultProfile: String
    public var durableWrites: Bool
    /// The SQLite file (default) or a shared PostgreSQL database, and this node's leases.
    public var store = StoreConfig()
    public var logLevel: String
    public var models: [String: ModelConfig]
    public var profiles: [String: ProfileConfig]
    public var bindings: [Binding]
    public var access: AccessConfig
    /// The zone for jobs made in chats, and the default of `[[jobs]]`.
    public var timeZone: String = TimeZone.current.identifier
    /// Jobs declared in the config; synced into the store at start (their paused state and
    /// history are kept).
    public var jobs: [Job] = []
    /// Sub-agents: children at once (nil: the default model's `max_concurrent`), nesting depth,
    /// and each child's time budget in seconds.
    public var delegation: (maxConcurrent: Int?, maxDepth: Int, timeoutSeconds: Int) = (nil, 1, 300)
    /// One library for everyone who may talk to Herald (true), or each person's own (false).
    public var artifactsShared = false
    /// Reach and limits of `web_fetch` and `web_search`.
    public var web = WebConfig()
    public var dashboard = DashboardConfig()
    public var hooks: [String: HookConfig] = [:]
    /// MCP servers whose tools profiles can switch on as `mcp:NAME`.
    public var mcp: [String: MCPServerConfig] = [:]
    /// How long a tool call waits for the person's approval.
    public var approvalTimeout: TimeInterval = 1800
    /// A missed job run is caught up at start if it is at most this late.
    public var jobGrace: TimeInterval = 3600
    /// Each `[adapters.KIND]` table (or `[[adapters.KIND]]` list), left for the adapter to read.
    public var adapters: [(kind: String, reader: ConfigReader)]

    public init(
        file: String = "herald.toml", stateDirectory: String, profilesDirectory: String, skillsDirectory: String? = nil, defaultProfile: String = "default",
        durableWrites: Bool = false, logLevel: String = "info", models: [String: ModelConfig], profiles: [String: ProfileConfig],
        bindings: [Binding] = [], access: AccessConfig = AccessConfig(), adapters: [(kind: String, reader: ConfigReader)] = []
    ) {
        self.file = file
        self.stateDirectory = stateDirectory
        self.profilesDirectory = profilesDirectory
        self.skillsDirectory = skillsDirectory ?? ((profilesDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("skills")
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
