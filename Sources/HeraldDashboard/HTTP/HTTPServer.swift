import CMicroHTTPD
import Foundation
import HeraldCore
import Synchronization

/// A small HTTP server on libmicrohttpd: one thread per connection (a live view holds its
/// thread while open; `maxConnections` bounds them), each request's body gathered up to the
/// limit its path allows, then answered by an async handler.
///
/// libmicrohttpd calls back on its own threads, outside Swift's cooperative pool, so a callback
/// may block on the handler's task without starving it.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// The server could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let bind: String
    private let requestedPort: Int
    private let maxConnections: Int
    private let bodyLimit: @Sendable (String) -> Int
    let handler: Handler
    /// The running daemon's address (0: none); a pointer is not Sendable, its bits are.
    private let daemon = Mutex<UInt>(0)
    private let streams = Mutex<[ObjectIdentifier: EventStream]>([:])
    private let log = Logger("dashboard")
    /// How long a live stream waits before it sends a keep-alive comment.
    static let heartbeat: TimeInterval = 15

    /// - Parameter bodyLimit: the largest body a path accepts; larger is answered 413 unread.
    public init(
        bind: String, port: Int, maxConnections: Int = 64, bodyLimit: @escaping @Sendable (String) -> Int = { _ in 1 << 20 },
        handler: @escaping Handler
    ) {
        self.bind = bind
        requestedPort = port
        self.maxConnections = maxConnections
        self.bodyLimit = bodyLimit
        self.handler = handler
    }

    /// Starts listening and returns the port.
    @discardableResult
    public func start() throws -> Int {
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard
            let d = cmhd_start(
                bind, UInt16(requestedPort), UInt32(maxConnections), 60, HTTPServer.access, context, HTTPServer.completed, context)
        else {
            throw StartError(description: "cannot listen on \(bind):\(requestedPort) (in use, or not an address of this machine)")
        }
        daemon.withLock { $0 = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(d))) }
        return Int(cmhd_port(d))
    }

    /// Ends live streams, then stops the server (it waits for connection threads to finish).
    public func stop() {
        for s in streams.withLock({ Array($0.values) }) { s.close() }
        let bits = daemon.withLock { d -> UInt in
            defer { d = 0 }
            return d
        }
        if let d = OpaquePointer(bitPattern: bits) { MHD_stop_daemon(d) }
    }

    // MARK: - libmicrohttpd callbacks

    /// What one request has gathered between the callbacks of its connection.
    private final class Pending {
        var request: HTTPRequest
        var limit: Int
        init(_ request: HTTPRequest, limit: Int) {
            self.request = request
            self.limit = limit
        }
    }

    private static let access: MHD_AccessHandlerCallback = { cls, connection, url, method, _, upload, uploadSize, state in
        guard let cls, let connection, let state, let uploadSize else { return .NO }
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        return server.handle(connection, url: url.map { String(cString: $0) } ?? "/", method: method.map { String(cString: $0) } ?? "GET",
            upload: upload, uploadSize: uploadSize, state: state)
    }

    private static let completed: MHD_RequestCompletedCallback = { _, _, state, _ in
        guard let state, let p = state.pointee else { return }
        Unmanaged<Pending>.fromOpaque(p).release()
        state.pointee = nil
    }

    private func handle(
        _ connection: OpaquePointer, url: String, method: String, upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
        state: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let raw = state.pointee else {
            // First call: headers only.
            var request = HTTPRequest(method: method.uppercased(), path: url)
            request.headers = Self.values(connection, .HEADER_KIND, lowercased: true)
            request.query = Self.values(connection, .GET_ARGUMENT_KIND, lowercased: false)
            let limit = bodyLimit(url)
            if let length = request.header("content-length").flatMap(Int.init), length > limit {
                // Refused before a byte of the body is read.
                return queue(.text("request body too large (at most \(limit) bytes)\n", status: 413), on: connection)
            }
            state.pointee = Unmanaged.passRetained(Pending(request, limit: limit)).toOpaque()
            return .YES
        }
        let pending = Unmanaged<Pending>.fromOpaque(raw).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            if let upload, !pending.request.bodyTooLarge {
                if pending.request.body.count + uploadSize.pointee > pending.limit {
                    pending.request.bodyTooLarge = true
                    pending.request.body = Data()
                } else {
                    pending.request.body.append(UnsafeRawPointer(upload).assumingMemoryBound(to: UInt8.self), count: uploadSize.pointee)
                }
            }
            uploadSize.pointee = 0
            return .YES
        }
        if pending.request.bodyTooLarge {
            return queue(.text("request body too large (at most \(pending.limit) bytes)\n", status: 413), on: connection)
        }
        return queue(run(pending.request), on: connection)
    }

    /// Runs the async handler and waits for it on this (libmicrohttpd's) thread.
    private func run(_ request: HTTPRequest) -> HTTPResponse {
        let result = Mutex<HTTPResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task { [handler] in
            let response = await handler(request)
            result.withLock { $0 = response }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? .text("no response\n", status: 500)
    }

    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let made: OpaquePointer?
        switch response.body {
        case .bytes(let data):
            made = data.withUnsafeBytes { buf in
                MHD_create_response_from_buffer(buf.count, UnsafeMutableRawPointer(mutating: buf.baseAddress), MHD_ResponseMemoryMode(rawValue: 2)!)
            }
        case .stream(let stream):
            streams.withLock { $0[ObjectIdentifier(stream)] = stream }
            let box = Unmanaged.passRetained(StreamBox(stream: stream, server: self)).toOpaque()
            made = MHD_create_response_from_callback(UInt64.max, 4096, HTTPServer.read, box, HTTPServer.free)
        }
        guard let r = made else { return .NO }
        defer { MHD_destroy_response(r) }
        for (name, value) in response.headers { MHD_add_response_header(r, name, value) }
        return MHD_queue_response(connection, UInt32(response.status), r)
    }

    private final class StreamBox {
        let stream: EventStream
        let server: HTTPServer
        init(stream: EventStream, server: HTTPServer) {
            self.stream = stream
            self.server = server
        }
    }

    private static let read: MHD_ContentReaderCallback = { cls, _, buf, max in
        guard let cls, let buf else { return -1 }
        let box = Unmanaged<StreamBox>.fromOpaque(cls).takeUnretainedValue()
        guard let data = box.stream.next(max: max, heartbeat: HTTPServer.heartbeat) else { return -1 }  // end of stream
        data.copyBytes(to: UnsafeMutableRawPointer(buf).assumingMemoryBound(to: UInt8.self), count: data.count)
        return data.count
    }

    private static let free: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        let box = Unmanaged<StreamBox>.fromOpaque(cls).takeRetainedValue()
        box.server.streams.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(box.stream)) }
        box.stream.finished()
    }

    private final class Values {
        var all: [String: String] = [:]
        let lowercased: Bool
        init(lowercased: Bool) { self.lowercased = lowercased }
    }

    private static func values(_ connection: OpaquePointer, _ kind: MHD_ValueKind, lowercased: Bool) -> [String: String] {
        let box = Values(lowercased: lowercased)
        let cls = Unmanaged.passUnretained(box).toOpaque()
        _ = MHD_get_connection_values(
            connection, kind,
            { cls, _, key, value in
                guard let cls, let key else { return .YES }
                let box = Unmanaged<Values>.fromOpaque(cls).takeUnretainedValue()
                let name = String(cString: key)
                box.all[box.lowercased ? name.lowercased() : name] = value.map { String(cString: $0) } ?? ""
                return .YES
            }, cls)
        return withExtendedLifetime(box) { box.all }
    }
}
