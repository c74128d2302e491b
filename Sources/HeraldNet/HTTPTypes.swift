import Foundation

/// An HTTP request as Herald sends it over libcurl.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Time allowed to establish the connection (TCP and TLS).
    public var connectTimeout: Duration
    /// Time allowed for the whole transfer; `nil` means no limit (long polls and streams set their own).
    public var timeout: Duration?
    /// TLS peer and host verification. On by default; only a test CA should ever need `caFile`.
    public var verifyTLS: Bool
    /// A PEM bundle to trust instead of the system store.
    public var caFile: String?
    /// False for a request that must never be sent twice (Telegram's sendMessage has no
    /// idempotency key). libcurl silently resends a request whose reused connection closed
    /// without an answer, and the server may already have acted on it; such a request gets a
    /// fresh connection instead, so a drop is reported (outcome unknown), never repeated.
    public var replayable = true
    /// Pins host names to addresses (`host:port:address`, CURLOPT_RESOLVE), so a name checked
    /// against a policy cannot resolve to something else when libcurl connects.
    public var resolve: [String] = []

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
        body: Data? = nil, connectTimeout: Duration = .seconds(10), timeout: Duration? = .seconds(60),
        verifyTLS: Bool = true, caFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.verifyTLS = verifyTLS
        self.caFile = caFile
    }

    /// A JSON POST.
    public static func json(_ url: String, body: Data, headers: [(name: String, value: String)] = [])
        -> HTTPRequest
    {
        HTTPRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")] + headers,
            body: body)
    }
}

/// Response headers, case-insensitive by name, in arrival order.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    public mutating func append(name: String, value: String) { fields.append((name, value)) }

    /// The first value of the header `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

/// Status and headers of a response, available before its body.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
}

/// A complete response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data

    /// The body as UTF-8 text; invalid sequences are replaced, never trapped on.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body arrives as a sequence of byte chunks.
public struct HTTPStreamingResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: HTTPBody

    /// Reads the rest of the body into memory, refusing more than `limit` bytes.
    public func collect(limit: Int = 64 << 20) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            data.append(chunk)
            if data.count > limit { throw HTTPError(.bodyTooLarge, "response body over \(limit) bytes") }
        }
        return data
    }
}

/// The body of a streaming response. Iterating it pulls chunks as libcurl receives them;
/// dropping or cancelling the iterating task stops the transfer.
public struct HTTPBody: AsyncSequence, Sendable {
    public typealias Element = Data
    let stream: AsyncThrowingStream<Data, any Error>

    public func makeAsyncIterator() -> Iterator { Iterator(inner: stream.makeAsyncIterator()) }

    public struct Iterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<Data, any Error>.AsyncIterator

        /// A stream ended by cancelling the task throws `CancellationError` instead of looking
        /// like a body that ended normally (a truncated reply must never pass for a whole one).
        public mutating func next() async throws -> Data? {
            let chunk = try await inner.next()
            if chunk == nil, Task.isCancelled { throw CancellationError() }
            return chunk
        }
    }
}

/// A transport failure. `code` is stable for callers; `message` is for people and never
/// contains the request URL (a Telegram token lives in URLs).
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case couldNotConnect = "could_not_connect"
        case timedOut = "timed_out"
        case tls = "tls"
        case cancelled = "cancelled"
        case bodyTooLarge = "body_too_large"
        case transport = "transport"
        case invalidRequest = "invalid_request"
        /// The server refused our credentials (IMAP login).
        case loginDenied = "login_denied"
    }

    public var code: Code
    public var message: String
    /// Whether any of the request left this machine. False proves the server never saw it (a
    /// connect timeout on a black-holed network), so sending again cannot duplicate it.
    public var requestSent: Bool

    public init(_ code: Code, _ message: String, requestSent: Bool = true) {
        self.code = code
        self.message = message
        self.requestSent = requestSent
    }

    public var description: String { "http \(code.rawValue): \(message)" }

    /// Whether trying again later can succeed.
    public var isTransient: Bool {
        switch code {
        case .couldNotConnect, .timedOut, .transport: true
        case .tls, .cancelled, .bodyTooLarge, .invalidRequest, .loginDenied: false
        }
    }
}
