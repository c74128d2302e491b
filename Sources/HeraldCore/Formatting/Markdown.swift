import Foundation

/// The Markdown models write, parsed into blocks and inline spans. Pure and forgiving: any
/// text parses, and markup that does not close is kept as literal text.
public enum Markdown {
    /// A top-level block.
    public enum Block: Equatable, Sendable {
        /// A fenced code block, kept verbatim.
        case code(language: String?, text: String)
        /// A heading (rendered bold where the dialect has no headings).
        case heading(level: Int, [Inline])
        /// Lines of inline text; list items and quotes keep their own line.
        case paragraph([Line])
    }

    /// One line of a paragraph.
    public struct Line: Equatable, Sendable {
        public enum Kind: Equatable, Sendable {
            case text
            case bullet
            case numbered(String)
            case quote
        }

        public var kind: Kind
        public var inlines: [Inline]
    }

    /// Inline text with its markup.
    public indirect enum Inline: Equatable, Sendable {
        case text(String)
        case code(String)
        case bold([Inline])
        case italic([Inline])
        case strike([Inline])
        case link(text: [Inline], url: String)
    }

    /// Splits `source` into blocks: fenced code, headings, and paragraphs separated by blank lines.
    public static func parse(_ source: String) -> [Block] {
        var blocks: [Block] = []
        var paragraph: [Line] = []
        var code: (language: String?, lines: [String], fence: String)?
        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph)) }
            paragraph = []
        }
        for raw in source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var c = code {
                if trimmed.hasPrefix(c.fence) && trimmed.allSatisfy({ $0 == c.fence.first }) {
                    blocks.append(.code(language: c.language, text: c.lines.joined(separator: "\n")))
                    code = nil
                } else {
                    c.lines.append(line)
                    code = c
                }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flush()
                let fenceChar = trimmed.first!
                let fence = String(trimmed.prefix { $0 == fenceChar })
                let info = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
                code = (info.isEmpty ? nil : String(info.prefix { !$0.isWhitespace }), [], fence)
                continue
            }
            if trimmed.isEmpty {
                flush()
                continue
            }
            if let level = headingLevel(trimmed) {
                flush()
                blocks.append(.heading(level: level, inlines(String(trimmed.dropFirst(level + 1)))))
                continue
            }
            paragraph.append(lineBlock(trimmed))
        }
        if let c = code {
            // An unclosed fence still holds code: keep it as code rather than lose its shape.
            blocks.append(.code(language: c.language, text: c.lines.joined(separator: "\n")))
        }
        flush()
        return blocks
    }

    private static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    private static func lineBlock(_ line: String) -> Line {
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") {
            return Line(kind: .bullet, inlines: inlines(String(line.dropFirst(2))))
        }
        if line.hasPrefix(">") {
            return Line(kind: .quote, inlines: inlines(line.dropFirst().trimmingCharacters(in: .whitespaces)))
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 3, line.dropFirst(digits.count).hasPrefix(". ") {
            return Line(kind: .numbered(String(digits)), inlines: inlines(String(line.dropFirst(digits.count + 2))))
        }
        return Line(kind: .text, inlines: inlines(line))
    }

    /// Parses inline markup: `code`, **bold**, __bold__, *italic*, _italic_, ~~strike~~, [text](url).
    public static func inlines(_ text: String) -> [Inline] {
        var parser = InlineParser(Array(text))
        return parser.parse(until: nil)
    }
}

