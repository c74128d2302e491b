import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port whose connections never complete, as a black-holed network looks to a
/// client: it listens with a backlog of zero and fills that backlog itself, so the kernel drops
/// every further SYN and `connect` times out. Nothing is ever sent or answered.
///
/// `@unchecked Sendable`: the descriptors are written once in `init` and closed once in `close`.
public final class BlackHole: @unchecked Sendable {
    private var fds: [Int32] = []

    /// Occupies `port` on 127.0.0.1 (a port a test server just gave up).
    public init(port: Int) throws {
        let listener = try loopbackListener(port: port, backlog: 0)
        var addr = loopbackAddress(port: port)
        fds.append(listener)
        // Fill the accept queue; these are never accepted.
        for _ in 0..<3 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fds.append(c)
        }
    }

    /// Gives the port back.
    public func close() {
        for fd in fds { Glibc.close(fd) }
        fds = []
    }
}
