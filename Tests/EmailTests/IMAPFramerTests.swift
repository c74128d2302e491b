import Foundation
import Testing

@testable import HeraldEmail

struct IMAPFramerTests {
    static let fetch = "* 3 FETCH (UID 7 BODY[] {12}\r\nhello\r\nworld)\r\nH4 OK done\r\n"

    /// However the bytes are cut, the same responses come out.
    @Test(arguments: [1, 2, 3, 5, 7, 16, 64, 1000])
    func chunkBoundariesDoNotMatter(size: Int) {
        var framer = IMAPFramer()
        var out: [IMAPResponse] = []
        let bytes = Array(Self.fetch.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            out += framer.feed(Data(bytes[start..<min(start + size, bytes.count)]))
        }
        #expect(
            out == [
                IMAPResponse(text: "* 3 FETCH (UID 7 BODY[] {12})", literals: [Data("hello\r\nworld".utf8)]),
                IMAPResponse(text: "H4 OK done"),
            ])
    }

    @Test(arguments: [
        ("* OK [UIDVALIDITY 1795753711] UIDs valid", "UIDVALIDITY", "1795753711"),
        ("* OK [UIDNEXT 4] Predicted next UID", "UIDNEXT", "4"),
        ("* OK [UIDNEXT 4] Predicted next UID", "UIDVALIDITY", nil),
    ])
    func responseCodes(text: String, code: String, value: String?) {
        #expect(IMAPResponse(text: text).code(code) == value)
    }

    @Test(arguments: [("x {12}", 12), ("x {5+}", 5), ("x {}", nil), ("no literal", nil), ("{abc}", nil)] as [(String, Int?)])
    func literalMarkers(line: String, length: Int?) {
        #expect(IMAPFramer.literalLength(line) == length)
    }

    @Test func anOversizedLiteralIsConsumedAndDropped() {
        var framer = IMAPFramer(maxLiteral: 4)
        let out = framer.feed(Data("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n* 2 EXISTS\r\n".utf8))
        #expect(out.map(\.text) == ["* 1 FETCH (BODY[] {10})", "* 2 EXISTS"])
        #expect(out[0].literals == [Data()])
    }
}
