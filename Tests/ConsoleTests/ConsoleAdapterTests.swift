import Foundation
import HeraldCore
import Synchronization
import Testing

@testable import HeraldConsole

@Suite struct ConsoleAdapterTests {
    final class Screen: Sendable {
        let text = Mutex("")
        var contents: String { text.withLock { $0 } }
        func write(_ s: String) { text.withLock { $0 += s } }
    }

    func entry(_ text: String, inbox: Int64?, notice: Bool = false, adapter: ConsoleAdapter) -> OutgoingChunk {
        let message = OutboundMessage(conversation: adapter.conversation, text: text, inboxID: inbox, isNotice: notice)
        let chunks = ChunkPlanner.plan(text, capabilities: adapter.capabilities, limit: adapter.messageLimit(for: adapter.conversation))
        return OutgoingChunk(outboxID: 1, message: message, index: 0, count: chunks.count, chunk: chunks[0])
    }

    @Test func streamedRepliesAreNotPrintedTwice() async throws {
        let screen = Screen()
        let console = ConsoleAdapter(session: "s", stream: true, input: { AsyncStream { $0.finish() } }, output: screen.write)
        await console.draft("Hel", for: 7, in: console.conversation)
        await console.draft("lo", for: 7, in: console.conversation)
        _ = try await console.send(entry("Hello", inbox: 7, adapter: console))
        #expect(screen.contents == "herald> Hello\n")
        // A reply whose stream was not seen (after a restart) is printed whole.
        _ = try await console.send(entry("Again", inbox: 8, adapter: console))
        #expect(screen.contents == "herald> Hello\nherald> Again\n")
    }

    @Test func noticesAndMultiLineRepliesAreSetOff() async throws {
        let screen = Screen()
        let console = ConsoleAdapter(session: "s", stream: false, input: { AsyncStream { $0.finish() } }, output: screen.write)
        _ = try await console.send(entry("one\ntwo", inbox: nil, adapter: console))
        _ = try await console.send(entry("model is down", inbox: nil, notice: true, adapter: console))
        #expect(screen.contents == "herald> one\n        two\nherald· model is down\n")
    }

    @Test func eachTypedLineIsOneOwnerMessageInThisSession() {
        let console = ConsoleAdapter(session: "work", input: { AsyncStream { $0.finish() } }, output: { _ in })
        #expect(console.trustsEveryone)
        #expect(console.id == AdapterID(platform: .console, account: "work"))
        #expect(console.conversation == ConversationRef(platform: .console, account: "work", chat: "work"))
    }
}
