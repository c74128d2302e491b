import Foundation
import Testing

@testable import HeraldDashboard

@Suite struct FormDataTests {
    @Test(arguments: [
        ("a=1&b=two+words", ["a": "1", "b": "two words"]),
        ("name=caf%C3%A9&x=%26%3D", ["name": "café", "x": "&="]),
        ("flag&empty=", ["flag": "", "empty": ""]),
        ("a=1&a=2", ["a": "2"]),
        ("=orphan&&b=3", ["b": "3"]),
        ("bad=%ZZ%4", ["bad": "%ZZ%4"]),
        ("", [:]),
        ("prompt=line+one%0D%0Aline+two", ["prompt": "line one\r\nline two"]),
    ])
    func formsDecodeAsBrowsersEncode(body: String, expected: [String: String]) {
        #expect(FormData.fields(body) == expected)
    }

    @Test func bytesThatAreNotUTF8BecomeReplacementCharactersNotALostField() {
        #expect(FormData.fields("t=%FFok")["t"] == "\u{FFFD}ok")
    }

    @Test(arguments: [
        ("herald_session=v1.1.abc", ["herald_session": "v1.1.abc"]),
        ("a=1; herald_session=x; a=2", ["a": "1", "herald_session": "x"]),
        ("  spaced = yes ;;", ["spaced": "yes"]),
        ("novalue", ["novalue": ""]),
    ])
    func cookiesParseAndTheFirstOfARepeatedNameWins(header: String, expected: [String: String]) {
        #expect(FormData.cookies(header) == expected)
    }

    @Test(arguments: ["plain", "two words & more", "café/?#=", "line\nbreak"])
    func encodingRoundTrips(value: String) {
        #expect(FormData.fields("v=" + FormData.encode(value))["v"] == value)
    }
}
