import Foundation

/// A profile ready to run: its persona text, its settings and the skills it can see.
public struct Profile: Sendable, Equatable {
    public var config: ProfileConfig
    /// SOUL.md, read once at start-up, so the system prompt is byte-identical on every turn.
    public var soul: String
    /// The shared skills and the profile's own (`profiles/NAME/skills/`).
    public var catalog: SkillCatalog
    public var name: String { config.name }

    public init(config: ProfileConfig, soul: String, catalog: SkillCatalog = SkillCatalog()) {
        self.config = config
        self.soul = soul
        self.catalog = catalog
    }

    public static let fallbackSoul = "You are Herald, a concise and helpful assistant."

    /// Skills switched on by the config and then by `herald skills enable|disable` (`overrides`).
    public func enabledSkills(overrides: [String: Bool], session: [String: Bool] = [:]) -> [Skill] {
        catalog.names.filter { name in
            session[name] ?? overrides[name] ?? (config.skills?.contains(name) ?? true)
        }.compactMap { catalog.skills[$0] }
    }

    /// Loads every configured profile's SOUL.md from `directory/NAME/SOUL.md` and its skills
    /// from `skillsDirectory` and `directory/NAME/skills`. Broken skills are in each catalog's
    /// `errors`; a broken SOUL.md is an error.
    public static func loadAll(_ configs: [String: ProfileConfig], directory: String, skillsDirectory: String? = nil) throws -> [String: Profile] {
        var out: [String: Profile] = [:]
        for (name, c) in configs {
            let folder = (directory as NSString).appendingPathComponent(name)
            let path = (folder as NSString).appendingPathComponent("SOUL.md")
            var soul = Self.fallbackSoul
            if let data = FileManager.default.contents(atPath: path) {
                guard let text = String(validating: data, as: UTF8.self) else {
                    throw ConfigError(file: path, line: 0, message: "SOUL.md is not valid UTF-8")
                }
                soul = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let catalog = SkillCatalog.load(
                directories: (skillsDirectory.map { [$0] } ?? []) + [(folder as NSString).appendingPathComponent("skills")])
            out[name] = Profile(config: c, soul: soul, catalog: catalog)
        }
        return out
    }
}
