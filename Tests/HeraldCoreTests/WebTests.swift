import Foundation
import HeraldCore
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
    ]

    @Test(arguments: pages)
    func pagesBecomeReadableText(html: String, title: String?, text: String) {
        let r = HTMLText.extract(html)
        #expect(r.title == title)
        #expect(r.text == text)
    }
}
