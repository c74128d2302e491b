import Foundation
import HeraldNet

/// Limits and reach of the web tools (`[web]` in herald.toml).
public struct WebConfig: Sendable, Equatable {
    /// A SearXNG-style endpoint: GET `?q=...&format=json` answering `{"results": [{title, url, content}]}`.
    public var searchURL: String?
    /// Let the tools reach loopback and private addresses (a local search engine, a NAS).
    public var allowPrivate = false
    public var maxBytes = 2 << 20
    public var timeoutSeconds = 20
    public var maxRedirects = 5
    /// Characters of page text handed to the model at most.
    public var maxChars = 8000

    public init() {}
}

/// Fetches one http(s) URL under `WebConfig`'s rules: every hop of a redirect is checked, the
/// connection is pinned to the addresses that were checked, and the body is size-limited.
struct WebFetcher: Sendable {
    let config: WebConfig
    let client = HTTPClient()

    func fetch(_ url: String) async throws(ToolError) -> (url: String, response: HTTPResponse) {
        var current = url
        for _ in 0...config.maxRedirects {
            let target = try WebPolicy.target(of: current)
            let addresses = await Resolver.addresses(of: target.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
            guard !addresses.isEmpty else { throw ToolError("\(target.host) does not resolve") }
            if !config.allowPrivate, let inside = addresses.first(where: WebPolicy.isPrivate) {
                throw ToolError("\(target.host) is a private or loopback address (\(inside)); the web tools do not reach the local network")
            }
            var request = HTTPRequest(url: current, headers: [("User-Agent", "Herald/1 (+self-hosted agent gateway)")], timeout: .seconds(config.timeoutSeconds))
            let pinned = addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
            request.resolve = ["\(target.host):\(target.port):\(pinned)"]
            let response: HTTPResponse
            do {
                response = try await client.send(request, limit: config.maxBytes)
            } catch let e as HTTPError {
                if e.code == .bodyTooLarge { throw ToolError("the page is larger than \(config.maxBytes) bytes") }
                throw ToolError("fetching \(target.host) failed: \(e.message)")
            } catch {
                throw ToolError("fetching \(target.host) failed: \(error)")
            }
            if (300...399).contains(response.status), let location = response.headers["location"] {
                guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                    throw ToolError("a redirect to an unreadable location")
                }
                current = next
                continue
            }
            return (current, response)
        }
        throw ToolError("more than \(config.maxRedirects) redirects")
    }
}

/// `web_fetch`: a page as readable text with its title.
public struct WebFetchTool: AgentTool {
    let fetcher: WebFetcher
    public let toolset = "web"

    public init(config: WebConfig) { fetcher = WebFetcher(config: config) }

    public let spec = ToolSpec(
        name: "web_fetch",
        description: "Fetch a web page (http or https) and return its title and readable text.",
        parametersJSON: """
            {"type":"object","properties":{"url":{"type":"string"}},"required":["url"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let (url, response) = try await fetcher.fetch(try arguments.required("url"))
        guard (200...299).contains(response.status) else { throw ToolError("the server answered HTTP \(response.status)") }
        let type = (response.headers["content-type"] ?? "text/html").lowercased()
        let body = String(decoding: response.body, as: UTF8.self)
        var title: String?
        var text: String
        if type.contains("html") {
            (title, text) = HTMLText.extract(body)
        } else if type.hasPrefix("text/") || type.contains("json") || type.contains("xml") {
            text = body
        } else {
            throw ToolError("the page is \(type), not text")
        }
        let limit = fetcher.config.maxChars
        if text.count > limit { text = String(text.prefix(limit)) + "\n[cut at \(limit) characters]" }
        return (title.map { "Title: \($0)\n" } ?? "") + "URL: \(url)\n\n" + text
    }
}

/// `web_search`: results from the configured search endpoint.
public struct WebSearchTool: AgentTool {
    let fetcher: WebFetcher
    public let toolset = "web"

    public init(config: WebConfig) {
        // The search endpoint is the owner's choice, often on their own network.
        var c = config
        c.allowPrivate = true
        fetcher = WebFetcher(config: c)
    }

    public let spec = ToolSpec(
        name: "web_search",
        description: "Search the web. Returns titles, URLs and snippets; fetch a URL with web_fetch to read it.",
        parametersJSON: """
            {"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        guard let base = fetcher.config.searchURL else { throw ToolError("no search endpoint is configured ([web] search_url)") }
        var c = URLComponents(string: base)
        let items = (c?.queryItems ?? []) + [URLQueryItem(name: "q", value: try arguments.required("query")), URLQueryItem(name: "format", value: "json")]
        c?.queryItems = items
        guard let url = c?.url?.absoluteString else { throw ToolError("the search endpoint is not a URL") }
        let (_, response) = try await fetcher.fetch(url)
        guard (200...299).contains(response.status),
            let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let results = json["results"] as? [[String: Any]]
        else { throw ToolError("the search endpoint did not answer with results (HTTP \(response.status))") }
        guard !results.isEmpty else { return "No results." }
        return results.prefix(8).enumerated().map { i, r in
            "\(i + 1). \(r["title"] as? String ?? "(untitled)")\n   \(r["url"] as? String ?? "")\n   \((r["content"] as? String ?? "").prefix(300))"
        }.joined(separator: "\n")
    }
}
