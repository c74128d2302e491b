import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// The real `herald` process is killed with SIGKILL at named points; after a restart each
/// inbound message is processed once and exactly one reply is delivered.
@Suite(.serialized) struct CrashSafetyTests {
    @Test(arguments: ["inbound-committed", "delivery-started"])
    func killedProcessLosesNothingAndRepliesOnce(point: String) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)

        let first = try HeraldProcess(
            ["chat", "--config", config, "--session", "crash", "--no-stream"],
            environment: ["HERALD_FAULT_POINT": point])
        first.send("remember the lighthouse")
        try await first.waitFor("the fault point \(point)") { _, err in err.contains("FAULT \(point)") }
        first.kill9()
        _ = try await first.waitForExit()
        #expect(first.replies.isEmpty, "nothing was delivered before the kill")

        // Restart with no new input: the pending work is finished, then the chat ends.
        let second = try HeraldProcess(["chat", "--config", config, "--session", "crash", "--no-stream"])
        second.closeInput()
        #expect(try await second.waitForExit() == 0)
        if point == "inbound-committed" {
            // The re-run turn tells the model its earlier attempt was cut short.
            #expect(second.replies.count == 1 && second.stdout.joined().contains("remember the lighthouse"))
            #expect(model.requests.last?.last?.content.contains("interrupted by a restart") == true)
        } else {
            #expect(second.replies == ["echo: remember the lighthouse"])
        }

        let store = try SQLStore(path: dir.file("state/herald.sqlite"))
        #expect(try await store.inboxCounts() == ["done": 1])
        #expect(try await store.outboxCounts() == [.sent: 1])
        let asked = model.requests.filter { $0.last?.content.hasSuffix("remember the lighthouse") == true }
        #expect(asked.count == 1, "the model was asked once")
        let session = try await store.activeSession(
            for: ConversationRef(platform: .console, account: "crash", chat: "crash"), profile: "default")
        #expect(try await store.history(sessionID: session.id, limit: 10).count == 2)
    }
}
