import Foundation
import HeraldPeers
import Synchronization
import Testing

@testable import HeraldNet

@Suite struct HTTPClientTests {
    let client = HTTPClient()

    @Test func postsBodyAndReadsStatusHeadersAndBody() async throws {
        let server = try StubHTTPServer { req in
            .full(status: 201, contentType: "application/x-test", body: Data("\(req.method) \(req.path) \(req.headers["x-herald"] ?? "-") \(String(decoding: req.body, as: UTF8.self))".utf8))
        }
        defer { server.stop() }
        let response = try await client.send(
            HTTPRequest(method: "POST", url: server.baseURL + "/p?q=1", headers: [("X-Herald", "yes")], body: Data("payload".utf8)))
        #expect(response.status == 201)
        #expect(response.headers["content-type"] == "application/x-test")
        #expect(response.text == "POST /p?q=1 yes payload")
    }

    @Test func manyConcurrentTransfersShareOneDriver() async throws {
        let server = try StubHTTPServer { req in .full(status: 200, contentType: "text/plain", body: Data(req.path.utf8)) }
        defer { server.stop() }
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<64 {
                group.addTask { (i, try await client.send(HTTPRequest(url: server.baseURL + "/\(i)")).text) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0.value == "/\($0.key)" })
    }

    @Test func streamsChunksBeforeTheBodyEnds() async throws {
        let gate = Mutex(false)
        let chunks = (0..<5).map { Data("data: \($0)\n\n".utf8) }
        let server = try StubHTTPServer { _ in .stream(status: 200, chunks: chunks, delay: .milliseconds(50)) }
        defer { server.stop() }
        let response = try await client.stream(HTTPRequest(url: server.baseURL + "/s"))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/event-stream")
        var decoder = SSEDecoder()
        var seen: [String] = []
        for try await chunk in response.body {
            seen += decoder.feed(chunk).map(\.data)
            if seen.count == 1 { gate.withLock { $0 = true } }
        }
        #expect(seen == ["0", "1", "2", "3", "4"])
        #expect(gate.withLock { $0 })
    }

    @Test func cancellingTheTaskStopsAStreamThatNeverEnds() async throws {
        let server = try StubHTTPServer { _ in
            .stream(status: 200, chunks: Array(repeating: Data("data: x\n\n".utf8), count: 10_000), delay: .milliseconds(20))
        }
        defer { server.stop() }
        let task = Task {
            let response = try await client.stream(HTTPRequest(url: server.baseURL + "/forever", timeout: nil))
            var n = 0
            for try await _ in response.body { n += 1 }
            return n
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        switch result {
        case .success(let n): Issue.record("stream ended by itself after \(n) chunks")
        case .failure(let error): #expect((error as? HTTPError)?.code == .cancelled || error is CancellationError)
        }
    }

    @Test func refusedConnectionIsATransientError() async throws {
        // Port 1 on loopback: privileged and unused, so nothing can answer (a recycled
        // ephemeral port could be taken by another test's server meanwhile).
        do {
            let r = try await client.send(HTTPRequest(url: "http://127.0.0.1:1/", connectTimeout: .seconds(2)))
            Issue.record("port 1 answered with HTTP \(r.status)")
        } catch let e as HTTPError {
            #expect(e.code == .couldNotConnect)
            #expect(e.isTransient)
            #expect(!e.message.contains("127.0.0.1"))
        }
    }

    @Test func totalTimeoutEndsASlowResponse() async throws {
        let server = try StubHTTPServer { _ in
            .stream(status: 200, chunks: Array(repeating: Data("x".utf8), count: 100), delay: .milliseconds(100))
        }
        defer { server.stop() }
        do {
            _ = try await client.send(HTTPRequest(url: server.baseURL + "/slow", timeout: .milliseconds(300)))
            Issue.record("expected a timeout")
        } catch let e as HTTPError {
            #expect(e.code == .timedOut)
        }
    }

    @Test func bodyLimitIsEnforced() async throws {
        let server = try StubHTTPServer { _ in .full(status: 200, contentType: "text/plain", body: Data(count: 10_000)) }
        defer { server.stop() }
        do {
            let r = try await client.send(HTTPRequest(url: server.baseURL + "/big"), limit: 1000)
            Issue.record("expected bodyTooLarge, got HTTP \(r.status) with \(r.body.count) bytes")
        } catch let e as HTTPError {
            #expect(e.code == .bodyTooLarge)
        }
    }
}
