import Foundation
import HeraldCore
import Testing

@testable import HeraldIRC

@Suite struct IRCMessageTests {
    static let lines: [(String, IRCMessage)] = [
        ("PING :irc.test", IRCMessage(command: "PING", params: ["irc.test"])),
        (":alice!a@host PRIVMSG #harbour :herald: hi there", IRCMessage(source: "alice!a@host", command: "PRIVMSG", params: ["#harbour", "herald: hi there"])),
        ("@account=alice;msgid=abc :alice!a@h PRIVMSG herald :yo", IRCMessage(tags: ["account": "alice", "msgid": "abc"], source: "alice!a@h", command: "PRIVMSG", params: ["herald", "yo"])),
        ("@label=a\\sb\\:c;flag :s 001 herald :Welcome", IRCMessage(tags: ["label": "a b;c", "flag": ""], source: "s", command: "001", params: ["herald", "Welcome"])),
        (":s CAP * LS * :sasl=PLAIN server-time", IRCMessage(source: "s", command: "CAP", params: ["*", "LS", "*", "sasl=PLAIN server-time"])),
        ("privmsg #c ::-)", IRCMessage(command: "PRIVMSG", params: ["#c", ":-)"])),
        (":s 353 herald = #c :@alice  bob", IRCMessage(source: "s", command: "353", params: ["herald", "=", "#c", "@alice  bob"])),
    ]

    @Test(arguments: lines)
    func parsesLines(line: String, expected: IRCMessage) {
        #expect(IRCMessage.parse(line) == expected)
    }

    @Test func garbageIsNotACommand() {
        #expect(IRCMessage.parse("") == nil)
        #expect(IRCMessage.parse(":only-a-source") == nil)
        #expect(IRCMessage.parse(Data([0xFF, 0x50, 0x49, 0x4E, 0x47]))?.command == "\u{FFFD}PING")
    }

    @Test func nothingFromAModelCanEndTheLine() {
        let m = IRCMessage(command: "PRIVMSG", params: ["#c\r\nQUIT", "hi\r\nPRIVMSG NickServ :DROP\0"])
        #expect(m.line == "PRIVMSG #cQUIT :hiPRIVMSG NickServ :DROP")
        #expect(IRCMessage(command: "PRIVMSG", params: ["#c", "\u{01}VERSION\u{01}"]).line == "PRIVMSG #c VERSION")
    }
}

@Suite struct IRCTextTests {
    @Test func linesFitTheBudgetAndNeverSplitAScalar() {
        let text = String(repeating: "Привет 🚀 мир ", count: 60)
        let lines = IRCText.lines(text, budget: 100)
        #expect(lines.allSatisfy { $0.utf8.count <= 100 })
        #expect(lines.joined(separator: " ") == text.trimmingCharacters(in: .whitespaces))
    }

    @Test func aWordLongerThanTheBudgetIsCutAtAScalarBoundary() {
        let word = String(repeating: "ж", count: 100)  // 200 bytes, no spaces
        let lines = IRCText.lines(word, budget: 51)
        #expect(lines.map(\.utf8.count) == [50, 50, 50, 50])
        #expect(lines.joined() == word)
    }

    @Test func newlinesAreLineBreaksAndEmptyLinesAreDropped() {
        #expect(IRCText.lines("one\n\n  \ntwo\r\nthree", budget: 400) == ["one", "two", "three"])
    }

    @Test func theBudgetLeavesRoomForThePrefixTheServerAdds() {
        #expect(IRCText.budget(target: "#harbour", hostmask: "herald!herald@127.0.0.1") == 510 - ":herald!herald@127.0.0.1 PRIVMSG #harbour :".utf8.count)
        #expect(IRCText.budget(target: "#c", hostmask: nil) < 400)
    }

