import Foundation

/// One request as the dashboard's handlers see it: parsed once, header names lowercased.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoded by the server.
    public var path: String
    public var query: [String: String]
    public var headers: [String: String]
    public var body: Data
    /// Set when the body was larger than the path allows: it was not kept.
    public var bodyTooLarge = false

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    public var cookies: [String: String] { FormData.cookies(header("cookie") ?? "") }

    /// The fields of an `application/x-www-form-urlencoded` body (empty for anything else).
    public var form: [String: String] {
        guard (header("content-type") ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        return FormData.fields(String(decoding: body, as: UTF8.self))
    }

    /// The path's parts: `/jobs/brief/edit` is ["jobs", "brief", "edit"].
    public var parts: [String] { path.split(separator: "/").map(String.init) }
}
