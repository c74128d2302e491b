/// A parsed TOML value.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// A date, time or date-time, kept as its validated text.
    case datetime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    /// A short name of the type, for error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .bool: "boolean"
        case .datetime: "date-time"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A TOML table: its keys in document order, and the line each key was defined on.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: TOMLValue] = [:]
    public private(set) var lines: [String: Int] = [:]
    /// The line of the header or key that defined this table.
    public var line: Int

    public init(line: Int = 1) { self.line = line }

    public subscript(key: String) -> TOMLValue? { values[key] }

    mutating func set(_ key: String, _ value: TOMLValue, line: Int) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
        lines[key] = line
    }
}

/// The parser's mutable tree; frozen into `TOMLTable` at the end.
final class TOMLNode {
    enum Kind {
        /// Created as the parent of a header path, may be defined later by its own header.
        case implicit
        /// Defined by a `[header]` or `[[header]]`.
        case header
        /// Created by a dotted key or an inline table; never reopened by a header.
        case dotted
        /// A finished inline table: nothing may be added.
        case inline
    }

    enum Entry {
        case value(TOMLValue)
        case node(TOMLNode)
        /// An array of tables; `isStatic` when it was written as an array value.
        case array([TOMLNode], isStatic: Bool)

        var frozen: TOMLValue {
            switch self {
            case .value(let v): v
            case .node(let n): .table(n.freeze())
            case .array(let nodes, _): .array(nodes.map { .table($0.freeze()) })
            }
        }
    }

    var kind: Kind
    var line: Int
    var children: [String: Entry] = [:]
    var order: [String] = []
    var lines: [String: Int] = [:]

    init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    func sealInline() {
        kind = .inline
        for case .node(let child) in children.values { child.sealInline() }
    }

    func freeze() -> TOMLTable {
        var t = TOMLTable(line: line)
        for key in order { t.set(key, children[key]!.frozen, line: lines[key] ?? line) }
        return t
    }
}
