/// A value in a front-matter block: the YAML subset skill files use.
public indirect enum FrontMatterValue: Sendable, Equatable {
    case string(String)
    case list([FrontMatterValue])
    case map([String: FrontMatterValue])

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A list of strings; a single string counts as a list of its space- or comma-separated words
    /// (`allowed-tools: Read Grep` is written both ways in the wild).
    public var strings: [String]? {
        switch self {
        case .string(let s):
            return s.split { $0 == " " || $0 == "," }.map(String.init)
        case .list(let items):
            return items.compactMap(\.string)
        case .map:
            return nil
        }
    }

    public subscript(key: String) -> FrontMatterValue? {
        if case .map(let m) = self { return m[key] }
        return nil
    }
}

/// A front-matter error with the line it is on (1-based, counting the opening `---`).
public struct FrontMatterError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String
}

/// Reads the `---` block at the top of a Markdown file: mappings nested by indentation,
/// `- item` and `[a, b]` lists, plain, quoted and block (`|`, `>`) scalars, comments.
/// Pure: text in, values out. Enough YAML for agentskills-style SKILL.md files, and a clear
/// line-numbered error for anything outside it.
public enum FrontMatter {
    public struct Document: Sendable, Equatable {
        public var fields: [String: FrontMatterValue]
        public var body: String
    }

    public static func parse(_ text: String) throws(FrontMatterError) -> Document {
        // "\r\n" is one Character in Swift, so split on any newline character.
        var all = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if all.first?.hasPrefix("\u{FEFF}") == true { all[0].removeFirst() }
        guard all.first?.trimmingTrailingSpaces == "---" else { return Document(fields: [:], body: text) }
        guard let end = all.indices.dropFirst().first(where: { ["---", "..."].contains(all[$0].trimmingTrailingSpaces) }) else {
            throw FrontMatterError(line: 1, message: "the front matter opened with '---' is never closed")
        }
        var lines: [Line] = []
        for i in 1..<end {
            let raw = all[i]
            let indent = raw.prefix { $0 == " " }.count
            if raw.dropFirst(indent).first == "\t" {
                throw FrontMatterError(line: i + 1, message: "tabs are not allowed for indentation")
            }
            lines.append(Line(number: i + 1, indent: indent, raw: raw))
        }
        var parser = Parser(lines: lines)
        let fields = try parser.document()
        let body = all[(end + 1)...].joined(separator: "\n")
        return Document(fields: fields, body: body)
    }

    struct Line {
        var number: Int
        var indent: Int
        var raw: String
        var text: Substring { raw.dropFirst(indent) }
        var isBlankOrComment: Bool {
            let t = text.trimmingCharacters(in: .whitespaces)
            return t.isEmpty || t.hasPrefix("#")
        }
        var isSequenceItem: Bool { text == "-" || text.hasPrefix("- ") }
    }

    struct Parser {
        var lines: [Line]
        var i = 0

        init(lines: [Line]) { self.lines = lines }

        mutating func document() throws(FrontMatterError) -> [String: FrontMatterValue] {
            skipBlank()
            guard i < lines.count else { return [:] }
            guard lines[i].indent == 0, !lines[i].isSequenceItem else {
                throw FrontMatterError(line: lines[i].number, message: "the front matter must be a mapping of 'key: value' lines")
            }
            guard case .map(let m) = try block(indent: 0) else { return [:] }
            if i < lines.count {
                throw FrontMatterError(line: lines[i].number, message: "unexpected indentation")
            }
            return m
        }

        mutating func skipBlank() {
            while i < lines.count && lines[i].isBlankOrComment { i += 1 }
        }

        mutating func block(indent: Int) throws(FrontMatterError) -> FrontMatterValue {
            skipBlank()
            return i < lines.count && lines[i].isSequenceItem ? try sequence(indent: indent) : try mapping(indent: indent)
        }

        mutating func mapping(indent: Int) throws(FrontMatterError) -> FrontMatterValue {
            var out: [String: FrontMatterValue] = [:]
            while true {
                skipBlank()
                guard i < lines.count, lines[i].indent >= indent else { break }
                let line = lines[i]
                if line.indent > indent { throw FrontMatterError(line: line.number, message: "unexpected indentation") }
                if line.isSequenceItem { break }
                let (key, rest) = try Self.keyValue(line)
                if out[key] != nil { throw FrontMatterError(line: line.number, message: "duplicate key '\(key)'") }
                i += 1
                out[key] = try value(after: rest, line: line, indent: indent)
            }
            return .map(out)
        }

