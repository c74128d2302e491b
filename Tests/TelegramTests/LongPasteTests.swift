import Foundation
import HeraldCore
import Testing

@testable import HeraldTelegram

@Suite struct LongPasteTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A message in chat `chat` from `from`, `units` long (or `text`), `at` seconds in.
    static func m(_ id: Int, from: String = "111", chat: String = "111", units: Int = 0, text: String? = nil, at: Double = 0) -> InboundMessage {
        InboundMessage(
            conversation: ConversationRef(platform: .telegram, account: "main", chat: chat), sender: Sender(id: from, displayName: from),
            eventID: String(id), text: text ?? String(repeating: String(UnicodeScalar(UInt8(96 + id % 26))), count: units),
            replyTo: "m\(id)", receivedAt: start.addingTimeInterval(at))
    }

    /// (messages, release) → the ready messages as (event id, text length, reply-to), and the held event ids.
    static let cases: [(String, [InboundMessage], Bool, [(String, Int, String)], [String])] = [
        ("a short message goes at once", [m(1, units: 20)], false, [("1", 20, "m1")], []),
        ("a piece at the limit is held for the rest", [m(1, units: 4096)], false, [], ["1"]),
        ("after the wait it goes alone", [m(1, units: 4096)], true, [("1", 4096, "m1")], []),
        ("three pieces are one message, answered at the last", [m(1, units: 4096), m(2, units: 4090), m(3, units: 300)], false,
         [("1", 4096 + 4090 + 300 + 2, "m3")], []),
        ("a run still at the limit is held whole", [m(1, units: 4096), m(2, units: 4000)], false, [], ["1", "2"]),
        ("another sender's message between the pieces does not split them",
         [m(1, units: 4096), m(2, from: "222", units: 10), m(3, units: 50)], false, [("2", 10, "m2"), ("1", 4096 + 50 + 1, "m3")], []),
        ("another chat is another paste", [m(1, units: 4096), m(2, chat: "-5", units: 50)], true, [("2", 50, "m2"), ("1", 4096, "m1")], []),
        ("a command after a piece is its own message", [m(1, units: 4096), m(2, text: "/new")], false, [("1", 4096, "m1"), ("2", 4, "m2")], []),
        ("a piece long after the first is not its rest", [m(1, units: 4096), m(2, units: 50, at: 60)], false,
         [("1", 4096, "m1"), ("2", 50, "m2")], []),
        ("a short message is never held", [m(1, units: 3799)], false, [("1", 3799, "m1")], []),
    ]

    @Test(arguments: cases)
    func piecesOfOnePasteBecomeOneMessage(
        _ what: String, messages: [InboundMessage], release: Bool, ready: [(String, Int, String)], held: [String]
    ) {
        let r = LongPaste.join(messages, release: release)
        #expect(r.ready.map(\.eventID) == ready.map(\.0), "\(what)")
        #expect(r.ready.map(\.text.utf16.count) == ready.map(\.1), "\(what)")
        #expect(r.ready.map(\.replyTo) == ready.map(\.2), "\(what)")
        #expect(r.held.map(\.eventID) == held, "\(what)")
    }

    @Test func aCutAtABoundaryIsJoinedReadably() {
        let joined = LongPaste.merged([Self.m(1, text: "first part"), Self.m(2, text: "second part"), Self.m(3, text: " third")])
        #expect(joined.text == "first part\nsecond part third")
    }
}
