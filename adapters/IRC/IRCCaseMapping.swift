/// How an IRC server compares names, as it announces in ISUPPORT (`CASEMAPPING=`): channel
/// names and nicks are case-insensitive, and under rfc1459 `[]\~` are the upper case of `{}|^`.
/// Herald folds every channel name and nick it keys on (sessions, bindings, allowlists) the
/// server's way, so `#Harbour-Project` and `#harbour-project` are one channel.
public enum IRCCaseMapping: String, Sendable {
    case ascii
    case rfc1459
    case strictRFC1459 = "strict-rfc1459"

    /// The mapping a server means when it announces none (RFC 1459's).
    public static let standard = IRCCaseMapping.rfc1459

    /// `name` in its folded (lower) form.
    public func fold(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { c -> Unicode.Scalar in
                    switch c {
                    case "A"..."Z": return Unicode.Scalar(c.value + 32)!
                    case "[" where self != .ascii: return "{"
                    case "]" where self != .ascii: return "}"
                    case "\\" where self != .ascii: return "|"
                    case "~" where self == .rfc1459: return "^"
                    default: return c
                    }
                }))
    }

    /// The mapping named in a 005 (RPL_ISUPPORT) line's parameters, if it names one we know.
    public static func announced(in params: [String]) -> IRCCaseMapping? {
        for p in params where p.hasPrefix("CASEMAPPING=") {
            return IRCCaseMapping(rawValue: String(p.dropFirst("CASEMAPPING=".count)).lowercased())
        }
        return nil
    }
}
