extension TOMLParser {
    mutating func value() throws(TOMLError) -> TOMLNode.Entry {
        guard let c = peek() else { throw error("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            return .value(.string(startsWith("\"\"\"") ? try multilineBasicString() : try basicString()))
        case UInt8(ascii: "'"):
            return .value(.string(startsWith("'''") ? try multilineLiteralString() : try literalString()))
        case UInt8(ascii: "["):
            return try array()
        case UInt8(ascii: "{"):
            return try inlineTable()
        default:
            return .value(try scalar())
        }
    }

    private mutating func array() throws(TOMLError) -> TOMLNode.Entry {
        position += 1
        var items: [TOMLNode.Entry] = []
        while true {
            try skipArrayFiller()
            if peek() == UInt8(ascii: "]") {
                position += 1
                break
            }
            items.append(try value())
            try skipArrayFiller()
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else if peek() == UInt8(ascii: "]") {
                position += 1
                break
            } else {
                throw error(peek() == nil ? "unterminated array" : "expected ',' or ']' in array")
            }
        }
        if items.allSatisfy({ if case .node = $0 { true } else { false } }), !items.isEmpty {
            let nodes = items.compactMap { if case .node(let n) = $0 { n } else { nil } }
            return .array(nodes, isStatic: true)
        }
        return .value(.array(items.map { $0.frozen }))
    }

    /// Whitespace, newlines and comments are allowed anywhere between array elements.
    private mutating func skipArrayFiller() throws(TOMLError) {
        while let c = peek() {
            if c == 0x20 || c == 0x09 || c == UInt8(ascii: "\r") {
                position += 1
            } else if c == UInt8(ascii: "\n") {
                position += 1
                lineNumber += 1
            } else if c == UInt8(ascii: "#") {
                while let d = peek(), d != UInt8(ascii: "\n") { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLNode.Entry {
        position += 1
        let node = TOMLNode(kind: .dotted, line: lineNumber)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            node.sealInline()
            return .node(node)
        }
        while true {
            skipWhitespace()
            try keyValueInline(into: node)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") { throw error("trailing comma in inline table") }
            } else if peek() == UInt8(ascii: "}") {
                position += 1
                break
            } else {
                throw error("expected ',' or '}' in inline table (inline tables are one line)")
            }
        }
        node.sealInline()
        return .node(node)
    }

    private mutating func keyValueInline(into node: TOMLNode) throws(TOMLError) {
        // Reuse the document's key/value rules by parsing into a detached table.
        var path: [String] = []
        repeat {
            if !path.isEmpty { position += 1 }
            skipWhitespace()
            path.append(try inlineKeyPart())
            skipWhitespace()
        } while peek() == UInt8(ascii: ".")
        try expect("=", "expected '=' in inline table")
        skipWhitespace()
        let v = try value()
        var target = node
        for part in path.dropLast() {
            if case .node(let child)? = target.children[part], child.kind == .dotted {
                target = child
            } else if target.children[part] == nil {
                let fresh = TOMLNode(kind: .dotted, line: lineNumber)
                target.children[part] = .node(fresh)
                target.order.append(part)
                target.lines[part] = lineNumber
                target = fresh
            } else {
                throw error("'\(part)' is already defined in this inline table")
            }
        }
        let last = path[path.count - 1]
        if target.children[last] != nil { throw error("duplicate key '\(path.joined(separator: "."))'") }
        target.children[last] = v
        target.order.append(last)
        target.lines[last] = lineNumber
    }

    private mutating func inlineKeyPart() throws(TOMLError) -> String {
        if peek() == UInt8(ascii: "\"") { return try basicString() }
        if peek() == UInt8(ascii: "'") { return try literalString() }
        let start = position
        while let c = peek(),
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        {
            position += 1
        }
        if start == position { throw error("expected a key") }
        return String(decoding: input[start..<position], as: UTF8.self)
    }

    // MARK: - Strings

    mutating func basicString() throws(TOMLError) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek(), c != UInt8(ascii: "\n") else { throw error("unterminated string") }
            position += 1
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                try escape(into: &out)
            } else if c < 0x20 && c != 0x09 || c == 0x7F {
                throw error("control character in string")
            } else {
                out.append(c)
            }
        }
        return try utf8(out)
    }

    mutating func literalString() throws(TOMLError) -> String {
        position += 1
        let start = position
        while true {
            guard let c = peek(), c != UInt8(ascii: "\n") else { throw error("unterminated string") }
            if c == UInt8(ascii: "'") { break }
            if c < 0x20 && c != 0x09 { throw error("control character in string") }
            position += 1
        }
        let s = try utf8(Array(input[start..<position]))
        position += 1
        return s
    }

    private mutating func multilineBasicString() throws(TOMLError) -> String {
        position += 3
        skipNewlineAfterOpening()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated multi-line string") }
            if startsWith("\"\"\"") {
                // Up to two quotes may sit right before the closing delimiter.
                var extra = 0
                while extra < 2, position + 3 + extra < input.count, input[position + 3 + extra] == UInt8(ascii: "\"") {
                    extra += 1
                }
                out += Array(repeating: UInt8(ascii: "\""), count: extra)
                position += 3 + extra
                break
            }
            position += 1
            if c == UInt8(ascii: "\\") {
                // A line-ending backslash swallows the newline and the whitespace after it.
                var look = position
                while look < input.count, input[look] == 0x20 || input[look] == 0x09 { look += 1 }
                if look < input.count, input[look] == UInt8(ascii: "\n") || input[look] == UInt8(ascii: "\r") {
                    position = look
                    while let d = peek(), d == 0x20 || d == 0x09 || d == UInt8(ascii: "\n") || d == UInt8(ascii: "\r") {
                        if d == UInt8(ascii: "\n") { lineNumber += 1 }
                        position += 1
                    }
                } else {
                    try escape(into: &out)
                }
            } else if c == UInt8(ascii: "\n") {
                lineNumber += 1
                out.append(c)
            } else if c < 0x20 && c != 0x09 && c != UInt8(ascii: "\r") || c == 0x7F {
                throw error("control character in string")
            } else {
                out.append(c)
            }
        }
        return try utf8(out)
    }

    private mutating func multilineLiteralString() throws(TOMLError) -> String {
        position += 3
        skipNewlineAfterOpening()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated multi-line string") }
            if startsWith("'''") {
                var extra = 0
                while extra < 2, position + 3 + extra < input.count, input[position + 3 + extra] == UInt8(ascii: "'") {
                    extra += 1
                }
                out += Array(repeating: UInt8(ascii: "'"), count: extra)
                position += 3 + extra
                break
            }
            if c == UInt8(ascii: "\n") { lineNumber += 1 }
            out.append(c)
            position += 1
        }
        return try utf8(out)
    }

    private mutating func skipNewlineAfterOpening() {
        if peek() == UInt8(ascii: "\n") {
            position += 1
            lineNumber += 1
        } else if startsWith("\r\n") {
            position += 2
            lineNumber += 1
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        guard let e = peek() else { throw error("unterminated string") }
        position += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard position + n <= input.count,
                let code = UInt32(String(decoding: input[position..<(position + n)], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(code)
            else { throw error("invalid unicode escape") }
            position += n
            out += Array(String(Character(scalar)).utf8)
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
        }
    }

    private func utf8(_ bytes: [UInt8]) throws(TOMLError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
        return s
    }
}
