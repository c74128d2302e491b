import Foundation
import Testing

/// Every key a config reader accepts is documented in config/herald.toml, so the
/// documentation cannot drift from the code again: the test reads the readers' sources for
/// the keys they ask for and looks each up in the file.
@Suite struct ConfigDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Keys asked for through a ConfigReader (`r.int("key"`, `t.requiredString("key"`, ...).
    static func acceptedKeys() throws -> [(key: String, secret: Bool, file: String)] {
        let pattern = try Regex(#"\b[a-z]\.(string|requiredString|int|ints|double|bool|strings|choice|secret|path|table|tables|tableArray)\("([a-z_]+)""#)
        var out: [(String, Bool, String)] = []
        for folder in ["Sources", "adapters"] {
            let base = root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                guard text.contains("ConfigReader") || text.contains("throws(ConfigError)") else { continue }
                for match in text.matches(of: pattern) {
                    let getter = String(match.output[1].substring ?? "")
                    let key = String(match.output[2].substring ?? "")
                    out.append((key, getter == "secret", file.lastPathComponent))
                }
            }
        }
        return out
    }

    @Test func everyKeyAReaderAcceptsIsDocumented() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("config/herald.toml"), encoding: .utf8)
        // Documented: "key = ..." anywhere on a line (commented, or inside an inline table), a
        // "[table]" header's last part, or a "#   key   description" list line.
        func documented(_ key: String) -> Bool {
            let patterns = [#"\b\#(key)\s*="#, #"\[(?:[a-z_]+\.)*\#(key)\]"#, #"(?m)^#\s{2,}\#(key)\s"#]
            return patterns.contains { doc.range(of: $0, options: .regularExpression) != nil }
        }
        let keys = try Self.acceptedKeys()
        #expect(keys.count > 60, "the readers were found")
        let missing = keys.filter { k in
            k.secret ? !(documented(k.key + "_env") || documented(k.key + "_file")) : !documented(k.key)
        }
        #expect(missing.isEmpty, "undocumented: \(missing.map { "\($0.key) (\($0.file))" })")
    }
}
