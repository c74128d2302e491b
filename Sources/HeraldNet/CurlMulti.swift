import CCurl
import Foundation
import Synchronization

/// One libcurl multi handle driven by one thread. Every transfer of the process runs on it,
/// so hundreds of concurrent requests cost one thread and share one connection cache.
///
/// `@unchecked Sendable`: the multi handle and every easy handle are touched only on the
/// driver thread; other threads talk to it through `commands` (a Mutex) and `curl_multi_wakeup`,
/// which libcurl documents as callable from any thread.
final class CurlMulti: @unchecked Sendable {
    static let shared = CurlMulti()

    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let commands = Mutex<[Command]>([])
    /// Driver thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let m = curl_multi_init() else { fatalError("curl_multi_init failed") }
        multi = m
        // HTTP/1.1 keeps each stream on its own connection; cap per host so a burst cannot
        // exhaust file descriptors.
        _ = ccurl_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, 256)
        _ = ccurl_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, 256)
        let thread = Thread { [self] in self.loop() }
        thread.name = "herald-curl"
        thread.start()
    }

    func add(_ transfer: CurlTransfer) {
        commands.withLock { $0.append(.add(transfer)) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        guard transfer.markCancelled() else { return }
        commands.withLock { $0.append(.cancel(transfer)) }
        curl_multi_wakeup(multi)
    }

    private func loop() {
        var running: Int32 = 0
        while true {
            let pending = commands.withLock { list -> [Command] in
                defer { list.removeAll(keepingCapacity: true) }
                return list
            }
            for command in pending {
                switch command {
                case .add(let t):
                    if t.isCancelled {
                        t.finish(error: HTTPError(.cancelled, "request cancelled"))
                        t.release()
                    } else {
                        active[t.easy] = t
                        curl_multi_add_handle(multi, t.easy)
                    }
                case .cancel(let t):
                    if active.removeValue(forKey: t.easy) != nil {
                        curl_multi_remove_handle(multi, t.easy)
                        t.finish(error: HTTPError(.cancelled, "request cancelled"))
                        t.release()
                    }
                }
            }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let msg = curl_multi_info_read(multi, &queued) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
                let result = ccurl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                if let t = active.removeValue(forKey: easy) {
                    t.complete(result)
                    t.release()
                }
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// Maps a libcurl result to Herald's transport error. The message is libcurl's generic text,
/// never its error buffer, which can quote the URL.
func httpError(for code: CURLcode) -> HTTPError {
    let text = String(cString: curl_easy_strerror(code))
    switch code {
    case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
        return HTTPError(.couldNotConnect, text)
    case CURLE_OPERATION_TIMEDOUT:
        return HTTPError(.timedOut, text)
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER:
        return HTTPError(.tls, text)
    case CURLE_SSL_CONNECT_ERROR:
        // The handshake did not complete: most often a server restarting under us (the
        // connection was cut mid-handshake), worth a retry; a bad certificate is reported apart.
        return HTTPError(.transport, "TLS handshake did not complete: \(text)")
    case CURLE_ABORTED_BY_CALLBACK:
        return HTTPError(.cancelled, text)
    case CURLE_LOGIN_DENIED:
        return HTTPError(.loginDenied, text)
    case CURLE_USE_SSL_FAILED:
        return HTTPError(.tls, "the server does not offer TLS (STARTTLS)")
    case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
        return HTTPError(.invalidRequest, text)
    default:
        return HTTPError(.transport, text)
    }
}
