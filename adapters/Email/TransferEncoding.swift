import Foundation

/// Content-Transfer-Encoding and charset decoding. Pure functions, lenient on input: mail in
/// the wild breaks the rules, and a half-readable mail beats a dropped one.
public enum TransferEncoding {
    /// Base64 with line breaks and junk ignored; nil only when nothing decodes.
    public static func base64(_ data: Data) -> Data? {
        var clean = [UInt8]()
        clean.reserveCapacity(data.count)
        for b in data where isBase64(b) { clean.append(b) }
        // Trailing garbage or missing padding: pad to a multiple of 4.
        while clean.count % 4 != 0 { clean.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(clean))
    }

    private static func isBase64(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2B || b == 0x2F || b == 0x3D
    }

    /// Quoted-printable (RFC 2045 6.7): `=XX` escapes, soft line breaks `=` CRLF; a lone `=`
    /// that starts no escape is kept as it is.
    public static func quotedPrintable(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x3D {
                // Soft line break: "=" then optional whitespace then (CR)LF.
                var j = i + 1
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                if j < bytes.count, bytes[j] == 0x0D { j += 1 }
                if j < bytes.count, bytes[j] == 0x0A {
                    i = j + 1
                    continue
                }
                if j == bytes.count {
                    i = j
                    continue
                }
                if i + 2 < bytes.count, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 3
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return Data(out)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// Encodes text as quoted-printable with CRLF line ends and lines of at most 76 octets.
    public static func encodeQuotedPrintable(_ text: String) -> String {
        var out = ""
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() {
            var current = ""
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                var piece: String
                if (b == 0x20 || b == 0x09) && last {
                    piece = String(format: "=%02X", b)  // trailing whitespace would be stripped in transit
                } else if b == 0x3D || b < 0x20 || b > 0x7E {
                    piece = b == 0x09 ? "\t" : String(format: "=%02X", b)
                } else if b == 0x2E && current.isEmpty {
                    piece = "=2E"  // a line that is only "." ends DATA; encode every leading dot
                } else {
                    piece = String(UnicodeScalar(b))
                }
                if current.utf8.count + piece.utf8.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                    if piece == "." { piece = "=2E" }
                }
                current += piece
            }
            out += current
            if n < lines.count - 1 { out += "\r\n" }
        }
        return out
    }
}

/// Charsets: UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 decoded here; a few more through
/// Foundation; anything else decoded as UTF-8 with replacement characters and reported.
public enum MailCharset {
    /// The text, and a note when the charset was not known (the text is then a best effort).
    public static func decode(_ data: Data, charset: String?) -> (text: String, problem: String?) {
        let name = (charset ?? "us-ascii").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        switch name {
        case "utf-8", "utf8", "us-ascii", "ascii", "":
            return (decodeLenient(data), nil)
        case "iso-8859-1", "latin1", "iso_8859-1", "l1":
            // ISO-8859-1 mail is very often really Windows-1252 (smart quotes in 0x80-0x9F).
            return (windows1252(data), nil)
        case "windows-1252", "cp1252", "x-cp1252":
            return (windows1252(data), nil)
        default:
            let foundation: [String: String.Encoding] = [
                "iso-8859-2": .isoLatin2, "windows-1250": .windowsCP1250, "windows-1251": .windowsCP1251,
                "utf-16": .utf16, "shift_jis": .shiftJIS, "euc-jp": .japaneseEUC, "iso-2022-jp": .iso2022JP,
            ]
            if let e = foundation[name], let s = String(data: data, encoding: e) { return (s, nil) }
            return (String(decoding: data, as: UTF8.self), "charset \(name) is not supported; shown as UTF-8 with replacements")
        }
    }

    /// UTF-8 when valid, else Latin-1 (every byte maps), so header bytes never vanish.
    static func decodeLenient(_ data: Data) -> String {
        String(data: data, encoding: .utf8) ?? windows1252(data)
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D,
        0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E,
        0x0178,
    ]

    static func windows1252(_ data: Data) -> String {
        var s = String.UnicodeScalarView()
        for b in data {
            let v = (0x80...0x9F).contains(b) ? cp1252High[Int(b) - 0x80] : UInt32(b)
            s.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        }
        return String(s)
    }
}
