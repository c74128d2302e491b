import Foundation
import Testing

@testable import HeraldCore

/// A real child process (python's http.server standing in for llama-server's /health).
@Suite struct ManagedServerTests {
    @Test func startsWaitsForHealthRestartsWhenItDiesAndStopsOnCancel() async throws {
        let dir = NSTemporaryDirectory() + "herald-managed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("ok".utf8).write(to: URL(fileURLWithPath: dir + "/health"))
        let port = 20000 + Int.random(in: 0..<5000)
        let script = "exec python3 -m http.server \(port) --bind 127.0.0.1 --directory \(dir)"
        let (starts, started) = AsyncStream<Int32>.makeStream()
        let server = ManagedServer(
            name: "t", command: ["/bin/sh", "-c", script], healthURL: "http://127.0.0.1:\(port)/health",
            backoff: Backoff(base: .milliseconds(50), cap: .milliseconds(100)), onStart: { started.yield($0) })
        let task = Task { try await server.run() }
        var pids = starts.makeAsyncIterator()
        let first = try #require(await pids.next())
        #expect(await server.waitUntilReady(timeout: .seconds(30)))
        #expect(kill(first, 0) == 0, "the server runs")

        kill(first, SIGKILL)
        let second = try #require(await pids.next())
        #expect(second != first, "the server was restarted after it died")

        task.cancel()
        _ = await task.result
        #expect(kill(second, 0) != 0, "the server is stopped when Herald stops")
    }
}
