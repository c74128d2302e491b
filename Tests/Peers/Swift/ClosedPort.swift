import Foundation
import Synchronization

/// A loopback port that refuses every connection (a server that is down) and that no other
/// test can take meanwhile: a TCP socket bound to it without listening. Stopping a server and
/// reusing its port later races every other test binding port 0; this does not. The server
/// that comes back binds the port while it is still held (both sockets set SO_REUSEADDR and
/// this one never listens), and only then is it released: no moment is left for anyone else.
public final class ClosedPort: Sendable {
    public let port: Int
    private let fd: Int32
    private let open = Mutex(true)

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard fd >= 0, bound == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Gives the port up, once the server that came back is listening on it.
    public func release() {
        if open.withLock({ o in
            defer { o = false }; return o
        }) {
            close(fd)
        }
    }

    deinit { release() }
}
