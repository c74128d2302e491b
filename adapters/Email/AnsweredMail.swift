import Foundation
import HeraldCore

/// Mails whose answers have been sent and that still wait for their `\Seen` flag. Sends add
/// to it from the delivery stage; the IMAP loop takes them on its next round. Kept in the
/// adapter's state (one value), so a kill between the send and the flag still flags after a
/// restart.
actor AnsweredMail {
    struct Mail: Hashable, Sendable {
        var validity: String
        var uid: Int
    }

    private(set) var pending: Set<Mail> = []
    private static let key = "answered-unflagged"

    /// Reads what an earlier run left unflagged.
    func load(_ intake: Intake) async throws {
        for item in (try await intake.state(Self.key) ?? "").split(separator: ",") {
            let parts = item.split(separator: ":")
            if parts.count == 2, let uid = Int(parts[1]) { pending.insert(Mail(validity: String(parts[0]), uid: uid)) }
        }
    }

    func add(_ mail: Mail, _ intake: Intake) async throws {
        pending.insert(mail)
        try await save(intake)
    }

    func remove(_ done: Set<Mail>, _ intake: Intake) async throws {
        pending.subtract(done)
        try await save(intake)
    }

    /// The whole set, written from the actor's current value: a save that overtook another
    /// still writes the newest set.
    private func save(_ intake: Intake) async throws {
        let value = pending.sorted { ($0.validity, $0.uid) < ($1.validity, $1.uid) }.map { "\($0.validity):\($0.uid)" }
        try await intake.setState(Self.key, value.isEmpty ? nil : value.joined(separator: ","))
    }
}
