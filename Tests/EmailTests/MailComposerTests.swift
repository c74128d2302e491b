import Foundation
import Testing

@testable import HeraldEmail

struct MailComposerTests {
    static func reply(subject: String = "plan", markdown: String = "Hello **you**") -> MailComposer.Reply {
        MailComposer.Reply(
            from: "herald@test.local", fromName: "Herald", to: "alice@test.local", subject: subject,
            messageID: "herald.x.7@test.local",
            inReplyTo: "m2@test.local", references: ["m1@test.local", "m2@test.local"], date: Date(timeIntervalSince1970: 0),
            markdown: markdown)
    }

    @Test func aReplyThreadsAndReadsBack() {
        let part = MIMEPart(parsing: MailComposer.render(Self.reply()))
        #expect(part.headers["In-Reply-To"] == "<m2@test.local>")
        #expect(part.headers.messageIDs("References") == ["m1@test.local", "m2@test.local"])
        #expect(part.headers["Auto-Submitted"] == "auto-replied")
        #expect(part.headers["Subject"] == "Re: plan")
        #expect(part.contentType == "multipart/alternative")
        #expect(MailContent(part).text == "Hello you")
        #expect(part.parts.map(\.contentType) == ["text/plain", "text/html"])
        #expect(part.parts[1].text.text.contains("<b>you</b>") || part.parts[1].text.text.contains("<strong>you</strong>"))
    }

    @Test func aSubjectCannotInjectHeaders() {
        let data = MailComposer.render(Self.reply(subject: "hi\r\nBcc: victim@test.local\r\n"))
        let part = MIMEPart(parsing: data)
        #expect(part.headers["Bcc"] == nil)
        #expect(part.headers.text("Subject") == "Re: hiBcc: victim@test.local")
    }

    @Test(arguments: ["Re: Re: plan", "RE: plan", "plan"])
    func reOnce(subject: String) {
        #expect(MailComposer.replySubject(subject) == "Re: plan")
    }

    @Test func longAndDotLinesStayWithinSMTPLimits() {
        let text = String(repeating: "x", count: 5000) + "\n.\n" + "Ünïcödé " + String(repeating: "word ", count: 300)
        let data = MailComposer.render(Self.reply(subject: String(repeating: "Größe ", count: 40), markdown: text))
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(!lines.contains("."))
        #expect(MailContent(MIMEPart(parsing: data)).text.contains(String(repeating: "x", count: 5000)))
        #expect(
            MIMEPart(parsing: data).headers.text("Subject") == "Re: "
                + String(repeating: "Größe ", count: 40).trimmingCharacters(in: .whitespaces))
    }
}
