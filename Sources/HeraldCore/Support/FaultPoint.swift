import Foundation

/// Named points where the crash-safety tests kill Herald. When `HERALD_FAULT_POINT` names a
/// point, reaching it prints "FAULT <name>" to standard error and blocks until the process is
/// killed, so a test can SIGKILL it at exactly that moment. Unset in normal use: one
/// dictionary lookup, taken once.
public enum FaultPoint: String, Sendable {
    /// The inbound message is committed; the model has not been called.
    case inboundCommitted = "inbound-committed"
    /// The first chunk of an outbox row is marked on the wire; the adapter has not been called.
    case deliveryStarted = "delivery-started"
    /// The platform accepted a chunk; its acknowledgement is not recorded yet (a lost response).
    case deliverySent = "delivery-sent"
    /// The first chunk of a reply of several was acknowledged and recorded; the rest are not sent.
    case chunkRecorded = "chunk-recorded"
    /// Telegram's getUpdates returned updates; they are not committed yet.
    case telegramUpdatesFetched = "telegram-updates-fetched"

    private static let armed: String? = ProcessInfo.processInfo.environment["HERALD_FAULT_POINT"]

    public func hit() {
        guard let armed = Self.armed, armed == rawValue else { return }
        FileHandle.standardError.write(Data("FAULT \(rawValue)\n".utf8))
        while true { sleep(60) }
    }
}
