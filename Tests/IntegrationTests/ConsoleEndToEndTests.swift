import Foundation
import HeraldCore
import HeraldStore
import Testing

/// The whole pipeline through the real `herald chat` process and a real llama.cpp server.
@Suite(.serialized) struct ConsoleEndToEndTests {
    @Test(.enabled(if: Peers.llamaCacheEnabled, "needs the llama.cpp peer for the cache test: run `make test`"))
    func threeTurnConversationIsStoredCachedAndAnsweredInOrder() async throws {
        let llama = try Peers.requireLlamaCache()
        let dir = TempDir()
        // Slot 0 of the cache peer is this test's; the compaction test runs on 1 and 2.
        let config = TestConfig.write(in: dir, modelURL: llama + "/v1", slots: [0])
        let herald = try HeraldProcess(["chat", "--config", config, "--session", "e2e", "--no-stream"])
        let turns = ["Hello, who are you?", "Tell me about the sea.", "And about the mountains?"]
        for (i, text) in turns.enumerated() {
            herald.send(text)
            try await herald.waitFor("reply \(i + 1)") { out, _ in out.filter { $0.hasPrefix("herald> ") }.count == i + 1 }
        }
        herald.closeInput()
        #expect(try await herald.waitForExit() == 0)

        let store = try SQLStore(path: dir.file("state/herald.sqlite"))
        let conversation = ConversationRef(platform: .console, account: "e2e", chat: "e2e")
        let session = try await store.activeSession(for: conversation, profile: "default")
        let history = try await store.history(sessionID: session.id, limit: 100)
        #expect(history.map(\.role) == [.user, .assistant, .user, .assistant, .user, .assistant])
        #expect(history.filter { $0.role == .user }.map(\.content) == turns)
        // Replies reached the screen in the order they were stored.
        #expect(herald.replies == history.filter { $0.role == .assistant }.map(\.content))

        let usage = try await store.usage(sessionID: session.id)
        #expect(usage.count == 3)
        #expect(usage.allSatisfy { $0.usage.promptTokens > 0 && $0.usage.completionTokens > 0 })
        // The persona and earlier turns were reused from llama.cpp's prompt cache.
        #expect(usage[1].usage.cachedTokens > 0, "turn 2 cached tokens")
        #expect(usage[2].usage.cachedTokens > usage[1].usage.cachedTokens, "turn 3 reuses more of the prefix")
    }
}
