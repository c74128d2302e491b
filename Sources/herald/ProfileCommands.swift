import Foundation
import HeraldCore
import HeraldStore

/// `herald profile list|show NAME|new NAME`.
enum ProfileCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.profile)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        let profiles = try c.loadProfiles()
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            for name in profiles.keys.sorted() {
                guard let p = profiles[name] else { continue }
                let mark = name == c.config.defaultProfile ? " (default)" : ""
                print("\(name)\(mark)  models: \(p.config.models.joined(separator: " → "))  skills: \(p.enabledSkills(overrides: try await c.store.skillOverrides(profile: name)).count)/\(p.catalog.skills.count)  tool sets: \(p.config.toolsets.joined(separator: ", "))")
            }
            return Exit.ok
        case ("show", 2):
            guard let p = profiles[args.positional[1]] else {
                Herald.fail("no profile '\(args.positional[1])'; profiles: \(profiles.keys.sorted().joined(separator: ", "))")
                return Exit.failure
            }
            let skills = p.enabledSkills(overrides: try await c.store.skillOverrides(profile: p.name)).map(\.name)
            print("""
                profile \(p.name)
                models \(p.config.models.joined(separator: " → "))
                tool sets \(p.config.toolsets.joined(separator: ", "))
                skills on \(skills.joined(separator: ", ").nilIfEmpty ?? "none")
                memory limits \(p.config.memoryChars) chars (work), \(p.config.userMemoryChars) chars (each person)
                history budget \(p.config.historyTokens) tokens

                \(p.soul)
                """)
            return Exit.ok
        case ("new", 2):
            return try scaffold(args.positional[1], config: c.config)
        default:
            throw Arguments.UsageError(description: "unknown profile subcommand '\(args.positional.joined(separator: " "))'")
        }
    }

    /// Creates `profiles/NAME/SOUL.md` and `profiles/NAME/skills/`, and appends a
    /// `[profiles.NAME]` table to the configuration (checked by loading it again).
    static func scaffold(_ name: String, config: HeraldConfig) throws -> Int32 {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw Arguments.UsageError(description: "a profile name is letters, digits, '-' or '_'")
        }
        guard config.profiles[name] == nil else {
            Herald.fail("profile '\(name)' already exists in \(config.file)")
            return Exit.failure
        }
        let folder = (config.profilesDirectory as NSString).appendingPathComponent(name)
        let fm = FileManager.default
        try fm.createDirectory(atPath: (folder as NSString).appendingPathComponent("skills"), withIntermediateDirectories: true)
        let soul = (folder as NSString).appendingPathComponent("SOUL.md")
        if !fm.fileExists(atPath: soul) {
            try """
                You are \(name), a personal assistant.

                - Say who you are for and what you help with.
                - Say how you answer: length, tone, format.
                - Say what you never do.
                """.write(toFile: soul, atomically: true, encoding: .utf8)
        }
        let model = config.profiles[config.defaultProfile]?.models.first ?? config.models.keys.sorted()[0]
        let table = "\n[profiles.\(name)]\nmodel = \"\(model)\"\ntoolsets = [\"memory\", \"sessions\"]\n"
        let original = try String(contentsOfFile: config.file, encoding: .utf8)
        try (original + table).write(toFile: config.file, atomically: true, encoding: .utf8)
        do {
            _ = try HeraldConfig.load(path: config.file)
        } catch {
            try original.write(toFile: config.file, atomically: true, encoding: .utf8)
            throw error
        }
        print("created \(soul)\nadded [profiles.\(name)] to \(config.file); edit SOUL.md to give it a persona")
        return Exit.ok
    }
}

/// `herald memory show|add|replace|remove`.
enum MemoryCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "profile", "user"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.memory)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        let name = args.options["profile"] ?? c.config.defaultProfile
        guard let profile = c.config.profiles[name] else {
            Herald.fail("no profile '\(name)'")
            return Exit.failure
        }
        let key = args.options["user"].map { MemoryKey(profile: name, scope: .user, owner: $0) } ?? MemoryKey(profile: name, scope: .profile)
        var book = MemoryBook(entries: try await c.store.memory(key), limit: key.scope == .profile ? profile.memoryChars : profile.userMemoryChars)
        let words = Array(args.positional.dropFirst())
        do {
            switch (args.positional[0], words.count) {
            case ("show", 0):
                print("\(key.scope == .profile ? "profile \(name)" : "\(key.owner) in profile \(name)"): \(book.used)/\(book.limit) characters")
                book.entries.forEach { print("- \($0)") }
                return Exit.ok
            case ("add", 1): try book.add(words[0])
            case ("replace", 2): try book.replace(words[0], with: words[1])
            case ("remove", 1): try book.remove(words[0])
            default: throw Arguments.UsageError(description: "usage: herald memory show | add TEXT | replace OLD NEW | remove OLD")
            }
        } catch let e as ToolError {
            Herald.fail(e.message)
            return Exit.failure
        }
        try await c.store.setMemory(book.entries, for: key)
        print("saved (\(book.used)/\(book.limit) characters); new sessions will see it")
        return Exit.ok
    }
}
