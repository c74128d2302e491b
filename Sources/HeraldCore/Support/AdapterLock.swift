import Foundation

/// An exclusive lock file, so two Herald processes never run the same adapter account (two
/// pollers of one Telegram bot steal each other's updates). The kernel releases it when the
/// process ends, however it ends.
public final class AdapterLock: Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws at once if another process holds it.
    public init(path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LockError(message: "cannot open lock file \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw LockError(message: "another Herald process holds \(path); refusing to run the same adapter twice")
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

public struct LockError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
