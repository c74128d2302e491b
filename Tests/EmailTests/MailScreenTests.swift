import Foundation
import Testing

@testable import HeraldEmail

struct MailScreenTests {
    static let screen = MailScreen(ownAddresses: ["herald@test.local"], authservID: "mx.test.local", trustServer: false)

    static func headers(_ lines: [String]) -> MailHeaders { MailHeaders(parsing: Data(lines.joined(separator: "\r\n").utf8)) }

    @Test(
        arguments: [
            (["From: a@test.local"], nil),
            (["From: a@test.local", "Auto-Submitted: no"], nil),
            (["From: a@test.local", "Auto-Submitted: auto-replied"], "Auto-Submitted: auto-replied"),
            (
                ["From: a@test.local", "Auto-Submitted: auto-generated; type=vacation"],
                "Auto-Submitted: auto-generated; type=vacation"
            ),
            (["From: a@test.local", "Precedence: bulk"], "Precedence: bulk"),
            (["From: a@test.local", "List-Id: <news.test.local>"], "a mailing list (List-Id)"),
            (["From: a@test.local", "Return-Path: <>"], "a bounce (empty Return-Path)"),
            (["From: MAILER-DAEMON@test.local"], "sent by mailer-daemon"),
            (["From: Herald <herald@test.local>"], "our own address"),
            (["Subject: no sender"], "no From address"),
        ] as [([String], String?)])
    func whatIsNeverAnswered(lines: [String], reason: String?) {
        #expect(Self.screen.ignoreReason(Self.headers(lines), contentType: "text/plain") == reason)
    }

    @Test(arguments: [
        ("mx.test.local; dkim=pass header.d=test.local", true),
        ("mx.test.local 1; dkim=pass (good sig) header.i=@test.local; spf=fail", true),
        ("mx.test.local; spf=pass smtp.mailfrom=a@test.local", true),
        ("mx.test.local; dkim=pass header.d=sub.test.local", false),
        ("mx.test.local; dkim=fail header.d=test.local; spf=softfail smtp.mailfrom=a@test.local", false),
        ("mx.test.local; dkim=pass header.d=evil.example", false),
        ("evil.example; dkim=pass header.d=test.local", false),
        ("MX.Test.Local; DKIM=Pass header.d=Test.Local", true),
    ])
    func onlyOurServersPassingResultIsBelieved(results: String, trusted: Bool) {
        let h = Self.headers(["Authentication-Results: " + results, "From: Alice <a@test.local>"])
        #expect(Self.screen.authenticated(h) == trusted)
    }

    @Test func aForgedResultBelowOurServersOwnIsNotBelieved() {
        let h = Self.headers([
            "Authentication-Results: mx.test.local; dkim=none; spf=fail smtp.mailfrom=a@test.local",
            "Received: from evil.example by mx.test.local",
            "Authentication-Results: mx.test.local; dkim=pass header.d=test.local",
            "From: a@test.local",
        ])
        #expect(!Self.screen.authenticated(h))
    }

    @Test func withoutAnyResultsOnlyTheTrustServerSwitchVouches() {
        let h = Self.headers(["From: a@test.local"])
        #expect(!Self.screen.authenticated(h))
        #expect(MailScreen(ownAddresses: [], authservID: nil, trustServer: true).authenticated(h))
    }
}
