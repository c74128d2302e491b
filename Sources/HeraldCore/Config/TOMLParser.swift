/// A TOML 1.0 parser: pure, no I/O. It accepts the whole language except that dates and times
/// are kept as validated text (`.datetime`) rather than converted. Every key remembers the line
/// it was defined on, so configuration errors can name file:line.
public struct TOMLParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    private let root = TOMLNode(kind: .implicit, line: 1)

    /// Parses a document or throws the first error with its line and column.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var p = TOMLParser(bytes: Array(text.utf8))
        try p.document()
        return p.root.freeze()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Document structure

    private mutating func document() throws(TOMLError) {
        var current = root
        while pos < bytes.count {
            skipWhitespace()
            guard let c = peek() else { break }
            switch c {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                break
            case UInt8(ascii: "["):
                current = try header()
            default:
                try keyValue(into: current)
            }
            try endOfLine()
        }
    }

    private mutating func header() throws(TOMLError) -> TOMLNode {
        let headerLine = line
        pos += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { pos += 1 }
        skipWhitespace()
        let path = try key()
        skipWhitespace()
        try expect("]", "expected ']' to close the table header")
        if isArray { try expect("]", "expected ']]' to close the array-of-tables header") }
        var node = root
        for (i, part) in path.enumerated() {
            let last = i == path.count - 1
            if let existing = node.children[part] {
                switch existing {
                case .node(let child):
                    if last {
                        if isArray { throw error("'\(path.joined(separator: "."))' is already a table, not an array of tables") }
                        if child.kind != .implicit {
                            throw error("table '\(path.joined(separator: "."))' is defined twice (first on line \(child.line))", line: headerLine)
                        }
                        child.kind = .header
                        child.line = headerLine
                    }
                    if child.kind == .inline { throw error("cannot extend inline table '\(part)'") }
                    node = child
                case .array(let tables, let isStatic):
                    if isStatic || tables.isEmpty { throw error("'\(part)' is an array value, not a table") }
                    if last {
                        guard isArray else { throw error("'\(path.joined(separator: "."))' is an array of tables; use [[...]]") }
                        let fresh = TOMLNode(kind: .header, line: headerLine)
                        node.children[part] = .array(tables + [fresh], isStatic: false)
                        return fresh
                    }
                    node = tables[tables.count - 1]
                case .value:
                    throw error("'\(part)' is already a value, not a table")
                }
            } else {
                let fresh = TOMLNode(kind: last ? .header : .implicit, line: headerLine)
                node.order.append(part)
                node.lines[part] = headerLine
                if last && isArray {
                    node.children[part] = .array([fresh], isStatic: false)
                } else {
                    node.children[part] = .node(fresh)
                }
                node = fresh
            }
        }
        return node
    }

    private mutating func keyValue(into table: TOMLNode) throws(TOMLError) {
        let keyLine = line
        let path = try key()
        skipWhitespace()
        try expect("=", "expected '=' after key '\(path.joined(separator: "."))'")
        skipWhitespace()
        let value = try self.value()
        var node = table
        for part in path.dropLast() {
            switch node.children[part] {
            case nil:
                let fresh = TOMLNode(kind: .dotted, line: keyLine)
                node.children[part] = .node(fresh)
                node.order.append(part)
                node.lines[part] = keyLine
                node = fresh
            case .node(let child) where child.kind == .dotted:
                node = child
            default:
                throw error("'\(part)' is already defined and cannot be extended with a dotted key")
            }
        }
        let last = path[path.count - 1]
        if node.children[last] != nil {
            let first = node.lines[last].map { " (first on line \($0))" } ?? ""
            throw error("duplicate key '\(path.joined(separator: "."))'\(first)", line: keyLine)
        }
        node.children[last] = value
        node.order.append(last)
        node.lines[last] = keyLine
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") {
            while let c = peek(), c != UInt8(ascii: "\n") {
                if c == UInt8(ascii: "\r") { break }
                if c < 0x20 && c != 0x09 || c == 0x7F { throw error("control character in comment") }
                pos += 1
            }
        }
        switch peek() {
        case nil: return
        case UInt8(ascii: "\n"):
            pos += 1
            line += 1
        case UInt8(ascii: "\r") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "\n"):
            pos += 2
            line += 1
        default:
            throw error("expected the end of the line")
        }
    }

    // MARK: - Keys

    private mutating func key() throws(TOMLError) -> [String] {
        var parts = [try simpleKey()]
        while true {
            let save = pos
            skipWhitespace()
            if peek() == UInt8(ascii: ".") {
                pos += 1
                skipWhitespace()
                parts.append(try simpleKey())
            } else {
                pos = save
                return parts
            }
        }
    }

    private mutating func simpleKey() throws(TOMLError) -> String {
        switch peek() {
        case UInt8(ascii: "\""):
            if startsWith("\"\"\"") { throw error("a key cannot be a multi-line string") }
            return try basicString()
        case UInt8(ascii: "'"):
            if startsWith("'''") { throw error("a key cannot be a multi-line string") }
            return try literalString()
        default:
            let start = pos
            while let c = peek(), isBareKeyByte(c) { pos += 1 }
            if start == pos { throw error("expected a key") }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }
    }

    private func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: - Helpers shared by the value parser (TOMLParser+Values.swift)

    func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func startsWith(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        return s.withUTF8Buffer { buf in (0..<n).allSatisfy { bytes[pos + $0] == buf[$0] } }
    }

    mutating func skipWhitespace() {
        while let c = peek(), c == 0x20 || c == 0x09 { pos += 1 }
    }

    mutating func expect(_ c: Character, _ message: String) throws(TOMLError) {
        guard peek() == c.asciiValue else { throw error(message) }
        pos += 1
    }

    func error(_ message: String, line: Int? = nil) -> TOMLError {
        var col = 1
        var i = pos - 1
        while i >= 0 && i < bytes.count && bytes[i] != UInt8(ascii: "\n") {
            col += 1
            i -= 1
        }
        return TOMLError(line: line ?? self.line, column: line == nil ? col : 1, message: message)
    }

    var position: Int {
        get { pos }
        set { pos = newValue }
    }
    var lineNumber: Int {
        get { line }
        set { line = newValue }
    }
    var input: [UInt8] { bytes }
}

/// A TOML syntax or structure error.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}
