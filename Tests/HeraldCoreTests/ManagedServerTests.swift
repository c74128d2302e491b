import Foundation
import Testing

@testable import HeraldCore

/// A real child process (python's http.server standing in for llama-server's /health).
@Suite struct ManagedServerTests {
    @Test func startsWaitsForHealthRestartsWhenItDiesAndStopsOnCancel() async throws {
        let dir = NSTemporaryDirectory() + "herald-managed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/health", contents: Data("ok".utf8))
        let port = 20000 + Int.random(in: 0..<5000)
        let script = "echo $$ > \(dir)/pid; exec python3 -m http.server \(port) --bind 127.0.0.1 --directory \(dir)"
        let server = ManagedServer(
            name: "t", command: ["/bin/sh", "-c", script], healthURL: "http://127.0.0.1:\(port)/health",
            backoff: Backoff(base: .milliseconds(50), cap: .milliseconds(100)))
        let task = Task { try await server.run() }
        #expect(await server.waitUntilReady(timeout: .seconds(30)))
        let first = try #require(Int32(try String(contentsOfFile: dir + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))

        kill(first, SIGKILL)
        // The supervisor starts a new process, which writes its own pid.
        var second: Int32 = first
        let deadline = Date().addingTimeInterval(30)
        while second == first && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            second = Int32((try? String(contentsOfFile: dir + "/pid", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? first
        }
        #expect(second != first, "the server was restarted")

        task.cancel()
        _ = await task.result
        #expect(kill(second, 0) != 0, "the server is stopped when Herald stops")
    }
}
