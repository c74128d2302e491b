import CCurl
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A line-oriented TCP or TLS stream over libcurl (CONNECT_ONLY with curl_easy_send/recv), for
/// IRC and IMAP. One thread owns the curl handle and does all I/O: it waits on the socket and
/// on a wake-up pipe with poll(2), so it uses no CPU while the link is quiet.
public final class LineConnection: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var tls: Bool
        public var verifyTLS = true
        public var caFile: String?
        public var connectTimeout: Duration = .seconds(15)
        /// A line longer than this (without its end) is cut off there; IRC allows 8 KB with tags.
        public var maxLine = 16 << 10
        /// `.raw` hands over bytes as they arrive, for protocols with their own framing (IMAP
        /// literals may hold line ends).
        public var framing = Framing.lines
        /// A libcurl protocol that logs in during connect: `imap` (with `requireTLS`, STARTTLS
        /// before login) or `imaps`. libcurl then speaks the greeting, capabilities and
        /// AUTHENTICATE itself, and the stream starts on a logged-in session. nil: a bare stream.
        public var loginScheme: String?
        public var username: String?
        public var password: String?
        /// Refuses to go on without TLS (STARTTLS for `imap`).
        public var requireTLS = false

        public init(host: String, port: Int, tls: Bool) {
            self.host = host
            self.port = port
            self.tls = tls
        }
    }

    public enum Framing: Sendable { case lines, raw }

    /// Lines as received, without CR LF, as raw bytes (the protocol decides the encoding); with
    /// `.raw` framing, chunks as received.
    public let lines: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    // The curl handle and socket are used only on the I/O thread (and by deinit after it ended).
    private nonisolated(unsafe) let easy: UnsafeMutableRawPointer
    private let socket: Int32
    private let wake: (read: Int32, write: Int32)
    private let outgoing = Mutex<(queue: [(Data, CheckedContinuation<Void, any Error>)], closed: Bool)>(([], false))
    private let done = Mutex(false)

    /// Connects (and completes the TLS handshake) before returning.
    public init(_ options: Options) async throws {
        guard let easy = curl_easy_init() else { throw HTTPError(.transport, "curl_easy_init failed") }
        // CONNECT_ONLY stops after the connection (and, for https, the TLS handshake): no HTTP is spoken.
        if let scheme = options.loginScheme {
            ccurl_setopt_str(easy, CURLOPT_URL, "\(scheme)://\(options.host):\(options.port)/")
            ccurl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "imap,imaps")
            if let u = options.username { ccurl_setopt_str(easy, CURLOPT_USERNAME, u) }
            if let p = options.password { ccurl_setopt_str(easy, CURLOPT_PASSWORD, p) }
            if options.requireTLS { ccurl_setopt_long(easy, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        } else {
            ccurl_setopt_str(easy, CURLOPT_URL, "\(options.tls ? "https" : "http")://\(options.host):\(options.port)/")
        }
        ccurl_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.milliseconds)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, options.verifyTLS ? 1 : 0)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, options.verifyTLS ? 2 : 0)
        if let ca = options.caFile { ccurl_setopt_str(easy, CURLOPT_CAINFO, ca) }
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        let code: CURLcode = await withCheckedContinuation { c in
            // curl_easy_perform blocks for the connect: keep it off the cooperative pool.
            let handle = UncheckedBox(easy)
            Thread.detachNewThread { c.resume(returning: curl_easy_perform(handle.value)) }
        }
        guard code == CURLE_OK else {
            curl_easy_cleanup(easy)
            throw httpError(for: code)
        }
        var sock: curl_socket_t = -1
        ccurl_getinfo_socket(easy, CURLINFO_ACTIVESOCKET, &sock)
        var fds: [Int32] = [0, 0]
        guard sock >= 0, pipe(&fds) == 0 else {
            curl_easy_cleanup(easy)
            throw HTTPError(.transport, "no socket after connecting")
        }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        self.easy = easy
        self.socket = sock
        self.wake = (fds[0], fds[1])
        (lines, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
        let maxLine = options.maxLine
        let raw = options.framing == .raw
        let me = UncheckedBox(self)
        let thread = Thread { me.value.ioLoop(maxLine: maxLine, raw: raw) }
        thread.name = "herald-line-io"
        thread.start()
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    /// Writes `data` (the caller adds CR LF); returns once it is handed to the kernel.
    public func send(_ data: Data) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let closed = outgoing.withLock { o -> Bool in
                if o.closed { return true }
                o.queue.append((data, c))
                return false
            }
            if closed { return c.resume(throwing: HTTPError(.transport, "the connection is closed")) }
            ring()
        }
    }

    /// Closes the connection; `lines` ends and pending sends fail.
    public func shutdown() {
        outgoing.withLock { $0.closed = true }
        ring()
    }

    private func ring() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func ioLoop(maxLine: Int, raw: Bool) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var failure: (any Error)?
        loop: while true {
            // Send what is queued.
            let (queue, closed) = outgoing.withLock { o -> ([(Data, CheckedContinuation<Void, any Error>)], Bool) in
                defer { o.queue = [] }
                return (o.queue, o.closed)
            }
            for (i, (data, c)) in queue.enumerated() {
                if let error = sendAll(data) {
                    c.resume(throwing: error)
                    for (_, rest) in queue.dropFirst(i + 1) { rest.resume(throwing: error) }
                    failure = error
                    break loop
                }
                c.resume()
            }
            if closed { break }
            // Wait for input or a wake-up.
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, -1)
            if fds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                while read(wake.read, &sink, sink.count) > 0 {}
            }
            guard fds[0].revents != 0 else { continue }
            // Drain everything readable, including what TLS has buffered.
            while true {
                var n = 0
                let rc = chunk.withUnsafeMutableBytes { curl_easy_recv(easy, $0.baseAddress, $0.count, &n) }
                if rc == CURLE_AGAIN { break }
                if rc != CURLE_OK {
                    failure = HTTPError(.transport, String(cString: curl_easy_strerror(rc)))
                    break loop
                }
                if n == 0 {
                    failure = HTTPError(.transport, "the server closed the connection")
                    break loop
                }
                if raw {
                    continuation.yield(Data(chunk[0..<n]))
                    continue
                }
                buffer.append(contentsOf: chunk[0..<n])
                while let nl = buffer.firstIndex(of: 0x0A) {
                    var line = buffer[buffer.startIndex..<nl]
                    if line.last == 0x0D { line = line.dropLast() }
                    continuation.yield(Data(line.prefix(maxLine)))
                    buffer.removeSubrange(buffer.startIndex...nl)
                }
                if buffer.count > maxLine * 2 { buffer.removeAll() }  // a peer that never ends its line
            }
        }
        outgoing.withLock { o in
            o.closed = true
            for (_, c) in o.queue { c.resume(throwing: HTTPError(.transport, "the connection is closed")) }
            o.queue = []
        }
        // Closes the socket now, not when the last reference goes: the peer must see us leave.
        curl_easy_cleanup(easy)
        continuation.finish(throwing: failure)
    }

    private func sendAll(_ data: Data) -> (any Error)? {
        var offset = 0
        while offset < data.count {
            var n = 0
            let rc = data.withUnsafeBytes { raw in curl_easy_send(easy, raw.baseAddress! + offset, data.count - offset, &n) }
            if rc == CURLE_AGAIN {
                var fd = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                if poll(&fd, 1, 10_000) == 0 { return HTTPError(.timedOut, "the connection did not take data for 10 s") }
                continue
            }
            if rc != CURLE_OK { return HTTPError(.transport, String(cString: curl_easy_strerror(rc))) }
            offset += n
        }
        return nil
    }
}

/// Carries a value the compiler cannot prove Sendable across a thread start; each use site says
/// why the hand-over is safe (the receiving thread is the only user from then on).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
