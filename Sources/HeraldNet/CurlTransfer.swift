import CCurl
import Foundation
import Synchronization

/// One HTTP transfer: an easy handle plus the continuations that hand its head and body to Swift.
///
/// `@unchecked Sendable`: the easy handle and the header parsing state are touched only on the
/// CurlMulti driver thread (setup happens before it is handed over); the continuations are
/// resumed through `state`, a Mutex, so each resumes exactly once.
final class CurlTransfer: @unchecked Sendable {
    private struct State {
        var head: CheckedContinuation<HTTPResponseHead, any Error>?
        var headDelivered = false
        var cancelled = false
        var finished = false
    }

    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let body: AsyncThrowingStream<Data, any Error>.Continuation
    private let state = Mutex(State())
    // Driver thread only.
    private var status = 0
    private var headers = HTTPHeaders()

    init(_ request: HTTPRequest, body: AsyncThrowingStream<Data, any Error>.Continuation) throws {
        guard let easy = curl_easy_init() else { throw HTTPError(.transport, "curl_easy_init failed") }
        self.easy = easy
        self.body = body
        ccurl_setopt_str(easy, CURLOPT_URL, request.url)
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds)
        if let total = request.timeout { ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, total.milliseconds) }
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, request.verifyTLS ? 1 : 0)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, request.verifyTLS ? 2 : 0)
        if let ca = request.caFile { ccurl_setopt_str(easy, CURLOPT_CAINFO, ca) }
        ccurl_setopt_str(easy, CURLOPT_ACCEPT_ENCODING, "")
        // Keep-alive probes notice a dead peer under a long poll that never times out.
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if !request.replayable { ccurl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1) }
        // Only the web: never file://, gopher:// or the rest libcurl knows, even on a redirect.
        ccurl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_setopt_str(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        if !request.resolve.isEmpty {
            var pins: UnsafeMutablePointer<curl_slist>? = nil
            for r in request.resolve { pins = curl_slist_append(pins, r) }
            resolveList = pins
            ccurl_setopt_slist(easy, CURLOPT_RESOLVE, pins)
        }
        switch request.method {
        case "GET": break
        case "HEAD": ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        default: ccurl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let data = request.body {
            ccurl_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(data.count))
            data.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies now, so the Data need not outlive this call.
                _ = ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers {
            let clean = value.filter { $0 != "\r" && $0 != "\n" }
            list = curl_slist_append(list, "\(name): \(clean)")
        }
        // Suppress "Expect: 100-continue", which costs a round trip on every POST body.
        list = curl_slist_append(list, "Expect:")
        headerList = list
        ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        let me = Unmanaged.passRetained(self).toOpaque()
        ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
        ccurl_setopt_datafn(easy, CURLOPT_WRITEFUNCTION) { ptr, size, count, user in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            t.deliverHead()
            if n > 0, let ptr { t.body.yield(Data(bytes: ptr, count: n)) }
            return n
        }
        ccurl_setopt_datafn(easy, CURLOPT_HEADERFUNCTION) { ptr, size, count, user in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr { t.headerLine(UnsafeRawBufferPointer(start: ptr, count: n)) }
            return n
        }
    }

    func setHeadContinuation(_ c: CheckedContinuation<HTTPResponseHead, any Error>) {
        state.withLock { $0.head = c }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Returns false if the transfer was already cancelled or finished.
    func markCancelled() -> Bool {
        state.withLock { s in
            if s.cancelled || s.finished { return false }
            s.cancelled = true
            return true
        }
    }

    private func headerLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new header block (after 100 Continue or a redirect).
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HTTPHeaders()
        } else if line.isEmpty {
            if status >= 200 { deliverHead() }
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(name: name, value: value)
        }
    }

    private func deliverHead() {
        let head = HTTPResponseHead(status: status, headers: headers)
        let c = state.withLock { s -> CheckedContinuation<HTTPResponseHead, any Error>? in
            if s.headDelivered { return nil }
            s.headDelivered = true
            defer { s.head = nil }
            return s.head
        }
        c?.resume(returning: head)
    }

    /// Called on the driver thread when libcurl reports the transfer done.
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            deliverHead()
            finish(error: nil)
        } else {
            var error = httpError(for: code)
            // libcurl counts the request bytes it wrote; none means the server saw nothing.
            var written = 0
            if ccurl_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &written) == CURLE_OK { error.requestSent = written > 0 }
            finish(error: error)
        }
    }

    func finish(error: HTTPError?) {
        let c = state.withLock { s -> CheckedContinuation<HTTPResponseHead, any Error>? in
            s.finished = true
            s.headDelivered = true
            defer { s.head = nil }
            return s.head
        }
        if let error {
            c?.resume(throwing: error)
            body.finish(throwing: error)
        } else {
            body.finish()
        }
    }

    /// Frees the C resources and drops the reference libcurl's callbacks held.
    func release() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        curl_slist_free_all(resolveList)
        resolveList = nil
        Unmanaged.passUnretained(self).release()
    }
}

extension Duration {
    /// Whole milliseconds, as libcurl's `_MS` options take them.
    var milliseconds: Int {
        let (s, atto) = components
        return Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
    }
}