    @Test func addressingIsNickColonOrComma() {
        #expect(IRCAdapter.addressed("herald: hi", to: "herald") == "hi")
        #expect(IRCAdapter.addressed("Herald, hi", to: "herald") == "hi")
        #expect(IRCAdapter.addressed("heraldry is fun", to: "herald") == nil)
        #expect(IRCAdapter.addressed("hi herald", to: "herald") == nil)
    }
}

@Suite struct TokenBucketTests {
    @Test func aBurstGoesAtOnceThenTheRatePaces() {
        var b = TokenBucket(rate: 2, burst: 3)
        #expect((0..<3).map { _ in b.reserve(at: 0) } == [0, 0, 0])
        #expect(b.reserve(at: 0) == 0.5)
        #expect(b.reserve(at: 0) == 1.0, "waiting callers queue up")
        #expect(b.reserve(at: 10) == 0, "refilled (up to the burst) after a quiet time")
    }
}

@Suite struct RegistrationTests {
    func config(sasl: Bool, required: Bool = false) -> IRCConfig {
        var c = IRCConfig()
        c.nick = "herald"
        if sasl {
            c.saslUser = "herald"
            c.saslRequired = required
        }
        return c
    }

    @Test func saslPlainRunsBeforeCapEnd() throws {
        var r = Registration(config: config(sasl: true), password: "s3cret")
        #expect(r.start() == ["CAP LS 302", "NICK herald", "USER herald 0 * :Herald"])
        #expect(try r.handle(IRCMessage.parse(":s CAP * LS :sasl=PLAIN server-time account-tag foo")!).send == ["CAP REQ :account-tag sasl server-time"])
        #expect(try r.handle(IRCMessage.parse(":s CAP herald ACK :account-tag sasl server-time")!).send == ["AUTHENTICATE PLAIN"])
        let token = Data("herald\0herald\0s3cret".utf8).base64EncodedString()
        #expect(try r.handle(IRCMessage.parse("AUTHENTICATE +")!).send == ["AUTHENTICATE \(token)"])
        _ = try r.handle(IRCMessage.parse(":s 900 herald herald!h@x herald :You are now logged in as herald")!)
        #expect(try r.handle(IRCMessage.parse(":s 903 herald :SASL authentication successful")!).send == ["CAP END"])
        #expect(try r.handle(IRCMessage.parse(":s 001 herald :Welcome")!).registeredAs == "herald")
        #expect(r.account == "herald")
    }

    @Test func aFailedSaslAbortsWhenRequiredAndGoesOnOtherwise() throws {
        var required = Registration(config: config(sasl: true, required: true), password: "wrong")
        _ = required.start()
        _ = try required.handle(IRCMessage.parse(":s CAP * LS :sasl")!)
        _ = try required.handle(IRCMessage.parse(":s CAP * ACK :sasl")!)
        #expect(throws: IRCError.self) { try required.handle(IRCMessage.parse(":s 904 herald :SASL authentication failed")!) }
        var optional = Registration(config: config(sasl: true), password: "wrong")
        _ = optional.start()
        #expect(try optional.handle(IRCMessage.parse(":s 904 herald :SASL authentication failed")!).send == ["CAP END"])
    }

    @Test func noSaslOnTheServerWithSaslRequiredIsAnError() throws {
        var r = Registration(config: config(sasl: true, required: true), password: "x")
        _ = r.start()
        #expect(throws: IRCError.self) { try r.handle(IRCMessage.parse(":s CAP * LS :multi-prefix")!) }
    }

    @Test func aTakenNickTriesAlternatives() throws {
        var r = Registration(config: config(sasl: false), password: nil)
        _ = r.start()
        #expect(try r.handle(IRCMessage.parse(":s 433 * herald :Nickname is already in use")!).send == ["NICK herald_"])
        #expect(try r.handle(IRCMessage.parse(":s 433 * herald_ :Nickname is already in use")!).send == ["NICK herald__"])
        #expect(try r.handle(IRCMessage.parse(":s 001 herald__ :Welcome")!).registeredAs == "herald__")
    }
}
