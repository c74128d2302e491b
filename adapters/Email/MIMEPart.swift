import Foundation

/// One MIME entity: headers, a decoded body (transfer encoding undone), and sub-parts for
/// multipart types. Pure: parses bytes, does no I/O.
public struct MIMEPart: Sendable {
    public var headers: MailHeaders
    /// Lowercased `type/subtype`; `text/plain` when absent (RFC 2045 5.2).
    public var contentType: String
    /// Content-Type parameters, names lowercased.
    public var parameters: [String: String]
    /// The body with Content-Transfer-Encoding undone (empty for multiparts).
    public var body: Data
    public var parts: [MIMEPart]

    /// Nesting deeper than this is read as an opaque body (a crafted mail cannot recurse forever).
    static let maxDepth = 16

    public init(parsing data: Data) { self.init(parsing: data, depth: 0, defaultType: "text/plain") }

    init(parsing data: Data, depth: Int, defaultType: String) {
        let (head, rawBody) = MIMEPart.split(data)
        headers = MailHeaders(parsing: head)
        let (type, params) = MIMEPart.parameterised(headers["Content-Type"] ?? defaultType)
        contentType = type.contains("/") ? type : defaultType
        parameters = params
        parts = []
        body = Data()
        if contentType.hasPrefix("multipart/"), let boundary = parameters["boundary"], !boundary.isEmpty,
            depth < MIMEPart.maxDepth
        {
            let childDefault = contentType == "multipart/digest" ? "message/rfc822" : "text/plain"
            parts = MIMEPart.bodies(of: rawBody, boundary: boundary).map {
                MIMEPart(parsing: $0, depth: depth + 1, defaultType: childDefault)
            }
            return
        }
        switch (headers["Content-Transfer-Encoding"] ?? "7bit").lowercased().trimmingCharacters(in: .whitespaces) {
        case "base64": body = TransferEncoding.base64(rawBody) ?? rawBody
        case "quoted-printable": body = TransferEncoding.quotedPrintable(rawBody)
        default: body = rawBody
        }
    }

    /// The file name from Content-Disposition or Content-Type, if any.
    public var filename: String? {
        let (_, disposition) = MIMEPart.parameterised(headers["Content-Disposition"] ?? "")
        return (disposition["filename"] ?? parameters["name"]).map(MailHeaders.decodeWords)
    }

    /// An attachment rather than a part of the text: marked so, or named and not text.
    public var isAttachment: Bool {
        let disposition = (headers["Content-Disposition"] ?? "").lowercased()
        if disposition.hasPrefix("attachment") { return true }
        if disposition.hasPrefix("inline") && contentType.hasPrefix("text/") { return false }
        return !contentType.hasPrefix("text/") && !contentType.hasPrefix("multipart/") || filename != nil
    }

    /// The body as text in its declared charset, with a note if the charset was unknown.
    public var text: (text: String, problem: String?) { MailCharset.decode(body, charset: parameters["charset"]) }

    /// Every leaf part, depth first.
    public var leaves: [MIMEPart] { parts.isEmpty ? [self] : parts.flatMap(\.leaves) }

    // MARK: - Pure helpers

    /// Splits at the first empty line; a message with no empty line is all header.
    static func split(_ data: Data) -> (Data, Data) {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { return (Data(bytes[..<i]), Data(bytes[(i + 2)...])) }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A {
                    return (Data(bytes[..<i]), Data(bytes[(i + 3)...]))
                }
            }
            i += 1
        }
        if bytes.first == 0x0A { return (Data(), Data(bytes.dropFirst())) }
        if bytes.starts(with: [0x0D, 0x0A]) { return (Data(), Data(bytes.dropFirst(2))) }
        return (data, Data())
    }

    /// `type/subtype; a=b; c="d"` into the lowercased type and parameters. RFC 2231 extended
    /// values (`name*=utf-8''...`, `name*0=`) are joined and decoded.
    static func parameterised(_ value: String) -> (String, [String: String]) {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        for ch in value {
            if ch == "\"" { quoted.toggle() }
            if ch == ";" && !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        pieces.append(current)
        let type = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        var params: [String: String] = [:]
        var continued: [String: [(Int, String, Bool)]] = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            var name = piece[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var v = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 {
                v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            let extended = name.hasSuffix("*")
            if extended { name.removeLast() }
            if let star = name.firstIndex(of: "*"), let n = Int(name[name.index(after: star)...]) {
                continued[String(name[..<star]), default: []].append((n, v, extended))
            } else {
                params[name] = extended ? percentDecoded(v, first: true) : v
            }
        }
        for (name, segments) in continued {
            // Segments are decoded one by one: a character split across two is rare enough.
            params[name] = segments.sorted { $0.0 < $1.0 }.enumerated().map { i, s in
                s.2 ? percentDecoded(s.1, first: i == 0) : s.1
            }.joined()
        }
        return (type, params)
    }

    /// `charset'lang'percent-encoded` (a first segment) or percent-encoded text (RFC 2231).
    private static func percentDecoded(_ v: String, first: Bool) -> String {
        var charset = "utf-8"
        var text = Substring(v)
        if first {
            let parts = v.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 {
                charset = parts[0].isEmpty ? "us-ascii" : String(parts[0])
                text = parts[2]
            }
        }
        var bytes = [UInt8]()
        var i = text.utf8.startIndex
        let u = text.utf8
        while i < u.endIndex {
            if u[i] == 0x25, let a = u.index(i, offsetBy: 1, limitedBy: u.endIndex),
                let b = u.index(i, offsetBy: 2, limitedBy: u.endIndex), b < u.endIndex,
                let byte = UInt8(String(decoding: [u[a], u[b]], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                i = u.index(i, offsetBy: 3)
            } else {
                bytes.append(u[i])
                i = u.index(after: i)
            }
        }
        return MailCharset.decode(Data(bytes), charset: charset).text
    }

    /// The bodies between `--boundary` lines, up to `--boundary--`. The preamble and epilogue
    /// are dropped; a missing close ends at the end of the data.
    static func bodies(of data: Data, boundary: String) -> [Data] {
        let delimiter = Array(("--" + boundary).utf8)
        let bytes = [UInt8](data)
        var result: [Data] = []
        var partStart: Int?
        var lineStart = 0
        while lineStart <= bytes.count {
            let lf = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            let lineEnd = lf > lineStart && bytes[lf - 1] == 0x0D ? lf - 1 : lf
            let line = bytes[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let closing = rest.starts(with: [0x2D, 0x2D])
                // Only whitespace may follow a delimiter; otherwise it is content.
                if closing || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    if let s = partStart {
                        // The CRLF before the delimiter belongs to the delimiter.
                        var end = lineStart
                        if end > s, bytes[end - 1] == 0x0A { end -= 1 }
                        if end > s, bytes[end - 1] == 0x0D { end -= 1 }
                        result.append(Data(bytes[s..<max(s, end)]))
                    }
                    if closing { return result }
                    partStart = lf + 1
                }
            }
            lineStart = lf + 1
        }
        if let s = partStart, s < bytes.count { result.append(Data(bytes[s...])) }
        return result
    }
}
