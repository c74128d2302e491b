import Foundation

/// Writes a herald.toml for a test: one model backend at `modelURL`, profiles from the repo.
enum TestConfig {
    static let repoConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config").path

    static func write(in dir: TempDir, modelURL: String, maxTokens: Int = 24, slots: [Int]? = nil, extra: String = "") -> String {
        let text = """
            state_dir = "\(dir.file("state"))"
            profiles_dir = "\(repoConfig)/profiles"
            log_level = "info"

            [models.local]
            url = "\(modelURL)"
            max_tokens = \(maxTokens)
            temperature = 0.0
            timeout_seconds = 60
            \(slots.map { "slots = \($0)" } ?? "")

            [profiles.default]
            model = "local"
            history_tokens = 1500

            \(extra)
            """
        let path = dir.file("herald.toml")
        precondition(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "could not write \(path)")
        return path
    }
}
