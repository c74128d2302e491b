import Foundation

/// Pure parsers for what browsers send: urlencoded form bodies and the Cookie header.
public enum FormData {
    /// `a=1&b=two+words&c=%C3%A9` → fields; a repeated name keeps its last value; bytes that
    /// are not UTF-8 become U+FFFD rather than dropping the field.
    public static func fields(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(kv[0])
            guard !name.isEmpty else { continue }
            out[name] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }

    /// Percent-decoding with '+' as a space, as HTML forms encode.
    public static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                if it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                    bytes.append(v)
                    it = it.dropFirst(2)
                } else {
                    bytes.append(b)
                }
            default: bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `Cookie: a=1; b=2` → ["a": "1", "b": "2"]; the first of a repeated name wins (the
    /// browser sends the most specific path first).
    public static func cookies(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in header.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = kv[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, out[name] == nil else { continue }
            out[name] = kv.count > 1 ? kv[1].trimmingCharacters(in: .whitespaces) : ""
        }
        return out
    }

    /// Percent-encodes a query or form value.
    public static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
