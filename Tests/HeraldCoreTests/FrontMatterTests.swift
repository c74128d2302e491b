import Foundation
import HeraldCore
import Testing

@Suite struct FrontMatterTests {
    static let valid: [(text: String, key: String, expected: FrontMatterValue)] = [
        ("---\nname: brief\n---\nbody", "name", .string("brief")),
        ("---\nname: \"quoted: yes\"\n---\n", "name", .string("quoted: yes")),
        ("---\nname: 'it''s'\n---\n", "name", .string("it's")),
        ("---\nd: plain # comment\n---\n", "d", .string("plain")),
        ("---\nd: C# is fine\n---\n", "d", .string("C# is fine")),
        ("---\ntags: [a, \"b c\", d]\n---\n", "tags", .list([.string("a"), .string("b c"), .string("d")])),
        ("---\ntags:\n  - a\n  - b\n---\n", "tags", .list([.string("a"), .string("b")])),
        ("---\ntags:\n- a\n- b\n---\n", "tags", .list([.string("a"), .string("b")])),
        ("---\nm:\n  k: v\n  n:\n    deep: x\n---\n", "m", .map(["k": .string("v"), "n": .map(["deep": .string("x")])])),
        ("---\nd: |\n  line one\n  line two\n---\n", "d", .string("line one\nline two\n")),
        ("---\nd: >-\n  folded\n  text\n---\n", "d", .string("folded text")),
        ("---\nl:\n  - name: a\n    v: 1\n  - name: b\n---\n", "l", .list([.map(["name": .string("a"), "v": .string("1")]), .map(["name": .string("b")])])),
        ("---\r\nname: crlf\r\n---\r\n", "name", .string("crlf")),
        ("---\nu: \"caf\\u00e9\"\n---\n", "u", .string("café")),
    ]

    @Test(arguments: valid)
    func readsTheYAMLSubsetSkillsUse(text: String, key: String, expected: FrontMatterValue) throws {
        #expect(try FrontMatter.parse(text).fields[key] == expected)
    }

    static let broken: [(text: String, line: Int, message: String)] = [
        ("---\nname: a\n", 1, "never closed"),
        ("---\nname: a\nname: b\n---\n", 3, "duplicate key"),
        ("---\nname: a\njust words\n---\n", 3, "expected 'key: value'"),
        ("---\nname: \"open\n---\n", 2, "unterminated"),
        ("---\nm:\n  a: 1\n    b: 2\n---\n", 4, "unexpected indentation"),
        ("---\nm:\n\ta: 1\n---\n", 3, "tabs"),
        ("---\nt: [a, b\n---\n", 2, "']'"),
        ("---\nt: {a: 1}\n---\n", 2, "flow mappings"),
    ]

    @Test(arguments: broken)
    func brokenFrontMatterNamesItsLine(text: String, line: Int, message: String) {
        #expect {
            try FrontMatter.parse(text)
        } throws: { error in
            guard let e = error as? FrontMatterError else { return false }
            return e.line == line && e.message.contains(message)
        }
    }

    @Test func aFileWithoutFrontMatterIsAllBody() throws {
        let doc = try FrontMatter.parse("# Title\ntext")
        #expect(doc.fields.isEmpty)
        #expect(doc.body == "# Title\ntext")
    }

    @Test func theBodyFollowsTheClosingLine() throws {
        #expect(try FrontMatter.parse("---\nname: a\n---\n# Steps\n1. go").body == "# Steps\n1. go")
    }
}

@Suite struct SkillTests {
    @Test func aSkillWrittenForAnotherAgentLoadsWithItsNestedMetadata() throws {
        let text = """
            ---
            name: pdf-report
            description: >
              Turn notes into a short report.
              Use when asked for a write-up.
            license: Apache-2.0
            allowed-tools: Read Write
            metadata:
              author: someone
              version: "1.2"
              tags: [writing, reports]
            ---
            # PDF report
            Steps...
            """
        let skill = try Skill.parse(text, path: "/x/SKILL.md", fallbackName: "x")
        #expect(skill.name == "pdf-report")
        #expect(skill.description == "Turn notes into a short report. Use when asked for a write-up.")
        #expect(skill.tags == ["writing", "reports"])
        #expect(skill.requiredTools == ["Read", "Write"])
        #expect(skill.body.hasPrefix("# PDF report"))
        #expect(skill.indexLine == "- pdf-report: Turn notes into a short report. Use when asked for a write-up.")
    }

    @Test func aSkillWithoutADescriptionIsRefusedWithItsFile() {
        #expect {
            try Skill.parse("---\nname: x\n---\nbody", path: "/s/x/SKILL.md", fallbackName: "x")
        } throws: { error in
            (error as? ConfigError)?.file == "/s/x/SKILL.md" && "\(error)".contains("description")
        }
    }

    @Test func aBrokenSkillIsReportedAndTheOthersStillLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skills-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ folder: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(folder)", withIntermediateDirectories: true)
            try text.write(toFile: "\(dir)/\(folder)/SKILL.md", atomically: true, encoding: .utf8)
        }
        try write("good", "---\nname: good\ndescription: works\n---\nbody")
        try write("bad", "---\nname: bad\ndescription: [unclosed\n---\nbody")
        try write("plain", "---\ndescription: named after its folder\n---\n")
        let catalog = SkillCatalog.load(directories: [dir])
        #expect(catalog.names == ["good", "plain"])
        #expect(catalog.errors.count == 1)
        #expect(catalog.errors.first?.description == "\(dir)/bad/SKILL.md:3: a flow list must close with ']' on the same line")
    }
}

@Suite struct MemoryBookTests {
    @Test func entriesAreAddedReplacedAndRemovedWithinTheLimit() throws {
        var book = MemoryBook(entries: [], limit: 40)
        try book.add("likes green tea")
        try book.add("lives in Lyon")
        #expect(book.used == 30)
        try book.replace("Lyon", with: "lives in Porto")
        #expect(book.entries == ["likes green tea", "lives in Porto"])
        try book.remove("tea")
        #expect(book.entries == ["lives in Porto"])
    }

    @Test func aFullMemoryIsAClearErrorAndChangesNothing() throws {
        var book = MemoryBook(entries: ["x".padding(toLength: 30, withPad: "x", startingAt: 0)], limit: 40)
        #expect(throws: ToolError.self) { try book.add("this does not fit at all") }
        #expect(book.entries.count == 1)
        do {
            try book.add("this does not fit at all")
        } catch {
            #expect(error.message.contains("memory is full (31/40 characters)"))
        }
    }

    @Test func anAmbiguousOrMissingEntryIsRefused() throws {
        var book = MemoryBook(entries: ["cat named Tom", "cat named Kit"], limit: 100)
        #expect(throws: ToolError.self) { try book.remove("cat") }
        #expect(throws: ToolError.self) { try book.remove("dog") }
        try book.remove("Kit")
        #expect(book.entries == ["cat named Tom"])
    }
}
