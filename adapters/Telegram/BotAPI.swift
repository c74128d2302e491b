import Foundation
import HeraldCore
import HeraldNet

/// An error the Bot API answered with (`ok: false`), or a transport failure around a call.
public struct TelegramAPIError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var description: String
    /// `parameters.retry_after` of a 429.
    public var retryAfter: Int?
    /// `parameters.migrate_to_chat_id`: the group became a supergroup.
    public var migrateTo: Int64?
    /// The request may have reached Telegram (a timeout or a dropped connection after sending).
    public var outcomeUnknown = false

    var cannotParseEntities: Bool { code == 400 && description.contains("can't parse entities") }
}

/// A thin Bot API client: JSON in, `result` out. The token lives only in the URL it builds,
/// and nothing here ever prints a URL.
struct BotAPI: Sendable {
    let base: String
    let token: String
    let caFile: String?
    let client = HTTPClient()

    /// `replayable: false` for calls that must not be repeated behind our back (sending).
    func call(_ method: String, _ params: [String: Any] = [:], timeout: Duration = .seconds(30), replayable: Bool = true) async throws -> Any {
        let body = try JSONSerialization.data(withJSONObject: params)
        let response: HTTPResponse
        do {
            var request = HTTPRequest.json("\(base)/bot\(token)/\(method)", body: body)
            request.timeout = timeout
            request.replayable = replayable
            request.caFile = caFile
            response = try await client.send(request, limit: 16 << 20)
        } catch let e as HTTPError {
            if e.code == .cancelled { throw CancellationError() }
            var error = TelegramAPIError(code: 0, description: "\(method): \(e.message)")
            // Only a request that left the machine can have arrived: a refused connection or a
            // connect timeout (a black-holed network) proves it did not.
            error.outcomeUnknown = e.code != .couldNotConnect && e.requestSent
            throw error
        }
        guard let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw TelegramAPIError(
                code: response.status,
                description: "\(method): HTTP \(response.status), not JSON: \(Logger.escapeBytes(response.body, limit: 200))")
        }
        if json["ok"] as? Bool == true { return json["result"] ?? NSNull() }
        let parameters = json["parameters"] as? [String: Any]
        throw TelegramAPIError(
            code: json["error_code"] as? Int ?? response.status,
            description: "\(method): \(json["description"] as? String ?? "error")",
            retryAfter: parameters?["retry_after"] as? Int,
            migrateTo: (parameters?["migrate_to_chat_id"] as? NSNumber)?.int64Value)
    }

    /// Downloads a file by its `file_path` from getFile.
    func download(_ filePath: String, limit: Int) async throws -> Data {
        var request = HTTPRequest(url: "\(base)/file/bot\(token)/\(filePath)", timeout: .seconds(120))
        request.caFile = caFile
        let r = try await client.send(request, limit: limit)
        guard r.status == 200 else { throw TelegramAPIError(code: r.status, description: "file download: HTTP \(r.status)") }
        return r.body
    }
}
