extension TOMLParser {
    /// Booleans, numbers and dates: read one token, then classify it.
    mutating func scalar() throws(TOMLError) -> TOMLValue {
        let start = position
        while let c = peek(), isTokenByte(c) { position += 1 }
        // A date and a time may be separated by one space: "1979-05-27 07:32:00".
        if peek() == 0x20, position + 1 < input.count, (0x30...0x39).contains(input[position + 1]),
            position - start == 10, input[start + 4] == UInt8(ascii: "-")
        {
            position += 1
            while let c = peek(), isTokenByte(c) { position += 1 }
        }
        let token = String(decoding: input[start..<position], as: UTF8.self)
        if token.isEmpty { throw error(peek() == nil ? "expected a value" : "invalid value") }
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if let i = integer(token) { return .integer(i) }
        if let f = float(token) { return .float(f) }
        if isDateTime(token) { return .datetime(token) }
        throw error("invalid value '\(token)' (strings need quotes)")
    }

    private func isTokenByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    /// Underscores only between digits.
    private func digits(_ s: Substring, _ isDigit: (Character) -> Bool) -> String? {
        guard let f = s.first, let l = s.last, isDigit(f), isDigit(l) else { return nil }
        var prevUnderscore = false
        var out = ""
        for ch in s {
            if ch == "_" {
                if prevUnderscore { return nil }
                prevUnderscore = true
            } else if isDigit(ch) {
                prevUnderscore = false
                out.append(ch)
            } else {
                return nil
            }
        }
        return out
    }

    private func integer(_ token: String) -> Int64? {
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where token.hasPrefix(prefix) {
            let body = token.dropFirst(2)
            guard let d = digits(body, { $0.isHexDigit && Int(String($0), radix: radix) != nil }) else { return nil }
            return Int64(d, radix: radix)
        }
        var body = Substring(token)
        var sign = ""
        if let f = body.first, f == "+" || f == "-" {
            sign = f == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let d = digits(body, { $0.isASCII && $0.isNumber }) else { return nil }
        if d.count > 1 && d.hasPrefix("0") { return nil }  // no leading zeros
        return Int64(sign + d)
    }

    private func float(_ token: String) -> Double? {
        var body = Substring(token)
        var sign = ""
        if let f = body.first, f == "+" || f == "-" {
            sign = String(f)
            body = body.dropFirst()
        }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let expSplit = body.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let expSplit2 = expSplit.count == 2 ? expSplit : body.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = expSplit2[0]
        var exponent = ""
        if expSplit2.count == 2 {
            var e = expSplit2[1]
            var esign = ""
            if let f = e.first, f == "+" || f == "-" {
                esign = String(f)
                e = e.dropFirst()
            }
            guard let d = digits(e, isDigit) else { return nil }
            exponent = "e" + esign + d
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let intPart = digits(parts[0], isDigit), !(intPart.count > 1 && intPart.hasPrefix("0")) else { return nil }
        var frac = ""
        if parts.count == 2 {
            guard let d = digits(parts[1], isDigit) else { return nil }
            frac = "." + d
        }
        guard !frac.isEmpty || !exponent.isEmpty else { return nil }
        return Double(sign + intPart + frac + exponent)
    }

    private func isDateTime(_ token: String) -> Bool {
        // Offset date-time, local date-time, local date or local time, shape-checked.
        let pattern = #"^(\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}:\d{2}(\.\d+)?)$"#
        return token.wholeMatch(of: try! Regex(pattern)) != nil
    }
}
