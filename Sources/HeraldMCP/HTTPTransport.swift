import Foundation
import HeraldCore
import HeraldNet
import Synchronization

/// An MCP server over Streamable HTTP: each message is a POST to the endpoint; the answer is
/// JSON or an SSE stream of messages (the server's requests and notifications may come before
/// the response). The `Mcp-Session-Id` the server gives at initialisation goes on every later
/// request; a 404 on a request that carried it means the session expired (the client starts
/// over). Headers (a bearer token) come from secret references and are never logged.
public final class HTTPTransport: MCPTransport {
    public let incoming: AsyncStream<RPCMessage>
    private let sink: AsyncStream<RPCMessage>.Continuation
    private let url: String
    private let headers: [(name: String, value: String)]
    private let caFile: String?
    private let client = HTTPClient()
    private let session = Mutex<(id: String?, version: String?)>((nil, nil))
    private let log: Logger

    public init(url: String, headers: [(name: String, value: String)], caFile: String? = nil, name: String) {
        self.url = url
        self.headers = headers
        self.caFile = caFile
        log = Logger("mcp.\(name)")
        (incoming, sink) = AsyncStream.makeStream(of: RPCMessage.self)
    }

    /// The negotiated protocol version, sent as `MCP-Protocol-Version` from then on.
    public func negotiated(_ version: String) { session.withLock { $0.version = version } }

    public func send(_ message: RPCMessage) async throws {
        let (id, version) = session.withLock { ($0.id, $0.version) }
        var request = HTTPRequest(
            method: "POST", url: url,
            headers: headers + [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")],
            body: message.encoded, connectTimeout: .seconds(5), timeout: nil, caFile: caFile)
        if let id { request.headers.append(("Mcp-Session-Id", id)) }
        if let version { request.headers.append(("MCP-Protocol-Version", version)) }
        let response: HTTPStreamingResponse
        do {
            response = try await client.stream(request)
        } catch let e as HTTPError {
            if e.code == .cancelled { throw CancellationError() }
            throw MCPTransportError(.notRunning, e.message)
        }
        if let sid = response.headers["mcp-session-id"] { session.withLock { $0.id = sid } }
        switch response.status {
        case 202: return  // a notification or response, accepted
        case 200: break
        case 404 where id != nil:
            session.withLock { $0 = (nil, nil) }
            sink.finish()
            throw MCPTransportError(.sessionExpired, "the server no longer knows session \(id!.prefix(8))…")
        default:
            let body = (try? await response.collect(limit: 4096)) ?? Data()
            throw MCPTransportError(.http, "HTTP \(response.status): \(Logger.escapeBytes(Array(body), limit: 200))")
        }
        let type = response.headers["content-type"]?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            // Read the stream in the background: the response is routed by id like any other.
            let (sink, log) = (sink, log)
            Task {
                var decoder = SSEDecoder()
                do {
                    for try await chunk in response.body {
                        for event in decoder.feed(chunk) where !event.data.isEmpty {
                            do {
                                sink.yield(try RPCMessage.decode(Data(event.data.utf8)))
                            } catch {
                                log.warning("an SSE event that is not JSON-RPC; skipped", ["raw": Logger.escapeBytes(Array(event.data.utf8), limit: 300)])
                            }
                        }
                    }
                } catch {
                    log.warning("an SSE response broke off", ["error": "\(error)"])
                }
            }
        } else {
            let body = try await response.collect(limit: 32 << 20)
            do {
                // A batch is an array of messages.
                if body.first == UInt8(ascii: "[") {
                    for m in try JSONDecoder().decode([RPCMessage].self, from: body) { sink.yield(m) }
                } else {
                    sink.yield(try RPCMessage.decode(body))
                }
            } catch {
                log.warning("a response that is not JSON-RPC; skipped", ["raw": Logger.escapeBytes(Array(body), limit: 300)])
                throw MCPTransportError(.http, "the server answered something that is not JSON-RPC")
            }
        }
    }

    /// Ends the session (DELETE, as the spec asks) and the message stream.
    public func close() async {
        let id = session.withLock { $0.id }
        if let id {
            _ = try? await client.send(
                HTTPRequest(method: "DELETE", url: url, headers: headers + [("Mcp-Session-Id", id)], connectTimeout: .seconds(3), timeout: .seconds(5), caFile: caFile))
        }
        sink.finish()
    }
}
