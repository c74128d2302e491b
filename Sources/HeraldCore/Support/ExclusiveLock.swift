import Foundation

/// An exclusive lock file holding its owner's pid: the gateway's lock on its state directory
/// (one gateway per store, so no message is answered twice), and an adapter's lock on its
/// account (two pollers of one Telegram bot steal each other's updates). The kernel releases
/// it when the process ends, however it ends.
public final class ExclusiveLock: Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `LockError` at once if another process holds it.
    /// - Parameter what: names what the lock guards, for the error ("the state directory X").
    public init(path: String, guarding what: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LockError(message: "cannot open lock file \(path)", holder: nil) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            close(fd)
            throw LockError(message: "another Herald (pid \(holder.map(String.init) ?? "unknown")) is running on \(what)", holder: holder)
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
        self.path = path
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// A lock another process holds.
public struct LockError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The pid written in the lock file by its holder.
    public var holder: Int32?
    public var description: String { message }
}
