/// Hand-written argument parsing: each command declares its options and flags, and anything
/// else is a usage error with exit code 64.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses `args` against the declared `options` (take a value) and `flags` (do not).
    init(_ args: [String], options known: Set<String>, flags knownFlags: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" {
                positional += args[(i + 1)...]
                break
            }
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if knownFlags.contains(name) {
                    guard value == nil else { throw UsageError(description: "--\(name) takes no value") }
                    flags.insert(name)
                } else if known.contains(name) {
                    if value == nil {
                        i += 1
                        guard i < args.count else { throw UsageError(description: "--\(name) needs a value") }
                        value = args[i]
                    }
                    options[name] = value
                } else {
                    throw UsageError(description: "unknown option --\(name)")
                }
            } else if a == "-h" {
                flags.insert("help")
            } else {
                positional.append(a)
            }
            i += 1
        }
    }
}

/// Exit codes, after sysexits.h.
enum Exit {
    static let ok: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let config: Int32 = 78
}
