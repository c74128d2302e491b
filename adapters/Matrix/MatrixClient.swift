import Foundation
import HeraldCore
import HeraldNet

/// A Matrix error response (`errcode`, `error`) or a transport failure.
struct MatrixError: Error, CustomStringConvertible {
    var status: Int
    var errcode: String
    var message: String
    /// From `Retry-After`, else `retry_after_ms`.
    var retryAfter: Duration?
    var description: String { "\(status) \(errcode): \(message)" }
}

/// The client-server API over HeraldNet. The access token goes in the Authorization header,
/// never in a URL.
struct MatrixClient: Sendable {
    let base: String
    let token: String?
    let caFile: String?
    let client = HTTPClient()

    func with(token: String) -> MatrixClient { MatrixClient(base: base, token: token, caFile: caFile) }

    func call(_ method: String, _ path: String, body: [String: Any]? = nil, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        var request = HTTPRequest(method: method, url: base + path, timeout: timeout)
        request.caFile = caFile
        if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
        if let body {
            request.body = try JSONSerialization.data(withJSONObject: body)
            request.headers.append(("Content-Type", "application/json"))
        }
        let response: HTTPResponse
        do {
            response = try await client.send(request, limit: 32 << 20)
        } catch let e as HTTPError {
            if e.code == .cancelled { throw CancellationError() }
            throw MatrixError(status: 0, errcode: "transport", message: e.message)
        }
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        guard (200...299).contains(response.status) else {
            var retry: Duration?
            if let h = response.headers["retry-after"], let s = Double(h) { retry = .milliseconds(Int64(s * 1000)) }
            if retry == nil, let ms = json["retry_after_ms"] as? Int { retry = .milliseconds(Int64(ms)) }
            throw MatrixError(
                status: response.status, errcode: json["errcode"] as? String ?? "M_UNKNOWN",
                message: json["error"] as? String ?? Logger.escapeBytes(Array(response.body.prefix(200)), limit: 200), retryAfter: retry)
        }
        return json
    }

    /// Raw bytes (the media API), within `limit`.
    func download(_ path: String, limit: Int) async throws -> Data {
        var request = HTTPRequest(url: base + path, timeout: .seconds(120))
        request.caFile = caFile
        if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
        let response = try await client.send(request, limit: limit)
        guard (200...299).contains(response.status) else {
            throw MatrixError(status: response.status, errcode: "M_UNKNOWN", message: "media download failed")
        }
        return response.body
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}
