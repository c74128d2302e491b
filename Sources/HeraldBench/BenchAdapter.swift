import Foundation
import HeraldCore
import Synchronization

/// An adapter for measurements: it commits messages through the real Intake and resumes a
/// waiter when the echo of each message is delivered.
final class BenchAdapter: ChatAdapter {
    let id = AdapterID(platform: Platform("bench"), account: "bench")
    let capabilities = AdapterCapabilities(maxMessageLength: 4096, lengthUnit: .utf16, dialect: .plain)
    let allowedSenders: Set<String> = ["user"]
    private let intake = Mutex<Intake?>(nil)
    private let ready = Latch()
    private let waiters = Mutex<[String: CheckedContinuation<Void, Never>]>([:])

    func run(intake: Intake) async throws {
        self.intake.withLock { $0 = intake }
        ready.set()
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Sends `text` in conversation `chat` and returns when its reply has been delivered.
    func roundTrip(_ text: String, chat: String) async throws {
        await ready.wait()
        let intake = self.intake.withLock { $0 }!
        let message = InboundMessage(
            conversation: ConversationRef(platform: id.platform, account: id.account, chat: chat),
            sender: Sender(id: "user", displayName: "user"), eventID: UUID().uuidString, text: text)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiters.withLock { $0["echo: " + text] = c }
            Task {
                do { try await intake.commit([message]) } catch { self.fail("echo: " + text) }
            }
        }
    }

    private func fail(_ key: String) { waiters.withLock { $0.removeValue(forKey: key) }?.resume() }

    func deliver(_ entry: OutboxEntry) async throws -> DeliveryReceipt {
        waiters.withLock { $0.removeValue(forKey: entry.message.text) }?.resume()
        return DeliveryReceipt(platformMessageIDs: ["\(entry.id)"])
    }
}
