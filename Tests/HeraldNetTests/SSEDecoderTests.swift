import Testing

@testable import HeraldNet

@Suite struct SSEDecoderTests {
    static let cases: [(String, [SSEEvent])] = [
        ("data: hello\n\n", [SSEEvent(data: "hello")]),
        ("data: a\ndata: b\n\n", [SSEEvent(data: "a\nb")]),
        ("data: a\r\ndata: b\r\n\r\n", [SSEEvent(data: "a\nb")]),
        ("data: a\rdata: b\r\r", [SSEEvent(data: "a\nb")]),
        (": comment\ndata: x\n\n", [SSEEvent(data: "x")]),
        ("event: ping\ndata: 1\n\n", [SSEEvent(type: "ping", data: "1")]),
        ("id: 7\ndata: a\n\ndata: b\n\n", [SSEEvent(data: "a", id: "7"), SSEEvent(data: "b", id: "7")]),
        ("id: a\u{0}b\ndata: x\n\n", [SSEEvent(data: "x")]),
        ("retry: 3000\ndata: x\n\n", [SSEEvent(data: "x", retry: 3000)]),
        ("retry: 30s\ndata: x\n\n", [SSEEvent(data: "x")]),
        ("data:nospace\n\n", [SSEEvent(data: "nospace")]),
        ("data:  two\n\n", [SSEEvent(data: " two")]),
        ("data\n\n", [SSEEvent(data: "")]),
        ("event: only\n\n", []),
        ("data: unterminated", []),
        ("\u{FEFF}data: bom\n\n", [SSEEvent(data: "bom")]),
        ("data: é ✓\n\n", [SSEEvent(data: "é ✓")]),
        ("unknown: x\ndata: y\n\n", [SSEEvent(data: "y")]),
    ]

    @Test(arguments: cases)
    func decodesWholeStream(input: String, expected: [SSEEvent]) {
        var d = SSEDecoder()
        #expect(d.feed(Array(input.utf8)) == expected)
    }

    /// The same events come out wherever the network cut the stream, including between CR and LF
    /// and inside a multi-byte character.
    @Test(arguments: cases)
    func decodesStreamSplitAtEveryByte(input: String, expected: [SSEEvent]) {
        let bytes = Array(input.utf8)
        for cut in 0...bytes.count {
            var d = SSEDecoder()
            let events = d.feed(bytes[..<cut]) + d.feed(bytes[cut...])
            #expect(events == expected, "cut at byte \(cut)")
        }
        var d = SSEDecoder()
        let oneByOne = bytes.flatMap { d.feed([$0]) }
        #expect(oneByOne == expected)
    }

    @Test func openAIStreamSplitEverywhere() {
        let stream =
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
            + ": keep-alive\r\n\r\n"
            + "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\n\r\ndata: [DONE]\r\n\r\n"
        let bytes = Array(stream.utf8)
        var whole = SSEDecoder()
        let expected = whole.feed(bytes)
        #expect(expected.map(\.data).last == "[DONE]")
        #expect(expected.count == 3)
        for a in 0...bytes.count {
            for b in stride(from: a, through: bytes.count, by: 7) {
                var d = SSEDecoder()
                let got = d.feed(bytes[..<a]) + d.feed(bytes[a..<b]) + d.feed(bytes[b...])
                #expect(got == expected)
            }
        }
    }
}
