import Foundation

/// Which commands a profile's `workspace_run` runs freely, which it refuses, and which wait for
/// the person's approval (all others). Patterns are shell globs over the whole command line
/// (`swift test*`, `python3 -m pytest*`); a refusal wins over an allowance.
public struct RunPolicy: Sendable, Equatable {
    public var allow: [String] = []
    public var deny: [String] = []

    public init(allow: [String] = [], deny: [String] = []) {
        self.allow = allow
        self.deny = deny
    }

    public func need(for command: String) -> ApprovalNeed {
        let line = command.trimmingCharacters(in: .whitespacesAndNewlines)
        if let p = deny.first(where: { Self.matches($0, line) }) { return .refused("the command matches '\(p)'") }
        return allow.contains { Self.matches($0, line) } ? .none : .ask
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
