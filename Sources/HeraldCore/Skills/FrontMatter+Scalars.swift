extension FrontMatter {
    /// Reads one scalar or `[flow, list]` from a line. Numbers and booleans stay text: the
    /// skill reader decides what a field means.
    struct ScalarScanner {
        let chars: [Character]
        var pos = 0
        let line: Int

        init(text: Substring, line: Int) {
            chars = Array(text)
            self.line = line
        }

        var atEnd: Bool { pos >= chars.count }
        var peek: Character? { atEnd ? nil : chars[pos] }
        var rest: String { String(chars[min(pos, chars.count)...]) }

        mutating func skipSpaces() {
            while let c = peek, c == " " { pos += 1 }
        }

        func fail(_ message: String) -> FrontMatterError { FrontMatterError(line: line, message: message) }

        mutating func value(inFlow: Bool = false) throws(FrontMatterError) -> FrontMatterValue {
            skipSpaces()
            switch peek {
            case "\"": return .string(try doubleQuoted())
            case "'": return .string(try singleQuoted())
            case "[": return try flowList()
            case "{": throw fail("flow mappings ({...}) are not supported; write one 'key: value' per line")
            default: return .string(plain(inFlow: inFlow))
            }
        }

        mutating func plain(inFlow: Bool) -> String {
            var out = ""
            while let c = peek {
                if inFlow && (c == "," || c == "]") { break }
                // " #" starts a comment; a '#' inside a word does not.
                if c == "#" && (out.isEmpty || out.last == " ") { break }
                out.append(c)
                pos += 1
            }
            return out.trimmingCharacters(in: .whitespaces)
        }

        mutating func singleQuoted() throws(FrontMatterError) -> String {
            pos += 1
            var out = ""
            while let c = peek {
                pos += 1
                if c == "'" {
                    if peek == "'" {
                        out.append("'")
                        pos += 1
                        continue
                    }
                    return out
                }
                out.append(c)
            }
            throw fail("unterminated single-quoted string")
        }

        mutating func doubleQuoted() throws(FrontMatterError) -> String {
            pos += 1
            var out = ""
            while let c = peek {
                pos += 1
                switch c {
                case "\"":
                    return out
                case "\\":
                    guard let e = peek else { throw fail("unterminated escape") }
                    pos += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "0": out.append("\0")
                    case "\"", "\\", "/", " ": out.append(e)
                    case "u", "U", "x":
                        let width = e == "u" ? 4 : e == "U" ? 8 : 2
                        let hex = String(chars[pos..<min(pos + width, chars.count)])
                        guard hex.count == width, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                            throw fail("invalid \\\(e) escape")
                        }
                        out.unicodeScalars.append(scalar)
                        pos += width
                    default:
                        throw fail("unknown escape \\\(e)")
                    }
                default:
                    out.append(c)
                }
            }
            throw fail("unterminated double-quoted string (quoted strings must end on their line)")
        }

        mutating func flowList() throws(FrontMatterError) -> FrontMatterValue {
            pos += 1
            var items: [FrontMatterValue] = []
            skipSpaces()
            if peek == "]" {
                pos += 1
                return .list([])
            }
            while true {
                items.append(try value(inFlow: true))
                skipSpaces()
                switch peek {
                case ",":
                    pos += 1
                case "]":
                    pos += 1
                    return .list(items)
                default:
                    throw fail("a flow list must close with ']' on the same line")
                }
            }
        }
    }
}
