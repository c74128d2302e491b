import CCurl
import Foundation
import Synchronization

/// SMTP submission through libcurl: STARTTLS (`smtp://`, TLS required) or implicit TLS
/// (`smtps://`), AUTH with the account's credentials, one message per call.
public struct MailSubmission: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// true: TLS from the first byte (port 465); false: STARTTLS, required.
        public var implicitTLS: Bool
        public var username: String
        public var password: String
        public var verifyTLS = true
        public var caFile: String?
        public var timeout: Duration = .seconds(60)

        public init(host: String, port: Int, implicitTLS: Bool, username: String, password: String) {
            self.host = host
            self.port = port
            self.implicitTLS = implicitTLS
            self.username = username
            self.password = password
        }
    }

    /// A refused or failed submission. `code` is the server's last reply code (0 when the
    /// connection broke before one came).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var code: Int
        public var message: String
        /// 5xx is final (RFC 5321 4.2.1); 4xx, no answer and a broken link are worth a retry.
        public var isPermanent: Bool { (500..<600).contains(code) && !lostAfterData }
        /// The link broke after the message was handed over: the server may have it.
        public var lostAfterData: Bool
        public var description: String { code == 0 ? "smtp: \(message)" : "smtp \(code): \(message)" }
    }

    public let options: Options
    public init(_ options: Options) { self.options = options }

    /// Sends `message` (a complete RFC 5322 message with CRLF line ends) from `from` to `recipients`.
    public func send(from: String, to recipients: [String], message: Data) async throws(Failure) {
        let options = options
        let result: Result<Void, Failure> = await withCheckedContinuation { c in
            // curl_easy_perform blocks for the whole dialogue: keep it off the cooperative pool.
            Thread.detachNewThread { c.resume(returning: Self.perform(options, from: from, to: recipients, message: message)) }
        }
        try result.get()
    }

    /// Connects, says EHLO, starts TLS and logs in, then hangs up without a message: what
    /// `herald doctor --online` checks. Throws the server's refusal.
    public func login() async throws(Failure) {
        let options = options
        let result: Result<Void, Failure> = await withCheckedContinuation { c in
            Thread.detachNewThread { c.resume(returning: Self.connectOnly(options)) }
        }
        try result.get()
    }

    private static func connectOnly(_ o: Options) -> Result<Void, Failure> {
        guard let easy = curl_easy_init() else {
            return .failure(Failure(code: 0, message: "curl_easy_init failed", lostAfterData: false))
        }
        defer { curl_easy_cleanup(easy) }
        configure(easy, o)
        // curl's SMTP connect phase is greeting, EHLO, STARTTLS and AUTH: all of the login.
        ccurl_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
        let rc = curl_easy_perform(easy)
        if rc == CURLE_OK { return .success(()) }
        var code = 0
        ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        return .failure(Failure(code: code, message: String(cString: curl_easy_strerror(rc)), lostAfterData: false))
    }

    /// The connection, TLS and login options every dialogue shares.
    private static func configure(_ easy: UnsafeMutableRawPointer, _ o: Options) {
        ccurl_setopt_str(easy, CURLOPT_URL, "\(o.implicitTLS ? "smtps" : "smtp")://\(o.host):\(o.port)/herald.localhost")
        ccurl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        ccurl_setopt_long(easy, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        ccurl_setopt_str(easy, CURLOPT_USERNAME, o.username)
        ccurl_setopt_str(easy, CURLOPT_PASSWORD, o.password)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, o.verifyTLS ? 1 : 0)
        ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, o.verifyTLS ? 2 : 0)
        if let ca = o.caFile { ccurl_setopt_str(easy, CURLOPT_CAINFO, ca) }
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, o.timeout.milliseconds)
    }

    private final class Upload {
        let data: Data
        var offset = 0
        init(_ data: Data) { self.data = data }
    }

    private static func perform(_ o: Options, from: String, to recipients: [String], message: Data) -> Result<Void, Failure> {
        guard let easy = curl_easy_init() else {
            return .failure(Failure(code: 0, message: "curl_easy_init failed", lostAfterData: false))
        }
        defer { curl_easy_cleanup(easy) }
        configure(easy, o)
        ccurl_setopt_str(easy, CURLOPT_MAIL_FROM, "<\(from)>")
        var list: UnsafeMutablePointer<curl_slist>?
        for r in recipients { list = curl_slist_append(list, "<\(r)>") }
        defer { curl_slist_free_all(list) }
        ccurl_setopt_slist(easy, CURLOPT_MAIL_RCPT, list)
        ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1)
        ccurl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count))
        let upload = Upload(message)
        let box = Unmanaged.passRetained(upload)
        defer { box.release() }
        ccurl_setopt_ptr(easy, CURLOPT_READDATA, box.toOpaque())
        ccurl_setopt_datafn(easy, CURLOPT_READFUNCTION) { buffer, size, count, user in
            let upload = Unmanaged<Upload>.fromOpaque(user!).takeUnretainedValue()
            let n = min(size * count, upload.data.count - upload.offset)
            upload.data.withUnsafeBytes { raw in
                buffer!.update(from: raw.baseAddress!.assumingMemoryBound(to: CChar.self) + upload.offset, count: n)
            }
            upload.offset += n
            return n
        }
        let rc = curl_easy_perform(easy)
        if rc == CURLE_OK { return .success(()) }
        var code = 0
        ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        let text = String(cString: curl_easy_strerror(rc))
        // 354 is "go ahead" for DATA: the last reply before the message went out. A break after
        // it means the message was sent and its fate is unknown.
        if code == 354 || (upload.offset == message.count && code < 400) {
            return .failure(
                Failure(code: 0, message: "the connection broke after the message was sent (\(text))", lostAfterData: true))
        }
        return .failure(Failure(code: code, message: text, lostAfterData: false))
    }
}
