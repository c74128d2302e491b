import Foundation
@testable import HeraldCore
import Testing

@Suite struct WebPolicyTests {
    static let addresses: [(String, Bool)] = [
        ("127.0.0.1", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true), ("172.32.0.1", false),
        ("192.168.1.10", true), ("169.254.169.254", true), ("100.64.0.1", true), ("0.0.0.0", true), ("224.0.0.1", true),
        ("93.184.216.34", false), ("8.8.8.8", false), ("::1", true), ("::", true), ("fe80::1%eth0", true), ("fd00::5", true),
        ("fc00::1", true), ("ff02::1", true), ("2606:2800:220:1::", false), ("::ffff:127.0.0.1", true), ("::ffff:8.8.8.8", false),
    ]

    @Test(arguments: addresses)
    func privateAndLoopbackAddressesAreRecognised(address: String, isPrivate: Bool) {
        #expect(WebPolicy.isPrivate(address) == isPrivate)
    }

    static let refused: [(String, String)] = [
        ("file:///etc/passwd", "only http and https"), ("gopher://x/1", "only http and https"), ("ftp://x/f", "only http and https"),
        ("http://", "no host"), ("not a url at all", "not a URL"),
    ]

    @Test(arguments: refused)
    func onlyHTTPURLsWithAHostAreAccepted(url: String, message: String) {
        #expect {
            try WebPolicy.target(of: url)
        } throws: { ($0 as? ToolError)?.message.contains(message) == true }
    }

    @Test func aTargetKnowsItsPort() throws {
        let t = try WebPolicy.target(of: "https://Example.org/x")
        #expect(t.scheme == "https" && t.host == "example.org" && t.port == 443)
        #expect(try WebPolicy.target(of: "http://example.org:8080/").port == 8080)
    }
}

@Suite struct HTMLTextTests {
    static let pages: [(html: String, title: String?, text: String)] = [
        ("<html><head><title>Tide &amp; Time</title><style>p{}</style></head><body><p>High water at 6.</p><p>Low at 12.</p></body></html>",
         "Tide & Time", "High water at 6.\nLow at 12."),
        ("<p>a <b>bold</b> move</p><script>alert('x<p>')</script><p>next</p>", nil, "a bold move\nnext"),
        ("<ul><li>one</li><li>two &#8212; &#x263A;</li></ul><!-- hidden <p>no</p> -->", nil, "one\ntwo — ☺"),
        ("plain&nbsp;text with &unknown; entity", nil, "plain text with &unknown; entity"),
        // Mail from German and French senders, and a price: the whole HTML5 table, not a handful.
        ("<p>Gr&uuml;&szlig;e aus K&ouml;ln, &euro;&nbsp;12 &ndash; &Eacute;t&eacute; &amp; No&euml;l</p>", nil, "Grüße aus Köln, € 12 – Été & Noël"),
        ("<p>&lt;&NotEqualTilde;&gt; &frac12; &rarr; &hearts;</p>", nil, "<≂̸> ½ → ♥"),
        // Legacy names are read without ";" like browsers do; the longest known name wins.
        ("<p>&copy 2026, a&ampb, &notit; &notin;</p>", nil, "© 2026, a&b, ¬it; ∉"),
        ("<p>&#169; &#xA9; &#0; &#x110000; &#; &</p>", nil, "© © \u{FFFD} \u{FFFD} &#; &"),
        // Table cells are separated, rows are lines.
        ("<table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>&pound;3</td></tr></table>", nil, "Item | Price\nTea | £3"),
    ]

    @Test(arguments: pages)
    func pagesBecomeReadableText(html: String, title: String?, text: String) {
        let r = HTMLText.extract(html)
        #expect(r.title == title)
        #expect(r.text == text)
    }
}

@Suite struct LibrarianUnitTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardVectors(input: String, hex: String) {
        #expect(SHA256.hex(Data(input.utf8)) == hex)
    }

    @Test func aMillionAsHashesRight() {
        #expect(SHA256.hex(Data(repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [
        (#"{"category":"news","tags":["a","B"],"summary":"s."}"#, "news", ["a", "b"]),
        ("Sure!\n```json\n{\"category\": \"harbour\", \"tags\": [\"tiles\"], \"summary\": \"x\"}\n```", "harbour", ["tiles"]),
    ])
    func theModelsJSONIsReadAndChecked(answer: String, category: String, tags: [String]) throws {
        let r = try Librarian.parse(answer)
        #expect(r.category == category && r.tags == tags)
    }

    @Test(arguments: [
        ("no json here", "not a JSON object"), (#"{"category":"","tags":["a"],"summary":"s"}"#, "no usable category"),
        (#"{"category":"c","tags":[],"summary":"s"}"#, "no tags"), (#"{"category":"c","tags":["a"]}"#, "no summary"),
    ])
    func invalidAnswersAreRefusedWithAReason(answer: String, message: String) {
        #expect { try Librarian.parse(answer) } throws: { ($0 as? ToolError)?.message.contains(message) == true }
    }

    @Test func urlsAreFoundAndNormalisedForDedupe() {
        #expect(Librarian.urls(in: "see https://a.org/x, and (http://b.org/y).") == ["https://a.org/x", "http://b.org/y"])
        #expect(Librarian.normalise("https://Example.ORG/a/?utm_source=n&id=3#top") == "https://example.org/a?id=3")
    }
}
