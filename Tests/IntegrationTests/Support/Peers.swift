import Foundation
import Testing

/// Where the real peers are. `make test` starts them and sets HERALD_REQUIRE_PEERS=1, so a
/// missing peer fails with a clear message; plain `swift test` skips those tests and says so.
enum Peers {
    static let environment = ProcessInfo.processInfo.environment
    static let required = environment["HERALD_REQUIRE_PEERS"] == "1"
    static let llamaURL = environment["HERALD_TEST_LLAMA_URL"]
    /// The tiny model again, with a chat template that renders tools.
    static let llamaToolsURL = environment["HERALD_TEST_LLAMA_TOOLS_URL"]

    /// True when a llama.cpp test needs to run: the peer is configured, or `make test` requires it.
    static let llamaEnabled = llamaURL != nil || required

    static func requireLlama() throws -> String {
        try #require(
            llamaURL, "the llama.cpp peer is not configured: run `make test` (it starts the peers and sets HERALD_TEST_LLAMA_URL)"
        )
    }

    static let llamaToolsEnabled = llamaToolsURL != nil || required

    /// The tiny model once more, for the one test that asserts on the prompt cache across turns:
    /// other tests' requests on the shared server evict its slot now and then.
    static let llamaCacheURL = environment["HERALD_TEST_LLAMA_CACHE_URL"]
    static let llamaCacheEnabled = llamaCacheURL != nil || required

    static func requireLlamaCache() throws -> String {
        try #require(
            llamaCacheURL,
            "the llama.cpp peer for the cache test is not configured: run `make test` (it sets HERALD_TEST_LLAMA_CACHE_URL)")
    }

    static func requireLlamaTools() throws -> String {
        try #require(
            llamaToolsURL,
            "the llama.cpp peer with a tool template is not configured: run `make test` (it sets HERALD_TEST_LLAMA_TOOLS_URL)")
    }
}

/// A fresh temporary directory, removed when the test's value is dropped.
final class TempDir: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "herald-test-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a deadline; a test waits on events, and the deadline only bounds a failure.
func withDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TimeoutError(what: what, seconds: seconds)
        }
        return value
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var what: String
    var seconds: Double
    var description: String { "timed out after \(seconds)s waiting for \(what)" }
}
