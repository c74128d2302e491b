import Foundation
import HeraldCore
import HeraldStore

/// `herald skills list|enable NAME|disable NAME [--profile P]`.
enum SkillsCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "profile"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.skills)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        let name = args.options["profile"] ?? c.config.defaultProfile
        guard let profile = try c.loadProfiles()[name] else {
            Herald.fail("no profile '\(name)'")
            return Exit.failure
        }
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            let on = Set(profile.enabledSkills(overrides: try await c.store.skillOverrides(profile: name)).map(\.name))
            print("skills of profile \(name): \(on.count) of \(profile.catalog.skills.count) on")
            for skill in profile.catalog.names.compactMap({ profile.catalog.skills[$0] }) {
                print("\(on.contains(skill.name) ? "on " : "off")  \(skill.name)  ~\(OpenAIBackend.estimateTokens(skill.indexLine)) tokens  \(skill.description)")
            }
            for e in profile.catalog.errors { print("broken  \(e)") }
            return Exit.ok
        case ("enable", 2), ("disable", 2):
            let skill = args.positional[1]
            guard profile.catalog.skills[skill] != nil else {
                Herald.fail("no skill '\(skill)' for profile \(name); skills: \(profile.catalog.names.joined(separator: ", "))")
                return Exit.failure
            }
            try await c.store.setSkillOverride(profile: name, skill: skill, enabled: args.positional[0] == "enable")
            print("\(skill) \(args.positional[0])d for profile \(name)")
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "unknown skills subcommand '\(args.positional.joined(separator: " "))'")
        }
    }
}

/// `herald usage [--days N]`: tokens and cost by day, profile and model.
enum UsageCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "days"], flags: ["help"])
        if args.flags.contains("help") {
            print(Help.usage)
            return Exit.ok
        }
        guard let days = Int(args.options["days"] ?? "30"), days > 0 else { throw Arguments.UsageError(description: "--days needs a positive number") }
        let c = try Composition.load(args)
        let rows = try await c.store.usageReport(since: Date().addingTimeInterval(-Double(days) * 86_400))
        if rows.isEmpty { print("no model calls in the last \(days) days") }
        var total = 0.0
        for r in rows {
            let cost = c.config.models[r.model]?.price.cost(of: r.usage) ?? 0
            total += cost
            print("\(r.day)  \(r.profile)  \(r.model)  \(r.calls) calls  prompt \(r.usage.promptTokens) (cached \(r.usage.cachedTokens))  completion \(r.usage.completionTokens)  $\(String(format: "%.4f", cost))")
        }
        if !rows.isEmpty { print("total $\(String(format: "%.4f", total))") }
        return Exit.ok
    }
}
