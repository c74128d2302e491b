import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small blocking HTTP/1.1 server on 127.0.0.1 for tests and benchmarks: one thread accepts,
/// one thread serves each connection, keep-alive honoured. It speaks just enough HTTP for
/// libcurl: Content-Length request bodies, Content-Length or close-delimited responses.
///
/// `@unchecked Sendable`: the listening socket is written once in `init` and closed in `stop`;
/// everything mutable is behind `state`.
public final class StubHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: Data
    }

    /// What to send back.
    public enum Response: Sendable {
        /// A complete response with Content-Length.
        case full(status: Int, contentType: String, body: Data)
        /// A `text/event-stream` written chunk by chunk, then the connection closes.
        case stream(status: Int, chunks: [Data], delay: Duration)
        /// Raw bytes written as they are, then the connection closes.
        case raw(Data)
        /// A redirect (302) to `location`.
        case redirect(String)
    }

    public typealias Handler = @Sendable (Request) -> Response

    public let port: Int
    private let listenFD: Int32
    private let handler: Handler
    private let state = Mutex<(stopped: Bool, clients: Set<Int32>, paused: Bool, plugs: [Int32])>((false, [], false, []))
    /// Signalled by the accept thread once it has seen a pause (it is out of `accept`).
    private let pauseSeen = DispatchSemaphore(value: 0)
    /// Signalled once the accept thread has closed the listening socket.
    private let acceptDone = DispatchSemaphore(value: 0)

    /// Starts listening on 127.0.0.1 (`port` 0 picks a free one).
    public init(port: Int = 0, handler: @escaping Handler) throws {
        signal(SIGPIPE, SIG_IGN)
        let fd = try loopbackListener(port: port, backlog: 1024)
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        self.listenFD = fd
        self.handler = handler
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting and closes every open connection, as a crashed server would.
    public func stop() {
        restore()
        let (wasStopped, clients) = state.withLock { s -> (Bool, Set<Int32>) in
            defer { s.stopped = true }
            return (s.stopped, s.clients)
        }
        guard !wasStopped else { return }
        // Only shut down here: the accept thread closes the descriptor when it leaves. Closing it
        // here let the number be reused by the next test's server while this thread was about
        // to call accept on it again, and it took (and answered, or dropped) that server's
        // connections: seen as a stray "echo" or a refused connection in an unrelated test.
        shutdown(listenFD, Int32(SHUT_RDWR))
        for c in clients { shutdown(c, Int32(SHUT_RDWR)) }
        // The port is free when this returns (a test may take it over at once).
        _ = acceptDone.wait(timeout: .now() + 5)
    }

    /// Makes the server a black hole without giving up its port: it stops accepting, its
    /// accept queue shrinks to nothing and is filled by connections of its own, so the kernel
    /// drops every further SYN and a client's `connect` times out, as on a black-holed network.
    /// (Handing the port to another socket instead could lose it to any socket in between.)
    public func blackHole() {
        let first = state.withLock { s -> Bool in
            defer { s.paused = true }
            return !s.paused
        }
        guard first else { return }
        _ = pauseSeen.wait(timeout: .now() + 5)
        // Kept-alive connections end too: a client must connect again, into the hole.
        for c in state.withLock({ $0.clients }) { shutdown(c, Int32(SHUT_RDWR)) }
        listen(listenFD, 0)
        var addr = loopbackAddress(port: port)
        var plugs: [Int32] = []
        for _ in 0..<3 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            plugs.append(c)
        }
        state.withLock { $0.plugs = plugs }
    }

    /// Ends `blackHole`: the queue is its normal size again and connections are served.
    public func restore() {
        let plugs = state.withLock { s -> [Int32]? in
            guard s.paused else { return nil }
            defer { s.plugs = [] }
            return s.plugs
        }
        guard let plugs else { return }
        for p in plugs { close(p) }
        listen(listenFD, 1024)
        state.withLock { $0.paused = false }
    }

    private func acceptLoop() {
        defer {
            close(listenFD)
            acceptDone.signal()
        }
        var sawPause = false
        while true {
            let (stopped, paused) = state.withLock { ($0.stopped, $0.paused) }
            if stopped { return }
            if paused {
                if !sawPause { pauseSeen.signal() }
                sawPause = true
                usleep(10_000)
                continue
            }
            sawPause = false
            // Wait with a timeout, so a pause is seen without an `accept` in progress.
            var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 50)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            if state.withLock({ $0.paused }) { continue }
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if state.withLock({ $0.stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            var one: Int32 = 1
            setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            // A connection accepted while `stop` ran must not outlive the server: a kept-alive
            // connection to a stopped server would answer the next test that gets this port.
            let admitted = state.withLock { s -> Bool in
                if s.stopped { return false }
                s.clients.insert(c)
                return true
            }
            guard admitted else {
                close(c)
                return
            }
            let t = Thread { [self] in serve(c) }
            t.stackSize = 256 << 10
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.clients.remove(fd) }
            close(fd)
        }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read until the end of the headers.
            var headerEnd: Int? = nil
            while headerEnd == nil {
                if let r = find(buffer, [13, 10, 13, 10]) {
                    headerEnd = r
                    break
                }
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count >= 2 else { return }
            var headers: [String: String] = [:]
            for l in lines {
                if let colon = l.firstIndex(of: ":") {
                    headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyStart = headerEnd! + 4
            while buffer.count < bodyStart + length {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
            }
            if state.withLock({ $0.stopped }) { return }  // stopped: never answer again
            let body = Data(buffer[bodyStart..<(bodyStart + length)])
            buffer.removeFirst(bodyStart + length)
            let request = Request(
                method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
            switch handler(request) {
            case .full(let status, let type, let body):
                let h = "HTTP/1.1 \(status) X\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n\r\n"
                if !write(fd, Data(h.utf8) + body) { return }
            case .stream(let status, let chunks, let delay):
                let h = "HTTP/1.1 \(status) X\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                if !write(fd, Data(h.utf8)) { return }
                for c in chunks {
                    if delay > .zero { Thread.sleep(forTimeInterval: delay.seconds) }
                    if !write(fd, c) { return }
                }
                return
            case .raw(let data):
                _ = write(fd, data)
                return
            case .redirect(let location):
                let h = "HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\n\r\n"
                if !write(fd, Data(h.utf8)) { return }
            }
        }
    }

    private func write(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if Array(hay[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

public struct StubError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}

/// A listening TCP socket on 127.0.0.1:`port` (0 picks a free one), SO_REUSEADDR set.
func loopbackListener(port: Int, backlog: Int32) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw StubError("socket failed") }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var addr = loopbackAddress(port: port)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(fd, backlog) == 0 else {
        close(fd)
        throw StubError("bind/listen on port \(port) failed: errno \(errno)")
    }
    return fd
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return addr
}
