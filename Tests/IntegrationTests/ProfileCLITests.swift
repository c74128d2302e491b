import Foundation
import HeraldPeers
import Testing

/// `herald profile`, `skills`, `memory` and `usage` as a person uses them.
@Suite struct ProfileCLITests {
    /// A config whose profiles and skills live in the test's own folder.
    func config(_ dir: TempDir, modelURL: String = "http://127.0.0.1:9/v1") throws -> String {
        let path = dir.file("herald.toml")
        try """
            state_dir = "\(dir.file("state"))"
            profiles_dir = "profiles"
            skills_dir = "skills"

            [models.local]
            url = "\(modelURL)"

            [profiles.default]
            model = "local"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(arguments: ["profile", "memory", "skills", "usage", "cron", "artifacts"])
    func everyNewCommandHasHelp(command: String) async throws {
        let p = try HeraldProcess([command, "--help"])
        #expect(try await p.waitForExit() == 0)
        #expect(p.stdout.first?.hasPrefix("Usage: herald \(command)") == true)
    }

    @Test func profileNewScaffoldsAPersonaAndAConfigTableThatLoads() async throws {
        let dir = TempDir()
        let path = try config(dir)
        let p = try HeraldProcess(["profile", "new", "scout", "--config", path])
        #expect(try await p.waitForExit() == 0, "\(p.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.file("profiles/scout/SOUL.md")))
        let list = try HeraldProcess(["profile", "list", "--config", path])
        #expect(try await list.waitForExit() == 0)
        #expect(list.stdout.contains { $0.hasPrefix("scout  models: local") })
        let again = try HeraldProcess(["profile", "new", "scout", "--config", path])
        #expect(try await again.waitForExit() == 1)
        #expect(again.stderr.first?.contains("already exists") == true)
    }

    @Test func aSkillFromAnotherAgentLoadsAndABrokenOneIsNamedWithFileAndLine() async throws {
        let dir = TempDir()
        let path = try config(dir)
        try write(
            """
            ---
            name: pdf-notes
            description: Turn notes into a tidy report.
            license: MIT
            allowed-tools: Read Write
            metadata:
              author: elsewhere
              tags:
                - writing
            ---
            Steps.
            """, to: dir.file("skills/pdf-notes/SKILL.md"))
        try write("---\nname: broken\ndescription: \"never closed\n---\n", to: dir.file("skills/broken/SKILL.md"))
        let doctor = try HeraldProcess(["doctor", "--config", path])
        _ = try await doctor.waitForExit()
        #expect(doctor.stdout.contains { $0.hasPrefix("warn  profile default (1 skills): no ") }, "the good skill loaded")
        #expect(doctor.stdout.contains("warn  skill \(dir.file("skills/broken/SKILL.md")):3: unterminated double-quoted string (quoted strings must end on their line)"))
        let list = try HeraldProcess(["skills", "list", "--config", path])
        #expect(try await list.waitForExit() == 0)
        #expect(list.stdout.contains { $0.hasPrefix("on   pdf-notes") })
        let off = try HeraldProcess(["skills", "disable", "pdf-notes", "--config", path])
        #expect(try await off.waitForExit() == 0)
        let after = try HeraldProcess(["skills", "list", "--config", path])
        _ = try await after.waitForExit()
        #expect(after.stdout.contains { $0.hasPrefix("off  pdf-notes") })
    }

    @Test func memoryIsEditedFromTheCommandLineWithinItsLimit() async throws {
        let dir = TempDir()
        let path = try config(dir)
        let add = try HeraldProcess(["memory", "add", "the launch is in May", "--config", path])
        #expect(try await add.waitForExit() == 0)
        let person = try HeraldProcess(["memory", "add", "prefers short answers", "--user", "telegram/42", "--config", path])
        #expect(try await person.waitForExit() == 0)
        let show = try HeraldProcess(["memory", "show", "--config", path])
        _ = try await show.waitForExit()
        #expect(show.stdout == ["profile default: 21/2000 characters", "- the launch is in May"])
        let missing = try HeraldProcess(["memory", "remove", "nothing like this", "--config", path])
        #expect(try await missing.waitForExit() == 1)
        #expect(missing.stderr.first == "no entry contains 'nothing like this'")
        let big = try HeraldProcess(["memory", "add", String(repeating: "x", count: 2500), "--config", path])
        #expect(try await big.waitForExit() == 1)
        #expect(big.stderr.first?.hasPrefix("memory is full") == true)
    }
}
