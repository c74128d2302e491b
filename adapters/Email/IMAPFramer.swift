import Foundation

/// One server response: its text (literal markers `{n}` left in place) and the literals'
/// bytes in order.
public struct IMAPResponse: Sendable, Equatable {
    public var text: String
    public var literals: [Data]

    public init(text: String, literals: [Data] = []) {
        self.text = text
        self.literals = literals
    }

    /// The tag of a tagged response, `*` for untagged, `+` for a continuation.
    public var tag: Substring { text.prefix { $0 != " " } }

    /// The word after the tag (OK, NO, BAD, or the untagged data's name or number).
    var words: [Substring] { text.split(separator: " ", maxSplits: 3) }

    /// `* OK [CODE value]`: the value of a response code such as UIDVALIDITY or UIDNEXT.
    public func code(_ name: String) -> String? {
        guard let open = text.range(of: "[" + name + " "), let close = text[open.upperBound...].firstIndex(of: "]") else {
            return nil
        }
        return String(text[open.upperBound..<close])
    }
}

/// Cuts the byte stream of an IMAP connection into responses (RFC 9051 4.3: a line that ends
/// in `{n}` is followed by n bytes of literal, and the response continues after them).
/// Pure and incremental: feed it chunks as they arrive, in any sizes.
public struct IMAPFramer: Sendable {
    private var buffer: [UInt8] = []
    private var partial = IMAPResponse(text: "")
    private var literalNeeded: Int?
    /// Literals larger than this are consumed and dropped (the text says `{dropped n}`).
    let maxLiteral: Int

    public init(maxLiteral: Int = 64 << 20) { self.maxLiteral = maxLiteral }

    public mutating func feed(_ data: Data) -> [IMAPResponse] {
        buffer.append(contentsOf: data)
        var out: [IMAPResponse] = []
        var start = 0
        while true {
            if let need = literalNeeded {
                guard buffer.count - start >= need else { break }
                partial.literals.append(need > maxLiteral ? Data() : Data(buffer[start..<start + need]))
                start += need
                literalNeeded = nil
                continue
            }
            guard let lf = buffer[start...].firstIndex(of: 0x0A) else { break }
            var end = lf
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let line = String(decoding: buffer[start..<end], as: UTF8.self)
            start = lf + 1
            partial.text += line
            if let n = Self.literalLength(line) {
                literalNeeded = n
                continue
            }
            out.append(partial)
            partial = IMAPResponse(text: "")
        }
        buffer.removeFirst(start)
        return out
    }

    /// `{123}` or `{123+}` at the end of a line.
    static func literalLength(_ line: String) -> Int? {
        guard line.hasSuffix("}"), let open = line.lastIndex(of: "{") else { return nil }
        var digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        if digits.hasSuffix("+") { digits = digits.dropLast() }
        return Int(digits)
    }
}
