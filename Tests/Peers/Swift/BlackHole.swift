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
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 0) == 0 else {
            Glibc.close(listener)
            throw StubError("black hole: bind/listen on port \(port) failed: errno \(errno)")
        }
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
