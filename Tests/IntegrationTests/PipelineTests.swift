import Foundation
import HeraldCore
import HeraldPeers
import HeraldTestSupport
import Testing

/// The gateway in-process on a real SQLite store, against a stub model server on loopback.
@Suite struct PipelineTests {
    @Test(arguments: StoreKind.allCases) func sessionsAreIsolatedAndASlowTurnDoesNotHoldUpAnother(store kind: StoreKind) async throws {
        let gate = StubOpenAIServer.Gate()
        let model = try StubOpenAIServer { messages in
            let last = messages.last { $0.role == "user" }?.content ?? ""
            return last.contains("slow") ? .gated(gate, "slow answer") : .text("echo: " + last)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice", "bob"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)

        try await adapter.receive("slow question about alpha-secret", chat: "A", from: "alice")
        try await adapter.receive("first about beta-secret", chat: "B", from: "bob")
        try await adapter.waitFor("B's first reply while A's model call is held") { $0.contains { $0.message.text == "echo: first about beta-secret" } }
        #expect(adapter.texts(in: "A").isEmpty, "A is still waiting on its slow model call")
        try await adapter.receive("second about beta-secret", chat: "B", from: "bob")
        try await adapter.waitFor("B's second reply") { $0.filter { $0.message.conversation.chat == "B" }.count == 2 }
        gate.open()
        try await adapter.waitFor("A's reply") { $0.contains { $0.message.text == "slow answer" } }
        await h.shutdown()

        #expect(adapter.texts(in: "B") == ["echo: first about beta-secret", "echo: second about beta-secret"])
        for prompt in model.requests {
            let text = prompt.map(\.content).joined(separator: "\n")
            #expect(!(text.contains("alpha-secret") && text.contains("beta-secret")), "a prompt mixed two sessions: \(text)")
        }
        // B's second turn carried B's own history, and only that.
        let second = try #require(model.requests.first { $0.last?.content == "second about beta-secret" })
        #expect(second.map(\.role) == ["system", "user", "assistant", "user"])
    }

    @Test(arguments: StoreKind.allCases) func unknownSenderGetsOnePairingCodeAndReachesNoModelUntilApproved(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)

        try await adapter.receive("hi, here is my secret-plan", chat: "M", from: "mallory")
        try await adapter.waitFor("the pairing notice") { !$0.isEmpty }
        let notice = try #require(adapter.texts(in: "M").first)
        let code = try #require(notice.firstMatch(of: /pairing code is ([A-Z2-9]{8})/)?.1).description
        #expect(!code.contains(where: { "01OI".contains($0) }))
        try await adapter.receive("are you there? secret-plan-2", chat: "M", from: "mallory")
        // Alice's message goes through the same lane machinery; once it is answered, mallory's
        // second message has been handled too (and got no second code).
        try await adapter.receive("hello", chat: "A", from: "alice")
        try await adapter.waitFor("alice's reply") { $0.contains { $0.message.text == "echo: hello" } }
        #expect(model.requests.allSatisfy { !$0.map(\.content).joined().contains("secret-plan") })

        let pending = try await h.store.pairings(now: Date())
        #expect(pending.map(\.code) == [code])
        #expect(try await h.store.approvePairing(code: code, now: Date())?.sender.id == "mallory")
        try await adapter.receive("now approved", chat: "M", from: "mallory")
        try await adapter.waitFor("mallory's first answer") { $0.contains { $0.message.text == "echo: now approved" } }
        await h.shutdown()
        #expect(adapter.texts(in: "M").filter { $0.contains("pairing code") }.count == 1)
        #expect(!model.requests.contains { $0.map(\.content).joined().contains("secret-plan") }, "held messages never reach a model")
    }

    @Test(arguments: StoreKind.allCases) func modelServerDownTellsTheUserKeepsTheMessageAndAnswersWhenBack(store kind: StoreKind) async throws {
        // A port that refuses connections and that no parallel test can take: the model is down.
        let down = try ClosedPort()
        let port = down.port
        var settings = GatewaySettings()
        settings.modelBackoff = Backoff(base: .milliseconds(50), cap: .milliseconds(200))
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: "http://127.0.0.1:\(port)/v1", settings: settings, storeKind: kind)

        try await adapter.receive("are you up?", chat: "A")
        try await adapter.waitFor("the model-down notice") { !$0.isEmpty }
        #expect(adapter.delivered.first?.message.isNotice == true)
        #expect(adapter.texts(in: "A").first?.contains("not reachable") == true)

