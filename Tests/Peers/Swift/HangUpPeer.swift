import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port that accepts each connection and closes it at once, as a server that is
/// restarting does to a TLS handshake under way.
///
/// `@unchecked Sendable`: the descriptor is written once in `init` and closed once in `stop`.
public final class HangUpPeer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let listener = try loopbackListener(port: 0, backlog: 16)
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        fd = listener
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread {
            defer { close(listener) }  // here, not in stop: the number must not be reused under this thread
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                close(c)
            }
        }.start()
    }

    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
