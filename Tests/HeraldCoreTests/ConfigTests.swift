import Testing

@testable import HeraldCore

@Suite struct ConfigTests {
    static let valid = """
        state_dir = "/tmp/herald-state"
        default_profile = "default"

        [models.local]
        url = "http://127.0.0.1:8080/v1"
        max_tokens = 128

        [models.big]
        url = "https://gpu.example/v1"
        api_key_env = "BIG_KEY"

        [profiles.default]
        model = "local"
        fallback = ["big"]

        [[bindings]]
        platform = "telegram"
        chat = "-100123"
        profile = "default"

        [adapters.console]
        stream = false
        """

    @Test func loadsAValidConfig() throws {
        let c = try HeraldConfig.parse(Self.valid, file: "/etc/herald/herald.toml", environment: ["HOME": "/home/u"])
        #expect(c.stateDirectory == "/tmp/herald-state")
        #expect(c.profilesDirectory == "/etc/herald/profiles")
        #expect(c.models["local"]?.maxTokens == 128)
        #expect(c.models["big"]?.apiKey == .environment("BIG_KEY"))
        #expect(c.profiles["default"]?.models == ["local", "big"])
        #expect(c.bindings.first?.platform == .telegram)
        #expect(c.adapters.map(\.kind) == ["console"])
    }

    @Test func profilesCarrySkillsToolSetsMemoryLimitsAndModelsAPrice() throws {
        let text = """
            skills_dir = "shared-skills"
            [models.local]
            url = "http://127.0.0.1:8080/v1"
            slots = [2, 3]
            [models.big]
            url = "https://gpu.example/v1"
            price = { prompt = 0.4, cached_prompt = 0.1, completion = 1.2 }
            [profiles.default]
            model = "local"
            skills = ["morning-brief"]
            toolsets = ["memory"]
            memory_chars = 500
            user_memory_chars = 300
            context_tokens = 8192
            """
        let c = try HeraldConfig.parse(text, file: "/etc/herald/herald.toml")
        #expect(c.skillsDirectory == "/etc/herald/shared-skills")
        let p = try #require(c.profiles["default"])
        #expect(p.skills == ["morning-brief"] && p.toolsets == ["memory"])
        #expect(p.memoryChars == 500 && p.userMemoryChars == 300 && p.contextTokens == 8192)
        #expect(c.models["local"]?.slots == [2, 3] && c.models["big"]?.slots == nil)
        // Without max_concurrent, a model with its own slots runs as many requests as it has slots.
        #expect(c.models["local"]?.maxConcurrent == 2 && c.models["big"]?.maxConcurrent == ModelConfig(name: "d", url: "u").maxConcurrent)
        #expect(c.models["local"]?.price.cost(of: Usage(model: "local", promptTokens: 1000, completionTokens: 1000)) == 0)
        let big = try #require(c.models["big"]?.price)
        // 600 fresh prompt tokens at 0.4, 400 cached at 0.1, 1000 completion at 1.2, per million.
        #expect(abs(big.cost(of: Usage(model: "big", promptTokens: 1000, completionTokens: 1000, cachedTokens: 400)) - 0.00148) < 1e-9)
    }

    @Test func heraldHomeOverridesTheStateDirectory() throws {
        let c = try HeraldConfig.parse(Self.valid, file: "h.toml", environment: ["HERALD_HOME": "/srv/herald"])
        #expect(c.stateDirectory == "/srv/herald")
    }

