import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Synchronization
import Testing

/// How the gateway starts and stops through the real `herald chat` process: a stop never
/// spins, EOF answers every line, and a message that kills the process is set aside.
@Suite(.serialized) struct GatewayLifecycleTests {
    @Test func eofWithTheModelDownKeepsTheMessageAndExitsWithoutSpinning() async throws {
        let down = Mutex(true)
        let model = try StubOpenAIServer { messages in
            down.withLock { $0 } ? .status(503) : .text("echo: " + (messages.last?.content ?? ""))
        }
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)
        let first = try HeraldProcess(["chat", "--config", config, "--no-stream"])
        first.send("hello")
        first.closeInput()
        #expect(try await first.waitForExit(seconds: 30) == 0)
        #expect(first.stdout.joined().contains("not reachable"), "the person was told")
        #expect(first.stderr.contains { $0.contains("kept for the next start: 1 message(s)") }, "and told it is kept")
        #expect(model.requests.count <= 3, "a handful of attempts, not a spin: \(model.requests.count)")
        let store = try SQLStore(path: dir.file("state/herald.sqlite"))
        #expect(try await store.inboxCounts() == ["pending": 1], "the message is kept")

        down.withLock { $0 = false }
        let second = try HeraldProcess(["chat", "--config", config, "--no-stream"])
        second.closeInput()
        #expect(try await second.waitForExit(seconds: 30) == 0)
        #expect(second.replies == ["echo: hello"], "answered at the next start")
        #expect(!model.requests.last!.map(\.content).joined().contains("interrupted"), "a clean stop is not a crash")
    }

    @Test(.enabled(if: Peers.llamaEnabled, "needs the llama.cpp peer: run `make test`"))
    func everyLineGivenBeforeEOFIsAnswered() async throws {
        let llama = try Peers.requireLlama()
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: llama + "/v1", maxTokens: 4)
        var unanswered: [Int] = []
        for run in 1...200 {
            let chat = try HeraldProcess(["chat", "--config", config, "--no-stream", "--session", "s\(run)"])
            chat.send("question \(run)")
            chat.closeInput()
            #expect(try await chat.waitForExit(seconds: 60) == 0)
            if chat.replies.count != 1 { unanswered.append(run) }
        }
        #expect(unanswered.isEmpty, "runs whose answer was not printed: \(unanswered)")
    }

    @Test func aMessageThatKillsTheProcessEveryTimeIsSetAsideAndThePersonToldOnce() async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)
        for start in 1...3 {
            let p = try HeraldProcess(
                ["chat", "--config", config, "--no-stream", "--session", "doom"], environment: ["HERALD_FAULT_POINT": "inbound-committed"])
            if start == 1 { p.send("the poisoned message") }
            try await p.waitFor("the fault point, start \(start)") { _, err in err.contains("FAULT inbound-committed") }
            p.kill9()
            _ = try await p.waitForExit()
        }
        let last = try HeraldProcess(["chat", "--config", config, "--no-stream", "--session", "doom"])
        last.closeInput()
        #expect(try await last.waitForExit(seconds: 30) == 0)
        #expect(last.stdout.filter { $0.contains("set your message aside") }.count == 1, "\(last.stdout)")
        #expect(model.requests.isEmpty, "never given to the model again")
        let store = try SQLStore(path: dir.file("state/herald.sqlite"))
        #expect(try await store.inboxCounts() == ["failed": 1])
    }
}
