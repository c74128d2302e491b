import Foundation

/// A skill: a SKILL.md with agentskills-style front matter (name, description, optional
/// metadata) and instructions in its body. The prompt carries only `indexLine`; the body is
/// loaded by the `skill_view` tool when the model asks for it.
public struct Skill: Sendable, Equatable {
    public var name: String
    public var description: String
    public var body: String
    public var tags: [String]
    /// Tools the skill expects (`allowed-tools`, or `metadata.requires_tools`).
    public var requiredTools: [String]
    /// The SKILL.md it came from.
    public var path: String

    public init(name: String, description: String, body: String, tags: [String] = [], requiredTools: [String] = [], path: String = "") {
        self.name = name
        self.description = description
        self.body = body
        self.tags = tags
        self.requiredTools = requiredTools
        self.path = path
    }

    /// The line this skill adds to the system prompt.
    public var indexLine: String { "- \(name): \(description)" }

    /// Reads a SKILL.md. Errors name the file and line; `fallbackName` (the folder) is used
    /// when the front matter has no name.
    public static func read(path: String, fallbackName: String) throws(ConfigError) -> Skill {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, message: "cannot read the skill file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, message: "the skill file is not valid UTF-8")
        }
        return try parse(text, path: path, fallbackName: fallbackName)
    }

    public static func parse(_ text: String, path: String, fallbackName: String) throws(ConfigError) -> Skill {
        let doc: FrontMatter.Document
        do {
            doc = try FrontMatter.parse(text)
        } catch {
            throw ConfigError(file: path, line: error.line, message: error.message)
        }
        let f = FrontMatterValue.map(doc.fields)
        let name = (f["name"]?.string ?? fallbackName).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigError(file: path, line: 2, message: "skill name '\(name)' must be letters, digits, '-' or '_'")
        }
        guard let description = f["description"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines), !description.isEmpty else {
            throw ConfigError(file: path, line: 1, message: "the front matter needs a 'description' (one line the model sees)")
        }
        let metadata = f["metadata"]
        let tags = f["tags"]?.strings ?? metadata?["tags"]?.strings ?? []
        let tools = f["allowed-tools"]?.strings ?? f["required_tools"]?.strings ?? metadata?["requires_tools"]?.strings ?? []
        // The index line must stay one line, whatever a folded description held.
        let oneLine = description.split(whereSeparator: \.isNewline).joined(separator: " ")
        return Skill(
            name: name, description: oneLine, body: doc.body.trimmingCharacters(in: .whitespacesAndNewlines),
            tags: tags, requiredTools: tools, path: path)
    }
}

/// The skills a profile can use: the shared folder, then the profile's own (which win on a
/// name clash). A broken skill is reported and skipped; the rest still load.
public struct SkillCatalog: Sendable, Equatable {
    public var skills: [String: Skill]
    public var errors: [ConfigError]

    public init(skills: [String: Skill] = [:], errors: [ConfigError] = []) {
        self.skills = skills
        self.errors = errors
    }

    /// Loads `DIR/NAME/SKILL.md` from each directory in order; later directories override.
    public static func load(directories: [String]) -> SkillCatalog {
        var catalog = SkillCatalog()
        let fm = FileManager.default
        for dir in directories {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for folder in names.sorted() {
                let path = (dir as NSString).appendingPathComponent("\(folder)/SKILL.md")
                guard fm.fileExists(atPath: path) else { continue }
                do {
                    let skill = try Skill.read(path: path, fallbackName: folder)
                    catalog.skills[skill.name] = skill
                } catch {
                    catalog.errors.append(error)
                }
            }
        }
        return catalog
    }

    public var names: [String] { skills.keys.sorted() }
}
