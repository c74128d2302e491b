import Foundation

/// A message's header fields, unfolded, in order. Pure: no I/O.
public struct MailHeaders: Sendable, Equatable {
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: String
        /// Unfolded, undecoded (RFC 2047 words are left as they are; `text(_:)` decodes).
        public var value: String
    }

    public init(fields: [Field] = []) { self.fields = fields }

    /// Parses a header block (everything before the first empty line). Lines are split on LF
    /// with an optional CR; 8-bit bytes are read as UTF-8 (RFC 6532), else as Latin-1.
    public init(parsing block: Data) {
        var fields: [Field] = []
        for raw in block.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = raw
            if line.last == 0x0D { line = line.dropLast() }
            let text = MailCharset.decodeLenient(Data(line))
            if let first = text.first, first == " " || first == "\t" {
                // A continuation line: folding whitespace becomes one space.
                if !fields.isEmpty {
                    let more = text.trimmingCharacters(in: .whitespaces)
                    fields[fields.count - 1].value += fields[fields.count - 1].value.isEmpty ? more : " " + more
                }
                continue
            }
            guard let colon = text.firstIndex(of: ":") else { continue }  // not a field: skipped, not fatal
            let name = text[..<colon].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            fields.append(Field(name: name, value: text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        self.fields = fields
    }

    /// The first field of that name (case-insensitive), undecoded.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every field of that name, in order.
    public func all(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The field decoded for display (RFC 2047 encoded words).
    public func text(_ name: String) -> String? { self[name].map(MailHeaders.decodeWords) }

    /// `<id>` tokens of Message-ID, In-Reply-To or References, without the angle brackets.
    public func messageIDs(_ name: String) -> [String] {
        guard let value = self[name] else { return [] }
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        return ids
    }

    /// The address of a From/Reply-To/To field (the first), lowercased: `Name <a@b>` or `a@b`.
    public func address(_ name: String) -> String? {
        guard let value = self[name] else { return nil }
        return MailHeaders.addresses(in: value).first
    }

    /// Every address in an address-list field.
    public static func addresses(in value: String) -> [String] {
        var out: [String] = []
        var quoted = false
        var current = ""
        // Split on commas outside quotes, then take `<...>` or the bare address of each.
        for ch in value + "," {
            if ch == "\"" { quoted.toggle() }
            if ch == "," && !quoted {
                let part = current.trimmingCharacters(in: .whitespaces)
                current = ""
                var address = part
                if let open = part.lastIndex(of: "<"), let close = part.lastIndex(of: ">"), open < close {
                    address = String(part[part.index(after: open)..<close])
                }
                address = address.trimmingCharacters(in: .whitespaces).lowercased()
                if address.contains("@") { out.append(address) }
                continue
            }
            current.append(ch)
        }
        return out
    }

    /// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`); whitespace between two
    /// adjacent encoded words is dropped, as the RFC says.
    public static func decodeWords(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var out = ""
        var pendingSpace = ""
        var lastWasEncoded = false
        var i = value.startIndex
        while i < value.endIndex {
            if value[i...].hasPrefix("=?"), let (decoded, end) = encodedWord(value, at: i) {
                if !lastWasEncoded { out += pendingSpace }
                pendingSpace = ""
                out += decoded
                lastWasEncoded = true
                i = end
                continue
            }
            let ch = value[i]
            if ch == " " || ch == "\t" {
                pendingSpace.append(ch)
            } else {
                out += pendingSpace
                pendingSpace = ""
                out.append(ch)
                lastWasEncoded = false
            }
            i = value.index(after: i)
        }
        return out + pendingSpace
    }

    private static func encodedWord(_ s: String, at start: String.Index) -> (String, String.Index)? {
        let body = s.index(start, offsetBy: 2)
        guard let q1 = s[body...].firstIndex(of: "?") else { return nil }
        let afterQ1 = s.index(after: q1)
        guard afterQ1 < s.endIndex, let q2 = s[afterQ1...].firstIndex(of: "?"), s.distance(from: afterQ1, to: q2) == 1 else {
            return nil
        }
        let textStart = s.index(after: q2)
        guard let end = s[textStart...].range(of: "?=") else { return nil }
        // Charset may carry a language (`utf-8*en`).
        let charset = String(s[body..<q1].split(separator: "*").first ?? "")
        let encoding = s[afterQ1].uppercased()
        let text = String(s[textStart..<end.lowerBound])
        guard !text.contains(" ") else { return nil }
        let bytes: Data?
        switch encoding {
        case "B": bytes = TransferEncoding.base64(Data(text.utf8))
        case "Q": bytes = TransferEncoding.quotedPrintable(Data(text.replacingOccurrences(of: "_", with: " ").utf8))
        default: bytes = nil
        }
        guard let bytes else { return nil }
        return (MailCharset.decode(bytes, charset: charset).text, end.upperBound)
    }
}