    static let broken: [(String, Int, String)] = [
        ("[models.local]\nurl = \"http://x/v1\"\nmax_tokns = 3\n", 3, "unknown key 'models.local.max_tokns'"),
        ("[models.local]\nurl = \"http://x/v1\"\napi_key = \"sk-live-123\"\n", 3, "would put a secret in the config"),
        ("[models.local]\nurl = \"http://x/v1\"\n[profiles.default]\nmodel = \"nope\"\n", 4, "unknown model 'nope'"),
        ("[models.local]\nurl = \"ftp://x\"\n", 2, "must start with http"),
        ("[models.local]\nurl = \"http://x/v1\"\nmax_tokens = \"many\"\n", 3, "must be an integer"),
        ("[models.local]\nurl = \"http://x/v1\"\nurl = \"http://y/v1\"\n", 3, "duplicate key"),
        ("log_level = \"loud\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "log_level"),
        ("\n\n[models.local]\nurl = \"http://x/v1\n", 4, "unterminated string"),
        ("[models.local]\nurl = \"http://x/v1\"\n[[bindings]]\nprofile = \"ghost\"\n", 4, "unknown profile 'ghost'"),
        ("[models.local]\nurl = \"http://x/v1\"\n[profiles.default]\nmodel = \"local\"\ntoolsets = [\"teleport\"]\n", 5, "unknown tool set 'teleport'"),
        ("[models.local]\nurl = \"http://x/v1\"\nprice = { prompt = 1, complete = 2 }\n", 3, "unknown key"),
        ("[models.local]\nurl = \"http://x/v1\"\nslots = [1, 1]\n", 3, "distinct slot numbers"),
        ("[models.local]\nurl = \"http://x/v1\"\n[mcp.cal]\ntimeout_seconds = 5\n", 3, "needs either command"),
        ("[models.local]\nurl = \"http://x/v1\"\n[mcp.cal]\nurl = \"ftp://x\"\n", 4, "must start with http"),
        ("[models.local]\nurl = \"http://x/v1\"\n[mcp.cal]\nurl = \"https://x/mcp\"\nbearer = \"tok\"\n", 5, "would put a secret in the config"),
        ("[models.local]\nurl = \"http://x/v1\"\n[mcp.cal]\ncommand = [\"cal\"]\n[profiles.default]\nmodel = \"local\"\ntoolsets = [\"mcp:calendar\"]\n", 7, "unknown tool set 'mcp:calendar'"),
        ("[models.local]\nurl = \"http://x/v1\"\nslots = [-1]\n", 3, "distinct slot numbers"),
        ("[models.local]\nurl = \"http://x/v1\"\n[[jobs]]\nname = \"a\"\nschedule = \"61 * * * *\"\nprompt = \"p\"\n", 5, "job 'a': 61 is out of range"),
        ("time_zone = \"Mars/Olympus\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "unknown time zone"),
        ("[models.local]\nurl = \"http://x/v1\"\n[[jobs]]\nname = \"a\"\nschedule = \"every 1h\"\nprompt = \"p\"\n", 3, "needs a target"),
        ("store = \"postgresql://herald:sk-live-123@db/herald\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "holds a password"),
        ("store = \"mysql://db/herald\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "is a PostgreSQL URL"),
        ("store_password_env = \"PGPASS\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "needs 'store'"),
        ("store_password = \"sk-live-123\"\n[models.local]\nurl = \"http://x/v1\"\n", 1, "would put a secret in the config"),
        ("[node]\nlease_seconds = 0\n[models.local]\nurl = \"http://x/v1\"\n", 2, "lease_seconds"),
        ("[node]\nlanes = 0\n[models.local]\nurl = \"http://x/v1\"\n", 2, "lanes"),
        ("[models.local]\nurl = \"http://x/v1\"\nurls = [\"http://y/v1\"]\n", 3, "not both"),
        ("[models.local]\nurls = [\"http://x/v1\", \"ftp://y\"]\n", 2, "must start with http"),
        ("[models.local]\nurls = [\"http://x/v1\", \"http://x/v1\"]\n", 2, "lists a server twice"),
    ]

    @Test func aSharedStoreSeveralServersAndTheNodeAreRead() throws {
        let c = try HeraldConfig.parse(
            """
            store = "postgresql://herald@db.internal:5432/herald"
            store_password_env = "HERALD_DB_PASSWORD"
            [node]
            name = "a"
            lease_seconds = 5
            lanes = 8
            [models.local]
            urls = ["http://10.0.0.1:8080/v1", "http://10.0.0.2:8080/v1"]
            """, file: "herald.toml")
        #expect(c.store.location == .postgres(url: "postgresql://herald@db.internal:5432/herald", password: .environment("HERALD_DB_PASSWORD")))
        #expect(c.store.nodeName == "a" && c.store.leaseSeconds == 5 && c.store.lanes == 8)
        #expect(c.models["local"]?.urls.count == 2 && c.models["local"]?.url == "http://10.0.0.1:8080/v1")
        let plain = try HeraldConfig.parse("[models.local]\nurl = \"http://x/v1\"\n", file: "herald.toml")
        #expect(plain.store.location == .sqlite && !plain.store.isShared, "SQLite stays the default")
    }

    @Test(arguments: broken)
    func errorsNameFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try HeraldConfig.parse(text, file: "conf/herald.toml")
            Issue.record("accepted a broken config")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.description.hasPrefix("conf/herald.toml:\(line): "), "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(!error.description.contains("sk-live-123"), "the secret is not echoed")
        }
    }

    @Test func secretsResolveFromEnvironmentAndAreRedacted() throws {
        let value = try SecretRef.environment("HERALD_TEST_TOKEN").resolve(environment: ["HERALD_TEST_TOKEN": "123456:ABC-secret"])
        #expect(value == "123456:ABC-secret")
        #expect(Redactor.shared.redact("GET /bot123456:ABC-secret/getUpdates failed") == "GET /bot[redacted]/getUpdates failed")
        #expect(throws: SecretError.self) { try SecretRef.environment("HERALD_UNSET_VAR").resolve(environment: [:]) }
    }
}
