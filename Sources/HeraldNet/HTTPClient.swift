import Foundation

/// An async HTTP client over libcurl. Every instance shares one multi handle, so many
/// concurrent transfers cost one thread. Cancelling the calling task stops the transfer.
public struct HTTPClient: Sendable {
    public init() {}

    /// Sends `request` and returns as soon as the status and headers are in; the body follows
    /// as an async sequence of chunks. Cancelling the task or dropping the body stops the transfer.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let (bodyStream, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let transfer = try CurlTransfer(request, body: bodyContinuation)
        let multi = CurlMulti.shared
        bodyContinuation.onTermination = { _ in multi.cancel(transfer) }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                transfer.setHeadContinuation(c)
                multi.add(transfer)
            }
        } onCancel: {
            multi.cancel(transfer)
        }
        return HTTPStreamingResponse(
            status: head.status, headers: head.headers, body: HTTPBody(stream: bodyStream))
    }

    /// Sends `request` and reads the whole body, refusing more than `limit` bytes.
    public func send(_ request: HTTPRequest, limit: Int = 64 << 20) async throws -> HTTPResponse {
        let response = try await stream(request)
        let body = try await response.collect(limit: limit)
        return HTTPResponse(status: response.status, headers: response.headers, body: body)
    }
}
