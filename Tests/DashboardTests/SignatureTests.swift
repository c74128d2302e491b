import Foundation
import HeraldCore
import Testing

@testable import HeraldDashboard

@Suite struct SignatureTests {
    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
    @Test(arguments: [
        (Array(repeating: UInt8(0x0b), count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (
            Array(repeating: UInt8(0xaa), count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ])
    func hmacMatchesRFC4231(key: [UInt8], message: [UInt8], hex: String) {
        #expect(HMAC.sha256Hex(key: key, message: message) == hex)
    }

    static let body = Data(#"{"ref":"main"}"#.utf8)
    static let hex: String = HMAC.sha256Hex(key: Array("s3cret".utf8), message: body)

    /// A signature as a sender might write it, and whether it is this body's under "s3cret".
    enum Form: String, CaseIterable {
        case exact, upperHex, padded, upperPrefix, noPrefix, sha1Prefix, emptyHex, empty, oneDigitWrong, oneDigitShort
        var signature: String {
            let hex = SignatureTests.hex
            switch self {
            case .exact: return "sha256=" + hex
            case .upperHex: return "sha256=" + hex.uppercased()
            case .padded: return " sha256=" + hex + " "
            case .upperPrefix: return "SHA256=" + hex
            case .noPrefix: return hex
            case .sha1Prefix: return "sha1=" + hex
            case .emptyHex: return "sha256="
            case .empty: return ""
            case .oneDigitWrong: return "sha256=" + String(hex.dropLast()) + (hex.last == "0" ? "1" : "0")
            case .oneDigitShort: return "sha256=" + String(hex.dropLast())
            }
        }
        var valid: Bool { [.exact, .upperHex, .padded, .upperPrefix].contains(self) }
    }

    @Test(arguments: Form.allCases)
    func aSignatureIsSha256HexOverTheRawBody(form: Form) {
        #expect(Dashboard.verify(signature: form.signature, body: Self.body, secret: "s3cret") == form.valid)
    }

    @Test func theSameSignatureOverAnotherBodyOrSecretIsRefused() {
        #expect(!Dashboard.verify(signature: "sha256=" + Self.hex, body: Data(#"{"ref":"evil"}"#.utf8), secret: "s3cret"))
        #expect(!Dashboard.verify(signature: "sha256=" + Self.hex, body: Self.body, secret: "other"))
    }
}
