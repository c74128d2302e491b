import Foundation

/// One message ready to send: the text in the platform's dialect, the same content as plain
/// text (for a resend when the platform rejects the markup), and as Markdown (so the delivery
/// stage can cut it further when the platform finds it too large).
public struct FormattedChunk: Sendable, Equatable, Codable {
    public var text: String
    public var plain: String
    public var source: String

    public init(text: String, plain: String, source: String? = nil) {
        self.text = text
        self.plain = plain
        self.source = source ?? plain
    }
}

/// Renders the model's Markdown for a platform and cuts it into messages that fit the platform's
/// limit, measured in its own unit. A chunk never ends inside a code block's markup, a styled
/// span, a link or a character (so never inside a surrogate pair): styles are closed at the end of
/// a chunk and reopened in the next, and an oversized code block becomes several closed blocks.
/// Pure; every adapter uses it.
public enum Formatter {
    /// A run of text with one set of styles.
    struct Segment: Equatable {
        var text: String
        var bold = false, italic = false, strike = false, code = false
        var link: String?
    }

    /// What gets packed into chunks.
    enum Unit: Equatable {
        case line(prefix: String, quote: Bool, [Segment])
        case code(language: String?, text: String)
        /// An empty line between blocks.
        case gap
    }

    /// Renders `markdown` and splits it into chunks of at most `limit` in `unit`.
    /// For HTML dialects the limit applies to the visible text, which is what Telegram and
    /// Matrix count; for the others to the rendered text itself.
    public static func chunks(
        _ markdown: String, dialect: AdapterCapabilities.Dialect, limit: Int, unit: AdapterCapabilities.LengthUnit
    ) -> [FormattedChunk] {
        let units = Self.units(Markdown.parse(markdown))
        let measure: ([Unit]) -> Int = { us in
            let visible = dialect == .telegramHTML || dialect == .matrixHTML
            return length(visible ? plain(us) : render(us, dialect), unit)
        }
        var chunks: [[Unit]] = []
        var current: [Unit] = []
        for u in units.flatMap({ split($0, limit: limit, unit: unit, dialect: dialect) }) {
            if u == .gap && current.isEmpty { continue }
            let candidate = current + [u]
            if measure(candidate) <= limit {
                current = candidate
            } else {
                while current.last == .gap { current.removeLast() }
                if !current.isEmpty { chunks.append(current) }
                current = u == .gap ? [] : [u]
            }
        }
        while current.last == .gap { current.removeLast() }
        if !current.isEmpty { chunks.append(current) }
        return chunks.map { FormattedChunk(text: render($0, dialect), plain: plain($0), source: render($0, .markdown)) }
    }

    static func length(_ s: String, _ unit: AdapterCapabilities.LengthUnit) -> Int {
        switch unit {
        case .utf16: s.utf16.count
        case .utf8Bytes: s.utf8.count
        case .characters: s.count
        }
    }

    // MARK: - Blocks to units

    static func units(_ blocks: [Markdown.Block]) -> [Unit] {
        var out: [Unit] = []
        for (i, block) in blocks.enumerated() {
            if i > 0 { out.append(.gap) }
            switch block {
            case .code(let language, let text):
                out.append(.code(language: language, text: text))
            case .heading(_, let inlines):
                out.append(.line(prefix: "", quote: false, segments(inlines, Segment(text: "", bold: true))))
            case .paragraph(let lines):
                for line in lines {
                    let prefix: String
                    switch line.kind {
                    case .text, .quote: prefix = ""
                    case .bullet: prefix = "• "
                    case .numbered(let n): prefix = "\(n). "
                    }
                    out.append(.line(prefix: prefix, quote: line.kind == .quote, segments(line.inlines, Segment(text: ""))))
                }
            }
        }
        return out
    }

    /// Flattens nested inline markup into runs that each carry their full set of styles.
    static func segments(_ inlines: [Markdown.Inline], _ style: Segment) -> [Segment] {
        inlines.flatMap { inline -> [Segment] in
            var s = style
            switch inline {
            case .text(let t):
                s.text = t
                return [s]
            case .code(let t):
                s.text = t
                s.code = true
                return [s]
            case .bold(let inner):
                s.bold = true
                return segments(inner, s)
            case .italic(let inner):
                s.italic = true
                return segments(inner, s)
            case .strike(let inner):
                s.strike = true
                return segments(inner, s)
            case .link(let inner, let url):
                s.link = url
                return segments(inner, s)
            }
        }
    }

    // MARK: - Splitting what does not fit

    /// Breaks one unit into units that each fit on their own.
    static func split(_ u: Unit, limit: Int, unit: AdapterCapabilities.LengthUnit, dialect: AdapterCapabilities.Dialect) -> [Unit] {
        let fits: (Unit) -> Bool = { x in
            let visible = dialect == .telegramHTML || dialect == .matrixHTML
            return length(visible ? plain([x]) : render([x], dialect), unit) <= limit
        }
        if fits(u) { return [u] }
        switch u {
        case .gap:
            return [u]
        case .code(let language, let text):
            // Whole lines per block where possible; a line longer than a block is cut by character.
            var out: [Unit] = []
            var lines: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                let candidate = Unit.code(language: language, text: (lines + [line]).joined(separator: "\n"))
                if fits(candidate) {
                    lines.append(line)
                    continue
                }
                if !lines.isEmpty { out.append(.code(language: language, text: lines.joined(separator: "\n"))) }
                lines = []
                if fits(.code(language: language, text: line)) {
                    lines = [line]
                } else {
                    var piece = ""
                    for ch in line {
                        if !fits(.code(language: language, text: piece + String(ch))) {
                            out.append(.code(language: language, text: piece))
                            piece = ""
                        }
                        piece.append(ch)
                    }
                    lines = [piece]
                }
            }
            if !lines.isEmpty { out.append(.code(language: language, text: lines.joined(separator: "\n"))) }
            return out
        case .line(let prefix, let quote, let segs):
            // Words keep their styles; a word longer than a message is cut by character.
            var tokens: [Segment] = []
            for s in segs {
                if s.code || s.link != nil {
                    tokens.append(s)
                    continue
                }
                var word = ""
                for ch in s.text {
                    word.append(ch)
                    if ch == " " {
                        var t = s
                        t.text = word
                        tokens.append(t)
                        word = ""
                    }
                }
                if !word.isEmpty {
                    var t = s
                    t.text = word
                    tokens.append(t)
                }
            }
            var out: [Unit] = []
            var current: [Segment] = []
            var first = true
            for token in tokens {
                let candidate = Unit.line(prefix: first ? prefix : "", quote: quote, current + [token])
                if fits(candidate) {
                    current.append(token)
                    continue
                }
                if !current.isEmpty {
                    out.append(.line(prefix: first ? prefix : "", quote: quote, current))
                    first = false
                }
                current = []
                var piece = token
                piece.text = ""
                for ch in token.text {
                    var next = piece
                    next.text.append(ch)
                    if !fits(.line(prefix: first ? prefix : "", quote: quote, [next])) && !piece.text.isEmpty {
                        out.append(.line(prefix: first ? prefix : "", quote: quote, [piece]))
                        first = false
                        next.text = String(ch)
                    }
                    piece = next
                }
                current = [piece]
            }
            if !current.isEmpty { out.append(.line(prefix: first ? prefix : "", quote: quote, current)) }
            return out
        }
    }
}
