import Foundation
import Synchronization

/// Replaces every registered secret with "[redacted]" in text bound for logs and errors.
public final class Redactor: Sendable {
    public static let shared = Redactor()
    private let secrets = Mutex<[String]>([])

    public func register(_ secret: String) {
        guard secret.count >= 4 else { return }
        secrets.withLock { if !$0.contains(secret) { $0.append(secret) } }
    }

    public func redact(_ text: String) -> String {
        secrets.withLock { list in
            list.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
    }
}

/// A small structured logger: one line per event, `key=value` metadata, to standard error.
/// Every line passes through `Redactor`, so a token in a URL or an error never leaks.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public var label: String
    public static let threshold = Atomic<Int>(Level.info.rawValue)
    private static let sink = Mutex(FileHandle.standardError)

    public init(_ label: String) { self.label = label }

    public static func setLevel(_ level: Level) { threshold.store(level.rawValue, ordering: .relaxed) }

    public func log(_ level: Level, _ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        guard level.rawValue >= Self.threshold.load(ordering: .relaxed) else { return }
        let stamp = Date().formatted(.iso8601)
        var line = "\(stamp) \(level.name) [\(label)] \(message())"
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(v)" }
        let data = Data((Redactor.shared.redact(line) + "\n").utf8)
        Self.sink.withLock { $0.write(data) }
    }

    public func debug(_ m: @autoclosure () -> String, _ md: [String: String] = [:]) { log(.debug, m(), md) }
    public func info(_ m: @autoclosure () -> String, _ md: [String: String] = [:]) { log(.info, m(), md) }
    public func warning(_ m: @autoclosure () -> String, _ md: [String: String] = [:]) { log(.warning, m(), md) }
    public func error(_ m: @autoclosure () -> String, _ md: [String: String] = [:]) { log(.error, m(), md) }

    /// Shows raw bytes from a peer safely: printable ASCII as is, everything else escaped, truncated.
    public static func escapeBytes<D: Collection<UInt8>>(_ bytes: D, limit: Int = 512) -> String {
        var out = ""
        for b in bytes.prefix(limit) {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                out += String(format: "\\x%02x", b)
            }
        }
        if bytes.count > limit { out += "...(\(bytes.count) bytes)" }
        return out
    }
}
