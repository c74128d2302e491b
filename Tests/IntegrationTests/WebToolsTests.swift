import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// web_fetch and web_search against a local fixture server.
@Suite struct WebToolsTests {
    static let page = """
        <html><head><title>Harbour news</title><script>var x = "<p>never</p>";</script></head>
        <body><h1>Pier 4 reopens</h1><p>Tiles arrive on Monday &amp; cranes on Tuesday.</p></body></html>
        """

    let fixture: StubHTTPServer

    init() throws {
        fixture = try StubHTTPServer { request in
            switch request.path.split(separator: "?").first.map(String.init) ?? "" {
            case "/page": return .full(status: 200, contentType: "text/html; charset=utf-8", body: Data(Self.page.utf8))
            case "/moved": return .redirect("/page")
            case "/loop": return .redirect("/loop")
            case "/big": return .full(status: 200, contentType: "text/html", body: Data(repeating: 0x61, count: 3 << 20))
            case "/image": return .full(status: 200, contentType: "image/png", body: Data([0x89, 0x50]))
            case "/search":
                let json = #"{"results":[{"title":"Pier 4","url":"https://example.org/pier4","content":"reopens Monday"}]}"#
                return .full(status: 200, contentType: "application/json", body: Data(json.utf8))
            default: return .full(status: 404, contentType: "text/plain", body: Data())
            }
        }
    }

    var context: ToolContext {
        ToolContext(
            session: SessionRecord(id: "s", conversation: ConversationRef(platform: .console, account: "a", chat: "c"), profile: "p", createdAt: Date()),
            profile: Profile(config: ProfileConfig(name: "p", models: []), soul: ""), sender: "console/owner", skills: [])
    }

    func fetch(_ path: String, allowPrivate: Bool = true, maxRedirects: Int = 5) async throws -> String {
        var config = WebConfig()
        config.allowPrivate = allowPrivate
        config.maxRedirects = maxRedirects
        let url = path.contains(":") ? path : fixture.baseURL + path
        return try await WebFetchTool(config: config).call(arguments: try ToolArguments(json: #"{"url":"\#(url)"}"#), context: context)
    }

    func refusal(_ path: String, allowPrivate: Bool = true) async -> String? {
        do {
            _ = try await fetch(path, allowPrivate: allowPrivate)
            return nil
        } catch {
            return (error as? ToolError)?.message
        }
    }

    @Test func aPageComesBackAsReadableTextWithItsTitleAlsoAfterARedirect() async throws {
        defer { fixture.stop() }
        let text = try await fetch("/moved")
        #expect(text.hasPrefix("Title: Harbour news\nURL: \(fixture.baseURL)/page\n\n"))
        #expect(text.contains("Pier 4 reopens\nTiles arrive on Monday & cranes on Tuesday."))
        #expect(!text.contains("never"))
    }

    @Test func limitsAndUnsafeTargetsAreRefused() async throws {
        defer { fixture.stop() }
        #expect(await refusal("/big")?.contains("larger than \(2 << 20) bytes") == true)
        #expect(await refusal("/loop")?.contains("more than 5 redirects") == true)
        #expect(await refusal("/image")?.contains("image/png, not text") == true)
        #expect(await refusal("file:///etc/passwd")?.contains("only http and https") == true)
        #expect(await refusal("/page", allowPrivate: false)?.contains("private or loopback address (127.0.0.1)") == true)
        #expect(await refusal("http://localhost:\(fixture.port)/page", allowPrivate: false)?.contains("private or loopback") == true)
    }

    @Test func searchResultsComeFromTheConfiguredEndpoint() async throws {
        defer { fixture.stop() }
        var config = WebConfig()
        config.searchURL = fixture.baseURL + "/search"
        let result = try await WebSearchTool(config: config).call(arguments: try ToolArguments(json: #"{"query":"pier 4"}"#), context: context)
        #expect(result == "1. Pier 4\n   https://example.org/pier4\n   reopens Monday")
        await #expect {
            try await WebSearchTool(config: WebConfig()).call(arguments: try ToolArguments(json: #"{"query":"x"}"#), context: context)
        } throws: { ($0 as? ToolError)?.message.contains("no search endpoint") == true }
    }
}
