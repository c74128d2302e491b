import Foundation

/// Who may talk: approved senders and pairing requests. SQLStore implements it.
public protocol PairingStore: Sendable {
    func isApproved(adapter: AdapterID, senderID: String) async throws -> Bool
    func requestPairing(
        adapter: AdapterID, sender: Sender, conversation: ConversationRef, code: String, now: Date,
        validity: TimeInterval, maxPending: Int
    ) async throws -> PairingOutcome
    func approvePairing(code: String, now: Date) async throws -> PairingRecord?
    func denyPairing(code: String) async throws -> PairingRecord?
    func pairings(now: Date) async throws -> [PairingRecord]
}
