import Foundation

/// HMAC-SHA256 (RFC 2104) over the house SHA-256: webhook signatures and the dashboard's
/// session and CSRF tokens.
public enum HMAC {
    public static func sha256(key: some DataProtocol, message: some DataProtocol) -> [UInt8] {
        var k = [UInt8](key)
        if k.count > 64 { k = SHA256.digest(Data(k)) }
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = SHA256.digest(Data(k.map { $0 ^ 0x36 } + [UInt8](message)))
        return SHA256.digest(Data(k.map { $0 ^ 0x5c } + inner))
    }

    public static func sha256Hex(key: some DataProtocol, message: some DataProtocol) -> String {
        SHA256.hex(bytes: sha256(key: key, message: message))
    }

    /// Compares in time that depends only on the length, so a forged signature learns
    /// nothing from how long the refusal took.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
