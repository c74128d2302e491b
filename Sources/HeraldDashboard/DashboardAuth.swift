import Foundation
import HeraldCore

/// Who may use the dashboard: whoever holds the token Herald wrote to a 0600 file in its
/// state directory. A login turns the token into a session cookie (HttpOnly, SameSite=Strict)
/// signed with it; every form carries a CSRF token derived from the cookie. Nothing is kept in
/// memory, so a restart logs nobody out, and replacing the token file logs everybody out.
public struct DashboardAuth: Sendable {
    public static let cookieName = "herald_session"
    public static let tokenFileName = "dashboard.token"

    let token: String
    let sessionLifetime: TimeInterval

    public init(token: String, sessionDays: Int) {
        self.token = token
        sessionLifetime = TimeInterval(sessionDays) * 86_400
    }

    /// Reads the token from `STATE_DIR/dashboard.token`, making it (32 random bytes, hex, mode
    /// 0600) when there is none. `created` says the file is new, to print the login link once.
    public static func token(stateDirectory: String) throws -> (token: String, created: Bool) {
        let path = (stateDirectory as NSString).appendingPathComponent(tokenFileName)
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 32 else { throw SecretError(message: "\(path) holds no usable token (delete it and a new one is made)") }
            // Whoever else can read it could log in: keep it to the owner.
            chmod(path, 0o600)
            Redactor.shared.register(token)
            return (token, false)
        }
        var rng = SystemRandomNumberGenerator()
        let token = SHA256.hex(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SecretError(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw SecretError(message: "cannot write \(path)") }
        Redactor.shared.register(token)
        return (token, true)
    }

    /// The login link `herald dashboard url` prints.
    public static func loginURL(bind: String, port: Int, token: String) -> String {
        let host = bind.contains(":") ? "[\(bind)]" : bind
        return "http://\(host):\(port)/login?token=\(token)"
    }

    public func isToken(_ candidate: String) -> Bool {
        HMAC.constantTimeEqual(Array(candidate.utf8), Array(token.utf8))
    }

    /// A new session cookie's value: when it was issued and a signature over that.
    public func newSession(now: Date) -> String {
        let issued = String(Int64(now.timeIntervalSince1970))
        return "v1.\(issued).\(sign("session|" + issued))"
    }

    /// Whether `cookie` is a session this token signed that has not expired.
    public func isSession(_ cookie: String, now: Date) -> Bool {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let issued = Int64(parts[1]) else { return false }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        guard age >= -300, age < sessionLifetime else { return false }
        return HMAC.constantTimeEqual(Array(parts[2].utf8), Array(sign("session|" + parts[1]).utf8))
    }

    /// The CSRF token of a session: forms carry it, a POST without it is refused.
    public func csrf(for session: String) -> String { String(sign("csrf|" + session).prefix(32)) }

    public func isCSRF(_ candidate: String, for session: String) -> Bool {
        HMAC.constantTimeEqual(Array(candidate.utf8), Array(csrf(for: session).utf8))
    }

    public func cookie(_ value: String, secure: Bool = false) -> String {
        "\(Self.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessionLifetime))" + (secure ? "; Secure" : "")
    }

    public static let clearedCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"

    private func sign(_ text: String) -> String { HMAC.sha256Hex(key: Array(token.utf8), message: Array(text.utf8)) }
}