        let model = try StubOpenAIServer(port: port)
        down.release()
        defer { model.stop() }
        try await adapter.waitFor("the answer once the model is back") { $0.contains { $0.message.text == "echo: are you up?" } }
        await h.shutdown()
        #expect(adapter.texts(in: "A").count == 2, "one notice, one answer")
    }

    @Test(arguments: StoreKind.allCases) func malformedJSONFromTheModelIsSurvivedAndReported(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in
            let last = messages.last { $0.role == "user" }?.content ?? ""
            return last == "break" ? .malformedJSON : .text("echo: " + last)
        }
        defer { model.stop() }
        var settings = GatewaySettings()
        settings.modelBackoff = Backoff(base: .milliseconds(10), cap: .milliseconds(20))
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, settings: settings, storeKind: kind)

        try await adapter.receive("break", chat: "A")
        try await adapter.waitFor("the failure notice") { !$0.isEmpty }
        #expect(adapter.texts(in: "A") == ["Sorry, I could not answer that: the model kept failing (bad_response)."])
        #expect(model.requests.count == settings.badResponseMaxAttempts)
        try await adapter.receive("still alive?", chat: "A")
        try await adapter.waitFor("the next answer") { $0.count == 2 }
        await h.shutdown()
        #expect(adapter.texts(in: "A").last == "echo: still alive?")
    }

    @Test(arguments: StoreKind.allCases) func invalidUTF8FromTheModelIsReplacedNotFatal(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { _ in .invalidUTF8 }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)
        try await adapter.receive("say something odd", chat: "A")
        try await adapter.waitFor("the reply") { !$0.isEmpty }
        await h.shutdown()
        let text = try #require(adapter.texts(in: "A").first)
        #expect(text.hasPrefix("bad "))
        #expect(text.contains("\u{FFFD}"))
    }

    @Test(arguments: StoreKind.allCases) func transientDeliveryFailuresHonourRetryAfterAndPermanentOnesStop(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        adapter.failures.withLock {
            $0 = [DeliveryError(.transient(retryAfter: .milliseconds(300)), "429 Too Many Requests")]
        }
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)
        let started = Date()
        try await adapter.receive("one", chat: "A")
        try await adapter.waitFor("the retried delivery") { !$0.isEmpty }
        #expect(Date().timeIntervalSince(started) >= 0.3, "the retry waited for retry_after")
        #expect(adapter.delivered.count == 1 && adapter.refused.isSet, "refused once, then sent once")

        adapter.failures.withLock { $0 = [DeliveryError(.permanent, "403 Forbidden: bot was blocked by the user")] }
        try await adapter.receive("two", chat: "A")
        try await adapter.receive("three", chat: "A")
        try await adapter.waitFor("the message after the failed one") { $0.contains { $0.message.text == "echo: three" } }
        await h.shutdown()
        #expect(adapter.texts(in: "A") == ["echo: one", "echo: three"], "the blocked reply is failed, not retried")
    }

    @Test(arguments: StoreKind.allCases) func aChunkThePlatformFindsTooLargeIsCutSmallerAndSentWhole(store kind: StoreKind) async throws {
        let words = (1...300).map { "w\($0)" }.joined(separator: " ")
        let model = try StubOpenAIServer(script: { _ in .text(words) })
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        adapter.failures.withLock { $0 = [DeliveryError(.tooLarge, "413 M_TOO_LARGE")] }
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)
        try await adapter.receive("long", chat: "A")
        try await adapter.waitFor("the pieces") { $0.map(\.chunk.plain).joined(separator: " ").hasSuffix("w300") }
        await h.shutdown()
        let pieces = adapter.delivered.map { $0.chunk.plain.trimmingCharacters(in: .whitespaces) }
        #expect(pieces.count >= 2, "the refused chunk went as smaller ones")
        #expect(pieces.joined(separator: " ") == words, "nothing lost or repeated")
        #expect(Set(adapter.delivered.map(\.idempotencyKey)).count == pieces.count, "each piece its own key")
        #expect(try await h.store.outboxCounts() == [.sent: 1])
    }

    @Test(arguments: StoreKind.allCases) func aBackendWithoutPropsNeverGetsASummaryNoticeOnOrdinaryTurns(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in .text("a fairly ordinary answer of a few words " + String(messages.count)) }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: kind)
        // About 600 tokens a turn, well past the profile's history budget: compaction runs, and
        // in the window assumed for a server that does not say, it must succeed quietly.
        let context = String(repeating: "some context about the harbour project and its tiles ", count: 50)
        for turn in 1...8 {
            try await adapter.receive("question number \(turn): \(context)", chat: "A")
            try await adapter.waitFor("answer \(turn)") { $0.filter { !$0.message.isNotice }.count == turn }
        }
        await h.shutdown()
        #expect(adapter.delivered.filter(\.message.isNotice).isEmpty, "no notice: \(adapter.delivered.filter(\.message.isNotice).map(\.message.text))")
    }

    @Test(arguments: [StubOpenAIServer.ContextRefusal.openAI, .llamaCpp])
    func aServerWhoseWindowIsSmallerThanAssumedIsLearnedFromItsRefusalAndEveryTurnAnswered(refusal: StubOpenAIServer.ContextRefusal)
        async throws
    {
        // A server that says nothing of its window until a prompt is over 1,500 tokens.
        let model = try StubOpenAIServer(window: (1_500, refusal)) { messages in .text("noted " + String(messages.count)) }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(adapters: [adapter], modelURL: model.baseURL, storeKind: .memory)
        let context = String(repeating: "tiles for the harbour wall ", count: 22)
        for turn in 1...16 {
            try await adapter.receive("note \(turn): \(context)", chat: "A")
            try await adapter.waitFor("answer \(turn)") { $0.count >= turn }
        }
        await h.shutdown()
        #expect(model.refused >= 1, "the history did outgrow the server's window")
        #expect(model.refused <= 2, "learned once, not refused on every turn: \(model.refused)")
        let memory = try #require(h.store as? InMemoryStore)
        #expect(await memory.failedAttempts() == 0, "a refused prompt is planned again and sent within its turn")
        #expect(adapter.delivered.count == 16 && adapter.delivered.allSatisfy { !$0.message.isNotice }, "\(adapter.delivered.map(\.message.text))")
    }
}
