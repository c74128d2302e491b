import Foundation

/// A configuration error that names the file and line.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads one TOML table into typed settings. Every key read is remembered, so `finish()` can
/// reject the keys nobody asked for (a typo must not be silently ignored).
public struct ConfigReader: Sendable {
    public let file: String
    public let table: TOMLTable
    /// Dotted path of this table, for messages ("models.local").
    public let path: String
    private var used: Set<String> = []

    public init(file: String, table: TOMLTable, path: String = "") {
        self.file = file
        self.table = table
        self.path = path
    }

    public func line(of key: String) -> Int { table.lines[key] ?? table.line }

    public func error(_ key: String?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: key.map(line(of:)) ?? table.line, message: message)
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .string(let s): return s
        case let v?: throw error(key, "'\(name(key))' must be a string, not a \(v.typeName)")
        }
    }

    public mutating func string(_ key: String, default value: String) throws(ConfigError) -> String {
        try string(key) ?? value
    }

    /// A file path: `~` expanded, and a relative one resolved from the config file's folder
    /// (not from wherever Herald was started).
    public mutating func path(_ key: String) throws(ConfigError) -> String? {
        try string(key).map { Self.resolve($0, relativeTo: file) }
    }

    /// `p` with `~` expanded and, when relative, taken from `configFile`'s folder.
    public static func resolve(_ p: String, relativeTo configFile: String) -> String {
        let expanded = (p as NSString).expandingTildeInPath
        let base = (configFile as NSString).deletingLastPathComponent
        return expanded.hasPrefix("/") || base.isEmpty ? expanded : (base as NSString).appendingPathComponent(expanded)
    }

    /// A string that must be one of `options`; anything else is an error at its line (a typo
    /// must never silently mean the default).
    public mutating func choice(_ key: String, _ options: [String], default value: String) throws(ConfigError) -> String {
        let chosen = try string(key) ?? value
        guard options.contains(chosen) else {
            throw error(key, "'\(key)' must be one of \(options.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(chosen)\"")
        }
        return chosen
    }

    public mutating func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key) else { throw error(nil, "missing '\(name(key))'") }
        return s
    }

    public mutating func int(_ key: String, range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .integer(let i):
            if let range, !range.contains(Int(i)) {
                throw error(key, "'\(name(key))' must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return Int(i)
        case let v?: throw error(key, "'\(name(key))' must be an integer, not a \(v.typeName)")
        }
    }

    public mutating func double(_ key: String) throws(ConfigError) -> Double? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .integer(let i): return Double(i)
        case .float(let f): return f
        case let v?: throw error(key, "'\(name(key))' must be a number, not a \(v.typeName)")
        }
    }

    public mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .bool(let b): return b
        case let v?: throw error(key, "'\(name(key))' must be true or false, not a \(v.typeName)")
        }
    }

    public mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw error(key, "'\(name(key))' must be a list of strings") }
                out.append(s)
            }
            return out
        case let v?: throw error(key, "'\(name(key))' must be a list of strings, not a \(v.typeName)")
        }
    }

    public mutating func ints(_ key: String) throws(ConfigError) -> [Int64]? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .array(let items):
            var out: [Int64] = []
            for item in items {
                guard case .integer(let i) = item else { throw error(key, "'\(name(key))' must be a list of integers") }
                out.append(i)
            }
            return out
        case let v?: throw error(key, "'\(name(key))' must be a list of integers, not a \(v.typeName)")
        }
    }

    /// A sub-table, as its own reader.
    public mutating func table(_ key: String) throws(ConfigError) -> ConfigReader? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .table(let t): return ConfigReader(file: file, table: t, path: name(key))
        case let v?: throw error(key, "'\(name(key))' must be a table, not a \(v.typeName)")
        }
    }

    /// Each sub-table of a table of tables (`[models.NAME]`), in document order.
    public mutating func tables(_ key: String) throws(ConfigError) -> [(name: String, reader: ConfigReader)] {
        guard var outer = try table(key) else { return [] }
        var out: [(String, ConfigReader)] = []
        for k in outer.table.keys {
            guard let inner = try outer.table(k) else { continue }
            out.append((k, inner))
        }
        return out
    }

    /// An array of tables (`[[bindings]]`).
    public mutating func tableArray(_ key: String) throws(ConfigError) -> [ConfigReader] {
        used.insert(key)
        switch table[key] {
        case nil: return []
        case .array(let items):
            var out: [ConfigReader] = []
            for (i, item) in items.enumerated() {
                guard case .table(let t) = item else { throw error(key, "'\(name(key))' must be an array of tables ([[\(name(key))]])") }
                out.append(ConfigReader(file: file, table: t, path: "\(name(key))[\(i)]"))
            }
            return out
        case let v?: throw error(key, "'\(name(key))' must be an array of tables, not a \(v.typeName)")
        }
    }

    /// A secret given by reference: `KEY_env` (an environment variable's name) or `KEY_file`
    /// (a file path). A literal `KEY` is refused, so secrets never sit in the config text.
    public mutating func secret(_ key: String) throws(ConfigError) -> SecretRef? {
        used.insert(key)
        if table[key] != nil {
            throw error(key, "'\(name(key))' would put a secret in the config; use '\(key)_env' or '\(key)_file'")
        }
        let env = try string(key + "_env")
        let file = try string(key + "_file")
        switch (env, file) {
        case (nil, nil): return nil
        case (let e?, nil): return .environment(e)
        case (nil, let f?): return .file(f)
        default: throw error(key + "_file", "give either '\(key)_env' or '\(key)_file', not both")
        }
    }

    /// Throws for the first key that no getter asked for.
    public func finish() throws(ConfigError) {
        for key in table.keys where !used.contains(key) {
            throw error(key, "unknown key '\(name(key))'")
        }
    }
}
