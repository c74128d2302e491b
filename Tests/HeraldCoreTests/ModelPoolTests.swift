import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// `urls = [...]`: one model on several servers. Each session keeps to one server (on every
/// node alike), moves only while that server is down, and comes back when it is up.
@Suite struct ModelPoolTests {
    /// A pool over `servers`, as one node builds it from the config; `down` members keep their
    /// place (their URL in the hash) but reach a port that refuses connections.
    func pool(_ servers: [StubOpenAIServer], down: [Int: ClosedPort] = [:], pause: Duration = .seconds(30)) -> ModelPool {
        ModelPool(
            name: "local",
            members: servers.enumerated().map { i, s in
                let url = down[i].map { "http://127.0.0.1:\($0.port)/v1" } ?? s.baseURL
                return (s.baseURL, OpenAIBackend(config: ModelConfig(name: "local", url: url, maxTokens: 8, timeoutSeconds: 5)))
            },
            pause: pause)
    }

    func ask(_ pool: ModelPool, _ session: String) async throws {
        _ = try await pool.complete(
            ModelRequest(messages: [SessionMessage(role: .user, content: session, tokens: 1)], sessionID: session)
        ) { _ in }
    }

    /// Which server saw each session.
    func seen(_ servers: [StubOpenAIServer]) -> [String: Set<Int>] {
        var out: [String: Set<Int>] = [:]
        for (i, s) in servers.enumerated() {
            for r in s.requests { if let text = r.last?.content { out[text, default: []].insert(i) } }
        }
        return out
    }

    @Test func eachSessionKeepsToOneServerOnEveryNodeAndOnlyADownServersSessionsMove() async throws {
        let servers = try (0..<3).map { _ in try StubOpenAIServer() }
        defer { servers.forEach { $0.stop() } }
        let sessions = (1...30).map { "session-\($0)" }
        let nodeA = pool(servers), nodeB = pool(servers)
        for round in 0..<3 {
            for s in sessions { try await ask(round == 1 ? nodeB : nodeA, s) }
        }
        let before = seen(servers)
        #expect(sessions.allSatisfy { before[$0]?.count == 1 }, "three turns of a session, from two nodes, on one server")
        let homes = sessions.compactMap { before[$0]?.first }
        #expect(Set(homes).count == 3, "the sessions spread over all three servers")

        // The server of session-1 goes down: its sessions move, the others stay.
        let down = try #require(before["session-1"]?.first)
        let closed = try ClosedPort()
        defer { closed.release() }
        let nodeC = pool(servers, down: [down: closed])
        for s in sessions { try await ask(nodeC, s) }
        let after = seen(servers)
        for (s, home) in zip(sessions, homes) {
            let now = after[s]!.subtracting([home])
            if home == down {
                #expect(now.count == 1, "\(s) went on to one other server")
                #expect(
                    now.first
                        == nodeA.preference(for: s).dropFirst().first.flatMap { u in servers.firstIndex { $0.baseURL == u } })
            } else {
                #expect(now.isEmpty, "\(s) stayed on its own server")
            }
        }
    }

    @Test func whenEveryServerIsDownTheTurnSaysTheModelIsUnavailable() async throws {
        let closed = try (0..<2).map { _ in try ClosedPort() }
        let p = ModelPool(
            name: "local",
            members: closed.map { c in
                let url = "http://127.0.0.1:\(c.port)/v1"
                return (url, OpenAIBackend(config: ModelConfig(name: "local", url: url, maxTokens: 8, timeoutSeconds: 5)))
            })
        do {
            try await ask(p, "s")
            Issue.record("a pool with no server up answered")
        } catch let e as ModelError {
            #expect(e.code == .unavailable)
        }
    }

    @Test func aServerThatIsBackGetsItsSessionsBack() async throws {
        let closed = try ClosedPort()
        let other = try StubOpenAIServer()
        defer { other.stop() }
        let key = "http://127.0.0.1:\(closed.port)/v1"
        let p = ModelPool(
            name: "local",
            members: [key, other.baseURL].map {
                ($0, OpenAIBackend(config: ModelConfig(name: "local", url: $0, maxTokens: 8, timeoutSeconds: 5)))
            },
            pause: .milliseconds(1))
        // A session whose first choice is the server that is down.
        let session = try #require((1...200).map { "s\($0)" }.first { p.preference(for: $0).first == key })
        try await ask(p, session)
        #expect(other.requests.count == 1, "while its server is down the session is answered by the other")
        let back = try StubOpenAIServer(port: closed.port)
        closed.release()
        defer { back.stop() }
        try await ask(p, session)
        #expect(back.requests.count == 1, "once it is back the session returns to its own server (its cache)")
    }

    @Test(arguments: [
        ("a", ["http://x/v1", "http://y/v1"]),
        ("session-42", ["http://10.0.0.1:8080/v1", "http://10.0.0.2:8080/v1", "http://10.0.0.3:8080/v1"]),
    ])
    func theOrderIsTheSameWhateverOrderTheConfigListsTheServersIn(session: String, urls: [String]) {
        let a = ModelPool.order(session, urls: urls)
        #expect(a == ModelPool.order(session, urls: urls.reversed()))
        #expect(Set(a) == Set(urls))
    }
}
