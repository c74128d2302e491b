import Foundation
import HeraldCore
import HeraldStore

/// `herald artifacts list|search|show|export`: the whole library, from the command line.
enum ArtifactsCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config", "limit", "format", "owner"], flags: ["help"])
        if args.flags.contains("help") || args.positional.isEmpty {
            print(Help.artifacts)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let c = try Composition.load(args)
        let owner = args.options["owner"]
        let limit = Int(args.options["limit"] ?? "50") ?? 50
        switch (args.positional[0], args.positional.count) {
        case ("list", 1):
            let items = try await c.store.recentArtifacts(owner: owner, limit: limit)
            if items.isEmpty { print("the library is empty") }
            items.forEach { print($0.line) }
            return Exit.ok
        case ("search", 2...):
            let items = try await c.store.searchArtifacts(args.positional.dropFirst().joined(separator: " "), owner: owner, limit: limit)
            if items.isEmpty { print("nothing matches") }
            items.forEach { print($0.line) }
            return Exit.ok
        case ("show", 2):
            guard let id = Int64(args.positional[1]), let a = try await c.store.artifact(id: id) else {
                Herald.fail("no artifact \(args.positional[1])")
                return Exit.failure
            }
            print(markdown(a))
            return Exit.ok
        case ("export", 1):
            let items = try await c.store.recentArtifacts(owner: owner, limit: Int(args.options["limit"] ?? "100000") ?? 100_000)
            switch args.options["format"] ?? "markdown" {
            case "json":
                let rows: [[String: Any]] = items.map { a in
                    [
                        "id": a.id, "owner": a.owner, "kind": a.kind.rawValue, "source": a.source, "url": a.canonicalURL ?? NSNull(),
                        "title": a.title, "author": a.author ?? NSNull(), "published": a.published ?? NSNull(),
                        "category": a.category ?? NSNull(), "tags": a.tags, "summary": a.summary ?? NSNull(), "status": a.status.rawValue,
                        "error": a.error ?? NSNull(), "sha256": a.contentHash, "file": a.filePath ?? NSNull(), "text": a.text,
                        "filed_at": a.createdAt.formatted(.iso8601),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            case "markdown", "md":
                print(items.map(markdown).joined(separator: "\n\n---\n\n"))
            default:
                throw Arguments.UsageError(description: "--format is markdown or json")
            }
            return Exit.ok
        default:
            throw Arguments.UsageError(description: "unknown artifacts subcommand '\(args.positional.joined(separator: " "))'")
        }
    }

    static func markdown(_ a: Artifact) -> String {
        var lines = ["## #\(a.id) \(a.title)", ""]
        lines.append("- kind: \(a.kind.rawValue); status: \(a.status.rawValue)" + (a.error.map { " (\($0))" } ?? ""))
        lines.append("- source: \(a.canonicalURL ?? a.source)")
        if let author = a.author { lines.append("- author: \(author)") }
        if let published = a.published { lines.append("- published: \(published)") }
        if let category = a.category { lines.append("- category: \(category); tags: \(a.tags.joined(separator: ", "))") }
        lines.append("- filed: \(a.createdAt.formatted(.iso8601)) by \(a.owner)")
        if let summary = a.summary { lines += ["", summary] }
        if !a.text.isEmpty { lines += ["", "```text", String(a.text.prefix(20_000)), "```"] }
        return lines.joined(separator: "\n")
    }
}
