import Foundation

/// Deny by default. A sender reaches a model only if the adapter trusts everyone (the local
/// console), lists the sender's stable id, or the owner approved the sender's pairing code.
public struct AccessControl: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Not allowed; `reply` (a pairing code notice) goes back once, or nothing at all. A
        /// reply goes to `to` when set (the person's private conversation), never to a group.
        case denied(reply: String?, to: ConversationRef? = nil)
    }

    /// Pairing codes avoid 0/O and 1/I, which people misread.
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    let store: any PairingStore
    let config: AccessConfig

    public init(store: any PairingStore, config: AccessConfig) {
        self.store = store
        self.config = config
    }

    public func check(_ message: InboundMessage, adapter: any ChatAdapter, now: Date = Date()) async throws -> Decision {
        if adapter.trustsEveryone { return .allowed }
        guard adapter.canIdentify(message.sender) else { return .denied(reply: nil) }
        if adapter.allowedSenders.contains(message.sender.id) { return .allowed }
        if try await store.isApproved(adapter: adapter.id, senderID: message.sender.id) { return .allowed }
        // A code is for one person's eyes: in a group it goes to their private conversation,
        // and where the platform has none Herald asks them to write directly.
        let route = message.direct == false ? message.privately : message.conversation
        guard let route else {
            return .denied(reply: "I don't know you yet. Write to me in a direct chat to ask for access.")
        }
        let outcome = try await store.requestPairing(
            adapter: adapter.id, sender: message.sender, conversation: route, code: Self.makeCode(),
            now: now, validity: config.pairingValidity, maxPending: config.maxPendingPairings)
        switch outcome {
        case .issued(let code):
            let minutes = Int(config.pairingValidity / 60)
            return .denied(
                reply: "I don't know you yet, so I can't answer. Your pairing code is \(code). "
                    + "Ask the owner of this Herald to run: herald pair approve \(code) "
                    + "(the code is valid for \(minutes) minutes).",
                to: route == message.conversation ? nil : route)
        case .alreadyPending, .tooMany:
            return .denied(reply: nil)
        }
    }

    /// Eight characters from a 32-letter alphabet: 40 bits, from the system's secure generator.
    public static func makeCode() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }
}
