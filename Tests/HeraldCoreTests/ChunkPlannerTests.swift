import Foundation
import HeraldCore
import Testing

/// The delivery stage's chunking: each platform's limits, declared once in its capabilities.
@Suite struct ChunkPlannerTests {
    static let telegram = AdapterCapabilities(maxMessageLength: 4096, lengthUnit: .utf16, dialect: .telegramHTML)
    static let matrix = AdapterCapabilities(maxMessageLength: 30_000, lengthUnit: .characters, dialect: .matrixHTML, maxEncodedBytes: 60_000)
    static let irc = AdapterCapabilities(maxMessageLength: 400, lengthUnit: .utf8Bytes, dialect: .irc, lineOriented: true)
    static let console = AdapterCapabilities(maxMessageLength: .max, lengthUnit: .characters, dialect: .markdown)

    static func bytes(_ c: FormattedChunk) -> Int { c.text.utf8.count + c.plain.utf8.count }

    @Test(arguments: [
        // (text, capabilities, limit, largest allowed chunk as measured, at least this many chunks)
        (String(repeating: "word ", count: 2000), telegram, 4096, 4096, 3),
        (String(repeating: "漢字🚀 ", count: 4000), matrix, 30_000, 60_000, 2),
        ("one line\ntwo line\n\n" + String(repeating: "é", count: 500), irc, 100, 100, 4),
    ])
    func everyChunkFitsItsPlatform(text: String, caps: AdapterCapabilities, limit: Int, largest: Int, atLeast: Int) {
        let chunks = ChunkPlanner.plan(text, capabilities: caps, limit: limit, encodedSize: Self.bytes)
        #expect(chunks.count >= atLeast)
        for c in chunks {
            switch (caps.dialect, caps.maxEncodedBytes) {
            case (_, let cap?): #expect(Self.bytes(c) <= cap)
            case (.irc, nil): #expect(c.text.utf8.count <= largest && !c.text.contains("\n"))
            default: #expect(c.plain.utf16.count <= largest)
            }
        }
    }

    @Test func markdownPlatformsGetTheModelsOwnTextWhenItFits() {
        let text = "# Heading\n\n* a list\n\n```swift\nlet x = 1\n```"
        #expect(ChunkPlanner.plan(text, capabilities: Self.console, limit: .max).map(\.text) == [text])
    }

    @Test(arguments: [telegram, matrix])
    func aChunkTheyFindTooLargeSplitsIntoSmallerPiecesThatKeepTheText(caps: AdapterCapabilities) throws {
        let chunk = try #require(ChunkPlanner.plan("**bold start** " + String(repeating: "港 ", count: 1000), capabilities: caps, limit: 4096).first)
        let pieces = try #require(ChunkPlanner.split(chunk, capabilities: caps))
        #expect(pieces.count >= 2)
        #expect(pieces.allSatisfy { $0.plain.count < chunk.plain.count })
        #expect(pieces.map(\.plain).joined(separator: " ").filter { $0 == "港" }.count == 1000, "nothing lost")
        #expect(pieces[0].text.hasPrefix("<b>bold") && pieces[0].text.contains("start</b>"), "markup kept")
    }

    @Test func aSingleCharacterCannotBeSplit() {
        #expect(ChunkPlanner.split(FormattedChunk(text: "x", plain: "x"), capabilities: Self.telegram) == nil)
    }
}
