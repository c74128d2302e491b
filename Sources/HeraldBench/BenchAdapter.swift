import Foundation
import HeraldCore
import Synchronization

/// An adapter for measurements: it commits messages through the real Intake and resumes the
/// conversation's waiter when its reply is delivered (each conversation has at most one message
/// in flight; notices, such as a failed summary, do not end a round trip).
final class BenchAdapter: ChatAdapter {
    let id: AdapterID
    let capabilities = AdapterCapabilities(maxMessageLength: 1 << 20, lengthUnit: .utf16, dialect: .plain)
    let allowedSenders: Set<String> = ["user"]
    private let intake = Mutex<Intake?>(nil)
    private let ready = Latch()
    private let waiters = Mutex<[String: CheckedContinuation<Void, Never>]>([:])

    init(account: String = "bench") { id = AdapterID(platform: Platform("bench"), account: account) }

    func run(intake: Intake) async throws {
        self.intake.withLock { $0 = intake }
        ready.set()
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Sends `text` in conversation `chat` and returns when its reply has been delivered.
    func roundTrip(_ text: String, chat: String, direct: Bool? = nil) async throws {
        await ready.wait()
        let intake = self.intake.withLock { $0 }!
        let message = InboundMessage(
            conversation: ConversationRef(platform: id.platform, account: id.account, chat: chat),
            sender: Sender(id: "user", displayName: "user"), eventID: UUID().uuidString, text: text, direct: direct)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiters.withLock { $0[chat] = c }
            Task {
                do { try await intake.commit([message]) } catch { self.resume(chat) }
            }
        }
    }

    private func resume(_ chat: String) { waiters.withLock { $0.removeValue(forKey: chat) }?.resume() }

    func send(_ entry: OutgoingChunk) async throws -> String? {
        if !entry.message.isNotice { resume(entry.message.conversation.chat) }
        return "\(entry.outboxID)"
    }
}
