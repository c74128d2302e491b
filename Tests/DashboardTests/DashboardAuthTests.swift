import Foundation
import HeraldCore
import Testing

@testable import HeraldDashboard

@Suite struct DashboardAuthTests {
    let auth = DashboardAuth(token: String(repeating: "ab", count: 32), sessionDays: 7)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionThisTokenSignedIsValidUntilItExpires() {
        let s = auth.newSession(now: now)
        #expect(auth.isSession(s, now: now))
        #expect(auth.isSession(s, now: now.addingTimeInterval(6 * 86_400)))
        #expect(!auth.isSession(s, now: now.addingTimeInterval(7 * 86_400 + 1)))
        // Issued far in the future (a forged or skewed clock) is not a session.
        #expect(!auth.isSession(s, now: now.addingTimeInterval(-3_600)))
    }

    @Test(arguments: ["", "v1", "v1.1800000000", "v2.1800000000.00", "v1.notanumber.00", "v1.1800000000.deadbeef", "v1.1800000001.SIG"])
    func anythingElseIsNoSession(cookie: String) {
        let real = auth.newSession(now: now)
        let candidate = cookie.replacingOccurrences(of: "SIG", with: String(real.split(separator: ".")[2]))
        #expect(!auth.isSession(candidate, now: now))
    }

    @Test func anotherTokensSessionIsRefused() {
        let other = DashboardAuth(token: String(repeating: "cd", count: 32), sessionDays: 7)
        #expect(!auth.isSession(other.newSession(now: now), now: now))
    }

    @Test func theCSRFTokenBelongsToOneSession() {
        let a = auth.newSession(now: now)
        let b = auth.newSession(now: now.addingTimeInterval(1))
        #expect(auth.isCSRF(auth.csrf(for: a), for: a))
        #expect(!auth.isCSRF(auth.csrf(for: a), for: b))
        #expect(!auth.isCSRF("", for: a))
    }

    @Test func theCookieIsHttpOnlyAndSameSiteStrict() {
        let c = auth.cookie("v1.1.x")
        #expect(c.hasPrefix("herald_session=v1.1.x;"))
        #expect(c.contains("HttpOnly"))
        #expect(c.contains("SameSite=Strict"))
        #expect(c.contains("Max-Age=604800"))
    }

    @Test func theTokenFileIsMadeOnceWithMode0600() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("herald-auth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try DashboardAuth.token(stateDirectory: dir)
        #expect(first.created)
        #expect(first.token.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/dashboard.token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let second = try DashboardAuth.token(stateDirectory: dir)
        #expect(!second.created)
        #expect(second.token == first.token)
    }

    @Test func aTruncatedTokenFileIsAClearErrorNotAnEmptyPassword() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("herald-auth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "\n".write(toFile: dir + "/dashboard.token", atomically: true, encoding: .utf8)
        #expect(throws: SecretError.self) { try DashboardAuth.token(stateDirectory: dir) }
    }

    @Test(arguments: [("127.0.0.1", "http://127.0.0.1:8470/login?token=T"), ("::1", "http://[::1]:8470/login?token=T")])
    func theLoginLinkBracketsIPv6(bind: String, url: String) {
        #expect(DashboardAuth.loginURL(bind: bind, port: 8470, token: "T") == url)
    }
}
