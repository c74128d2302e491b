import Foundation
import HeraldPeers
import Testing

/// `herald doctor --online` against the live peers: it logs in everywhere it can and gives
/// each login its own verdict, good or bad.
@Suite(
    .serialized,
    .enabled(if: MatrixTestUser.enabled && MailPeer.enabled && IRCServer.enabled, "needs Synapse, Dovecot and ngircd: run `make test`"))
struct DoctorOnlineTests {
    /// A config with one account on every platform, the given secrets and a model at `modelURL`.
    func config(in dir: TempDir, telegram: FakeTelegramServer, matrix: MatrixTestUser, irc: IRCServer, modelURL: String) throws -> String {
        let mail = try MailPeer.requireDir()
        let address = MailPeer.address("herald")
        return TestConfig.write(
            in: dir, modelURL: modelURL,
            extra: """
                [adapters.telegram]
                token_env = "HERALD_TEST_TG_TOKEN"
                api_base = "\(telegram.baseURL)"
                allowed_users = [111]

                [adapters.matrix]
                homeserver = "\(matrix.base)"
                user = "\(matrix.localpart)"
                password_env = "HERALD_TEST_MATRIX_PASSWORD"
                allowed_users = ["@alice:test.local"]

                [adapters.email]
                address = "\(address)"
                user = "\(address.split(separator: "@")[0])"
                password_env = "HERALD_TEST_MAIL_PASSWORD"
                imap = "imaps://127.0.0.1:11993"
                smtp = "smtp://127.0.0.1:12525"
                ca_file = "\(mail)/cert.pem"
                allowed_senders = ["alice@test.local"]
                authserv_id = "\(MailPeer.authserv)"

                [adapters.irc]
                host = "127.0.0.1"
                port = \(irc.port)
                tls = false
                nick = "herald"
                channels = ["#harbour"]
                allowed_nicks = ["alice"]
                """)
    }

    @Test func everyLoginGetsItsOwnVerdict() async throws {
        let telegram = try FakeTelegramServer(token: TelegramHarness.token)
        let model = try StubOpenAIServer()
        let irc = try IRCServer()
        let matrix = try await MatrixTestUser.register("herald")
        defer { telegram.stop(); model.stop(); irc.stop() }
        let dir = TempDir()
        let path = try config(in: dir, telegram: telegram, matrix: matrix, irc: irc, modelURL: model.baseURL)
        let secrets = [
            "HERALD_TEST_TG_TOKEN": TelegramHarness.token, "HERALD_TEST_MATRIX_PASSWORD": matrix.password,
            "HERALD_TEST_MAIL_PASSWORD": MailPeer.password,
        ]
        let good = try HeraldProcess(["doctor", "--online", "--config", path], environment: secrets)
        #expect(try await good.waitForExit() == 0, "\(good.stdout)")
        let out = good.stdout
        #expect(out.contains { $0.hasPrefix("ok    adapter telegram/main online: getMe: the bot @") }, "\(out)")
        #expect(out.contains { $0.hasPrefix("ok    adapter matrix/main online: whoami: \(matrix.userID)") }, "\(out)")
        #expect(out.contains { $0.contains("online: IMAP login as ") && $0.contains("SMTP login at 127.0.0.1:12525") }, "\(out)")
        #expect(out.contains { $0.contains("online: registered at 127.0.0.1:\(irc.port) as herald") }, "\(out)")
        #expect(out.contains { $0.hasPrefix("ok    model local online:") && $0.contains("one-token request") }, "\(out)")
        #expect(model.requests.count == 1 && telegram.sentMessages.isEmpty, "one model request, nothing sent to anyone")
        #expect(!out.joined().contains(TelegramHarness.token) && !out.joined().contains(matrix.password), "no secret in the output")

        // Wrong secrets, a model that fails and an IRC server that is gone: each says so.
        irc.stop()
        let failing = try StubOpenAIServer(script: { _ in .status(500) })
        defer { failing.stop() }
        let bad = try HeraldProcess(
            ["doctor", "--online", "--config", try config(in: dir, telegram: telegram, matrix: matrix, irc: irc, modelURL: failing.baseURL)],
            environment: [
                "HERALD_TEST_TG_TOKEN": "7012345678:AAH-wrong-token", "HERALD_TEST_MATRIX_PASSWORD": matrix.password,
                "HERALD_TEST_MAIL_PASSWORD": "not-the-password",
            ])
        #expect(try await bad.waitForExit() == 69, "\(bad.stdout)")
        let verdicts = bad.stdout
        for adapter in ["telegram/main", "irc/main"] {
            #expect(verdicts.contains { $0.hasPrefix("FAIL  adapter \(adapter) online:") }, "\(adapter): \(verdicts)")
        }
        #expect(verdicts.contains { $0.hasPrefix("FAIL  adapter email/") && $0.contains("online:") }, "\(verdicts)")
        #expect(verdicts.contains { $0.hasPrefix("ok    adapter matrix/main online:") }, "the stored session still works")
        #expect(verdicts.contains { $0.hasPrefix("FAIL  model local online:") && $0.contains("500") }, "\(verdicts)")
        #expect(!verdicts.joined().contains("not-the-password") && !verdicts.joined().contains("wrong-token"))
    }
}
