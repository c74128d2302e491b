import Testing

@testable import HeraldCore

@Suite struct FormatterTests {
    static let html: [(String, String)] = [
        ("plain text", "plain text"),
        ("a **bold** and *it* and _it_", "a <b>bold</b> and <i>it</i> and <i>it</i>"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("`x < y && z`", "<code>x &lt; y &amp;&amp; z</code>"),
        ("see [the docs](https://ex.com/a?b=1&c=\"2\")", "see <a href=\"https://ex.com/a?b=1&amp;c=&quot;2&quot;\">the docs</a>"),
        ("**bold _inner_**", "<b>bold </b><b><i>inner</i></b>"),
        ("unclosed **bold", "unclosed **bold"),
        ("~~gone~~", "<s>gone</s>"),
        ("# Title", "<b>Title</b>"),
        ("- one\n- two", "• one\n• two"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("> quoted <tag>", "&gt; quoted &lt;tag&gt;"),
        ("para one\n\npara two", "para one\n\npara two"),
        ("```swift\nlet a = 1 < 2\n```", "<pre><code class=\"language-swift\">let a = 1 &lt; 2</code></pre>"),
        ("a_b *c* 1.5<2 [x](y)", "a_b <i>c</i> 1.5&lt;2 <a href=\"y\">x</a>"),
    ]

    @Test(arguments: html)
    func rendersTelegramHTML(markdown: String, expected: String) {
        let chunks = Formatter.chunks(markdown, dialect: .telegramHTML, limit: 4096, unit: .utf16)
        #expect(chunks.map(\.text) == [expected])
    }

    @Test func plainFallbackKeepsTheTextWithoutMarkup() {
        let c = Formatter.chunks("**Hi** [x](https://e.com) `c`", dialect: .telegramHTML, limit: 4096, unit: .utf16)
        #expect(c.first?.plain == "Hi x (https://e.com) c")
    }

    /// A long reply with emoji, code fences and characters HTML must escape.
    static var longReply: String {
        var parts: [String] = []
        for i in 0..<48 {
            parts.append("Paragraph \(i): 🚀 emoji 👩‍👩‍👧 and <*_&> with **bold words here** and `inline <code>` plus more filler text to make it long enough.")
            if i % 7 == 3 {
                parts.append("```python\n" + (0..<20).map { "print('line \($0) <&> 🐍')" }.joined(separator: "\n") + "\n```")
            }
        }
        return parts.joined(separator: "\n\n")
    }

    @Test func longRepliesSplitIntoValidChunksWithinTheLimit() throws {
        let text = Self.longReply
        #expect(text.count > 9000)
        let chunks = Formatter.chunks(text, dialect: .telegramHTML, limit: 4096, unit: .utf16)
        #expect(chunks.count >= 3)
        for c in chunks {
            #expect(c.plain.utf16.count <= 4096)
            #expect(c.plain.utf16.count > 0)
            #expect(balanced(c.text), "unbalanced markup in a chunk")
            // No chunk starts or ends with half of a surrogate pair.
            #expect(String(decoding: Array(c.plain.utf16), as: UTF16.self) == c.plain)
        }
        // Every code block arrives whole, inside one chunk.
        let blocks = chunks.map(\.text).joined().components(separatedBy: "<pre>").count - 1
        #expect(blocks == 7)
        for c in chunks where c.text.contains("<pre>") {
            let body = c.text.components(separatedBy: "<pre><code class=\"language-python\">")[1].components(separatedBy: "</code></pre>")[0]
            #expect(body.components(separatedBy: "\n").count == 20)
        }
        // Nothing is lost: the chunks' text, rejoined, is the whole reply's text.
        let whole = Formatter.chunks(text, dialect: .telegramHTML, limit: 1_000_000, unit: .utf16)[0].plain
        #expect(chunks.map(\.plain).joined(separator: "\n\n").filter { !$0.isWhitespace } == whole.filter { !$0.isWhitespace })
    }

    @Test func oversizedCodeAndWordsAreCutIntoClosedPieces() {
        let code = "```\n" + String(repeating: "x", count: 5000) + "\n```"
        let chunks = Formatter.chunks(code, dialect: .telegramHTML, limit: 4096, unit: .utf16)
        #expect(chunks.count == 2)
        #expect(chunks.allSatisfy { $0.text.hasPrefix("<pre><code>") && $0.text.hasSuffix("</code></pre>") })
        let emoji = String(repeating: "😀", count: 3000)  // 6000 UTF-16 units, no spaces
        let parts = Formatter.chunks(emoji, dialect: .telegramHTML, limit: 4096, unit: .utf16)
        #expect(parts.map { $0.plain.utf16.count } == [4096, 1904])
        #expect(parts.map(\.plain).joined() == emoji)
        let styled = Formatter.chunks("**" + String(repeating: "word ", count: 1000) + "end**", dialect: .telegramHTML, limit: 1000, unit: .utf16)
        #expect(styled.count == 6)
        #expect(styled.allSatisfy { balanced($0.text) && $0.text.hasPrefix("<b>") })
    }

    /// True when every tag opened is closed, in order.
    func balanced(_ html: String) -> Bool {
        var stack: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return false }
            let tag = rest[rest.index(after: open)..<close]
            let name = String(tag.split(separator: " ").first ?? "")
            if name.hasPrefix("/") {
                guard stack.popLast() == String(name.dropFirst()) else { return false }
            } else {
                stack.append(name)
            }
            rest = rest[rest.index(after: close)...]
        }
        return stack.isEmpty
    }
}
