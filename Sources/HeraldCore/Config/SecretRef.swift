import Foundation

/// Where a secret lives. Its value is read at start-up and registered with `Redactor`,
/// so it never shows in a log line or an error.
public enum SecretRef: Sendable, Equatable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }

    /// Reads the secret. The error names where it looked, never what it found.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let value: String
        switch self {
        case .environment(let name):
            guard let v = environment[name], !v.isEmpty else {
                throw SecretError(message: "environment variable \(name) is not set")
            }
            value = v
        case .file(let path):
            let expanded = (path as NSString).expandingTildeInPath
            guard let data = FileManager.default.contents(atPath: expanded) else {
                throw SecretError(message: "cannot read secret file \(path)")
            }
            value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw SecretError(message: "secret file \(path) is empty") }
        }
        Redactor.shared.register(value)
        return value
    }
}

public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
