import Foundation
import Testing

@testable import HeraldEmail

/// Mail written the way real clients write it, read back as a person would read it.
struct MIMETests {
    static func mail(_ text: String) -> Data { Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test func quotedPrintableLatin1FromMutt() {
        var raw = Self.mail(
            """
            Date: Thu, 26 Nov 2026 10:00:00 +0100
            From: =?iso-8859-1?Q?Ren=E9e_M=FCller?= <renee@test.local>
            To: herald@test.local
            Subject: =?ISO-8859-1?Q?R=E9union_=E0?= =?ISO-8859-1?Q?_Z=FCrich?=
            Message-ID: <20261126090000.GA1234@mutt.test.local>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=iso-8859-1
            Content-Disposition: inline
            Content-Transfer-Encoding: quoted-printable
            User-Agent: Mutt/2.2.9 (2022-11-12)

            Bonjour, la r=E9union est d=E9plac=E9e =E0 Z=FCrich. Une tr=E8s longue ligne=
             qui continue ici.
            Co=FBt: 5 =80.

            """)
        raw.append(contentsOf: [])
        let m = MIMEPart(parsing: raw)
        #expect(m.headers.text("Subject") == "Réunion à Zürich")
        #expect(m.headers.text("From") == "Renée Müller <renee@test.local>")
        #expect(m.headers.address("From") == "renee@test.local")
        let content = MailContent(m)
        #expect(content.text == "Bonjour, la réunion est déplacée à Zürich. Une très longue ligne qui continue ici.\nCoût: 5 €.")
        #expect(content.notes.isEmpty)
    }

    @Test func base64HTMLOnlyMail() {
        let html =
            "<html><head><style>p{color:red}</style></head><body><h1>Weekly news</h1><p>Caf&eacute; opens <b>Monday</b>.</p><script>x()</script></body></html>"
        let b64 = Data(html.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let m = MIMEPart(
            parsing: Self.mail(
                """
                From: News <news@test.local>
                Subject: News
                Content-Type: text/html; charset="utf-8"
                Content-Transfer-Encoding: base64

                \(b64)
                """))
        let content = MailContent(m)
        #expect(content.text.contains("Weekly news"))
        #expect(content.text.contains("Café opens Monday."))
        #expect(!content.text.contains("color:red") && !content.text.contains("x()") && !content.text.contains("<"))
    }

    @Test func thunderbirdReplyWithPDFAndAlternative() throws {
        let pdf = Data("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n".utf8)
        let m = MIMEPart(
            parsing: Self.mail(
                """
                Message-ID: <4b7c1d2e-aaaa@test.local>
                In-Reply-To: <herald-7@herald.test.local>
                References: <root@test.local> <herald-7@herald.test.local>
                From: Alice <alice@test.local>
                Subject: Re: plan
                Content-Type: multipart/mixed; boundary="------------mixed42"

                This is a multi-part message in MIME format.
                --------------mixed42
                Content-Type: multipart/alternative;
                 boundary="------------alt7"

                --------------alt7
                Content-Type: text/plain; charset=UTF-8; format=flowed
                Content-Transfer-Encoding: 8bit

                Yes, let's do the second option. The report is attached.

                On 26/11/2026 10:00, Herald wrote:
                > Here are two options:
                > 1. wait
                > 2. go

                -- 
                Alice, harbour office
                --------------alt7
                Content-Type: text/html; charset=UTF-8

                <p>Yes, let's do the <b>second</b> option.</p>
                --------------alt7--
                --------------mixed42
                Content-Type: application/pdf; name="report Q3.pdf"
                Content-Disposition: attachment; filename*=utf-8''report%20Q3%20%C3%A9t%C3%A9.pdf
                Content-Transfer-Encoding: base64

                \(pdf.base64EncodedString(options: .lineLength64Characters))
                --------------mixed42--

                """))
        #expect(m.contentType == "multipart/mixed")
        #expect(m.headers.messageIDs("References") == ["root@test.local", "herald-7@herald.test.local"])
        let content = MailContent(m)
        #expect(content.text == "Yes, let's do the second option. The report is attached.")
        #expect(content.quoted.hasPrefix("On 26/11/2026 10:00, Herald wrote:"))
        #expect(content.signature == "Alice, harbour office")
        let attachment = try #require(content.attachments.first)
        #expect(content.attachments.count == 1)
        #expect(attachment.filename == "report Q3 été.pdf")
        #expect(attachment.body == pdf)
    }

    @Test(arguments: [
        ("Hello", "Hello", "plain text"),
        ("=?UTF-8?B?8J+Ygg==?= smile", "😂 smile", "emoji in B"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab", "space between words dropped"),
        ("=?utf-8?q?a?= c", "a c", "space before plain text kept"),
        ("=?windows-1252?Q?=93quoted=94?=", "\u{201C}quoted\u{201D}", "cp1252 smart quotes"),
        ("=?bogus", "=?bogus", "broken word left as is"),
    ])
    func encodedWords(input: String, expected: String, _ why: String) {
        #expect(MailHeaders.decodeWords(input) == expected, "\(why)")
    }

    @Test func unknownCharsetIsReportedNotDropped() {
        let m = MIMEPart(parsing: Self.mail("Content-Type: text/plain; charset=x-klingon\n\nqapla'"))
        let content = MailContent(m)
        #expect(content.text == "qapla'")
        #expect(content.notes.first?.contains("x-klingon") == true)
    }

    @Test func garbageDoesNotCrash() {
        for raw in [Data(), Data([0xFF, 0xFE, 0x00, 0x0A]), Data("Content-Type: multipart/mixed; boundary=x\n\n--x\n--x".utf8)] {
            _ = MailContent(MIMEPart(parsing: raw))
        }
    }

    @Test func quotedPrintableEncodingRoundTrips() {
        let text = "Ünïcödé line\n.\n" + String(repeating: "long ", count: 400) + "\ntrailing space "
        let encoded = TransferEncoding.encodeQuotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(line != ".")
        }
        #expect(
            String(decoding: TransferEncoding.quotedPrintable(Data(encoded.utf8)), as: UTF8.self)
                == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test(arguments: [
        ("Alice <alice@Test.local>", ["alice@test.local"]),
        ("\"Doe, John\" <john@test.local>, bob@test.local", ["john@test.local", "bob@test.local"]),
        ("undisclosed-recipients:;", []),
    ])
    func addresses(value: String, expected: [String]) {
        #expect(MailHeaders.addresses(in: value) == expected)
    }
}
