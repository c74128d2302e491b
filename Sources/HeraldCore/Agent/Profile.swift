import Foundation

/// A profile ready to run: its persona text and its settings.
public struct Profile: Sendable, Equatable {
    public var config: ProfileConfig
    /// SOUL.md, read once at start-up, so the system prompt is byte-identical on every turn.
    public var soul: String
    public var name: String { config.name }

    public init(config: ProfileConfig, soul: String) {
        self.config = config
        self.soul = soul
    }

    public static let fallbackSoul = "You are Herald, a concise and helpful assistant."

    /// Loads every configured profile's SOUL.md from `directory/NAME/SOUL.md`.
    public static func loadAll(_ configs: [String: ProfileConfig], directory: String) throws -> [String: Profile] {
        var out: [String: Profile] = [:]
        for (name, c) in configs {
            let path = (directory as NSString).appendingPathComponent("\(name)/SOUL.md")
            var soul = Self.fallbackSoul
            if let data = FileManager.default.contents(atPath: path) {
                guard let text = String(validating: data, as: UTF8.self) else {
                    throw ConfigError(file: path, line: 0, message: "SOUL.md is not valid UTF-8")
                }
                soul = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            out[name] = Profile(config: c, soul: soul)
        }
        return out
    }
}