        mutating func sequence(indent: Int) throws(FrontMatterError) -> FrontMatterValue {
            var items: [FrontMatterValue] = []
            while true {
                skipBlank()
                guard i < lines.count, lines[i].indent == indent, lines[i].isSequenceItem else { break }
                let line = lines[i]
                let content = line.text.dropFirst().drop { $0 == " " }
                if content.isEmpty {
                    i += 1
                    skipBlank()
                    guard i < lines.count, lines[i].indent > indent else { items.append(.string("")); continue }
                    items.append(try block(indent: lines[i].indent))
                } else if Self.startsMapping(content) {
                    // "- key: value" opens a mapping whose keys line up with "key".
                    lines[i] = Line(number: line.number, indent: line.raw.count - content.count, raw: line.raw)
                    items.append(try mapping(indent: lines[i].indent))
                } else {
                    i += 1
                    items.append(try Self.scalar(content, line: line.number))
                }
            }
            return .list(items)
        }

        /// The value of `key:` whose remainder on the line is `rest`.
        mutating func value(after rest: Substring, line: Line, indent: Int) throws(FrontMatterError) -> FrontMatterValue {
            let trimmed = rest.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                skipBlank()
                guard i < lines.count else { return .string("") }
                if lines[i].indent > indent { return try block(indent: lines[i].indent) }
                // YAML lets a list sit at its key's own indentation.
                if lines[i].indent == indent && lines[i].isSequenceItem { return try sequence(indent: indent) }
                return .string("")
            }
            if let style = trimmed.first, style == "|" || style == ">" {
                return blockScalar(folded: style == ">", chomp: !trimmed.contains("+"), strip: trimmed.contains("-"), indent: indent)
            }
            return try Self.scalar(Substring(trimmed), line: line.number)
        }

        mutating func blockScalar(folded: Bool, chomp: Bool, strip: Bool, indent: Int) -> FrontMatterValue {
            var body: [Line] = []
            while i < lines.count && (lines[i].indent > indent || lines[i].text.trimmingCharacters(in: .whitespaces).isEmpty) {
                body.append(lines[i])
                i += 1
            }
            let margin = body.filter { !$0.text.isEmpty }.map(\.indent).min() ?? 0
            let texts = body.map { String($0.raw.dropFirst(margin)) }
            var text: String
            if folded {
                text = ""
                for (n, t) in texts.enumerated() {
                    if t.isEmpty { text += "\n"; continue }
                    if n > 0 && !texts[n - 1].isEmpty { text += " " }
                    text += t
                }
            } else {
                text = texts.joined(separator: "\n")
            }
            while strip && text.hasSuffix("\n") { text.removeLast() }
            if !strip {
                while text.hasSuffix("\n\n") { text.removeLast() }
                if chomp && !text.hasSuffix("\n") && !text.isEmpty { text += "\n" }
            }
            return .string(text)
        }

        static func startsMapping(_ s: Substring) -> Bool {
            guard let first = s.first, first != "\"", first != "'", first != "[", first != "{" else { return false }
            return s.contains(": ") || s.hasSuffix(":")
        }

        static func keyValue(_ line: Line) throws(FrontMatterError) -> (String, Substring) {
            let text = line.text
            var key: String
            var rest: Substring
            if let q = text.first, q == "\"" || q == "'" {
                guard let close = text.dropFirst().firstIndex(of: q) else {
                    throw FrontMatterError(line: line.number, message: "unterminated quoted key")
                }
                key = String(text[text.index(after: text.startIndex)..<close])
                rest = text[text.index(after: close)...]
                guard rest.first == ":" else { throw FrontMatterError(line: line.number, message: "expected ':' after the key") }
                rest = rest.dropFirst()
            } else {
                guard let colon = text.firstRange(of: ": ")?.lowerBound ?? (text.hasSuffix(":") ? text.index(before: text.endIndex) : nil) else {
                    throw FrontMatterError(line: line.number, message: "expected 'key: value', found '\(text.prefix(40))'")
                }
                key = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
                rest = text[text.index(after: colon)...]
            }
            if key.isEmpty { throw FrontMatterError(line: line.number, message: "empty key") }
            return (key, rest)
        }

        /// A scalar or flow list on one line.
        static func scalar(_ s: Substring, line: Int) throws(FrontMatterError) -> FrontMatterValue {
            var scanner = ScalarScanner(text: s, line: line)
            let v = try scanner.value()
            scanner.skipSpaces()
            if !scanner.atEnd && scanner.peek != "#" {
                throw FrontMatterError(line: line, message: "unexpected text after the value: '\(scanner.rest.prefix(30))'")
            }
            return v
        }
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
