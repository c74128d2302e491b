import Foundation
import HeraldCore
import Synchronization

/// The terminal: its owner's own chat with Herald, through the same durable pipeline as every
/// platform. Each `--session` name is its own conversation. Trusted: it is the owner.
public final class ConsoleAdapter: ChatAdapter {
    public let id: AdapterID
    public let capabilities: AdapterCapabilities
    public var trustsEveryone: Bool { true }

    private let session: String
    private let label: String
    private let input: @Sendable () -> AsyncStream<String>
    private let output: @Sendable (String) -> Void
    /// Inbox ids whose reply is being (or was) streamed to the screen, so the final delivery
    /// only ends the line instead of printing the reply twice.
    private let streamed = Mutex<Set<Int64>>([])

    /// - Parameters:
    ///   - session: the conversation name (`herald chat --session NAME`).
    ///   - stream: show tokens as the model writes them.
    ///   - input: lines typed by the owner; the adapter ends when it ends.
    ///   - output: where text for the screen goes.
    public init(
        session: String = "main", label: String = "herald", stream: Bool = true,
        input: @escaping @Sendable () -> AsyncStream<String> = ConsoleAdapter.standardInputLines,
        output: @escaping @Sendable (String) -> Void = ConsoleAdapter.writeStandardOutput
    ) {
        self.session = session
        self.label = label
        self.id = AdapterID(platform: .console, account: session)
        self.capabilities = AdapterCapabilities(
            maxMessageLength: .max, lengthUnit: .characters, dialect: .markdown, streaming: stream)
        self.input = input
        self.output = output
    }

    /// The conversation this console speaks in.
    public var conversation: ConversationRef { ConversationRef(platform: .console, account: session, chat: session) }

    public func run(intake: Intake) async throws {
        let owner = Sender(id: "owner", displayName: ProcessInfo.processInfo.environment["USER"] ?? "owner")
        for await line in input() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            // The console has no platform event ids: a fresh UUID makes each line one event.
            let message = InboundMessage(
                conversation: conversation, sender: owner, eventID: UUID().uuidString, text: text, direct: true)
            try await intake.commit([message])
        }
    }

    public func send(_ chunk: OutgoingChunk) async throws -> String? {
        let m = chunk.message
        let wasStreamed = m.inboxID.map { id in streamed.withLock { $0.remove(id) != nil } } ?? false
        if wasStreamed && !m.isNotice {
            output("\n")
        } else {
            let prefix = m.isNotice ? "\(label)· " : "\(label)> "
            let indent = String(repeating: " ", count: prefix.count)
            output(prefix + chunk.chunk.text.replacingOccurrences(of: "\n", with: "\n" + indent) + "\n")
        }
        return "console-\(chunk.outboxID)"
    }

    public func draft(_ delta: String, for inboxID: Int64, in conversation: ConversationRef) async {
        let first = streamed.withLock { $0.insert(inboxID).inserted }
        output((first ? "\(label)> " : "") + delta)
    }

    // MARK: - Standard input and output

    /// Lines from standard input, read on their own thread; ends at EOF.
    public static let standardInputLines: @Sendable () -> AsyncStream<String> = {
        AsyncStream { continuation in
            let t = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            t.start()
        }
    }

    private static let stdoutLock = Mutex(FileHandle.standardOutput)

    public static let writeStandardOutput: @Sendable (String) -> Void = { text in
        stdoutLock.withLock { $0.write(Data(text.utf8)) }
    }
}
