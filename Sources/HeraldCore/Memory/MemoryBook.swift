import Foundation

/// The rules of one memory store: entries of plain text within a character limit.
/// Pure; the store keeps the entries, the tool and the CLI edit them through this.
public struct MemoryBook: Sendable, Equatable {
    public var entries: [String]
    public let limit: Int

    public init(entries: [String], limit: Int) {
        self.entries = entries
        self.limit = limit
    }

    /// Characters used: entries plus one separator each.
    public var used: Int { entries.reduce(0) { $0 + $1.count + 1 } }

    public mutating func add(_ text: String) throws(ToolError) {
        let entry = try Self.clean(text)
        guard !entries.contains(entry) else { return }
        try fits(used + entry.count + 1)
        entries.append(entry)
    }

    /// Replaces the one entry containing `old` with `text`.
    public mutating func replace(_ old: String, with text: String) throws(ToolError) {
        let i = try index(of: old)
        let entry = try Self.clean(text)
        try fits(used - entries[i].count + entry.count)
        entries[i] = entry
    }

    public mutating func remove(_ old: String) throws(ToolError) {
        entries.remove(at: try index(of: old))
    }

    private func index(of needle: String) throws(ToolError) -> Int {
        let needle = needle.trimmingCharacters(in: .whitespacesAndNewlines)
        let hits = entries.indices.filter { !needle.isEmpty && entries[$0].localizedCaseInsensitiveContains(needle) }
        guard !hits.isEmpty else { throw ToolError("no entry contains '\(needle)'") }
        guard hits.count == 1 else { throw ToolError("\(hits.count) entries contain '\(needle)'; quote more of the one you mean") }
        return hits[0]
    }

    private func fits(_ total: Int) throws(ToolError) {
        guard total <= limit else {
            throw ToolError("memory is full (\(used)/\(limit) characters); replace or remove an entry first")
        }
    }

    private static func clean(_ text: String) throws(ToolError) -> String {
        let t = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw ToolError("the entry is empty") }
        return t
    }

    /// The block the system prompt carries (empty when there is nothing to say).
    public static func promptBlock(profile: [String], user: [String]?) -> String {
        var parts: [String] = []
        if !profile.isEmpty { parts.append("## Your notes about the work\n" + profile.map { "- \($0)" }.joined(separator: "\n")) }
        if let user, !user.isEmpty { parts.append("## What you know about the person you are talking with\n" + user.map { "- \($0)" }.joined(separator: "\n")) }
        return parts.joined(separator: "\n\n")
    }
}
