import HeraldEmail
import Testing

/// Replies as Outlook writes them: the earlier exchange below a header block, no ">".
@Suite struct OutlookQuoteTests {
    @Test(arguments: [
        (
            "Yes, Monday works.\n\n________________________________\nFrom: Alice <alice@example.org>\nSent: Monday, 1 December 2026 09:00\nTo: Herald <herald@example.org>\nSubject: Tiles\n\nCan we meet on Monday?",
            "Yes, Monday works."
        ),
        (
            "Passt.\n\nVon: Alice <alice@example.org>\nGesendet: Montag, 1. Dezember 2026 09:00\nAn: Herald\nBetreff: Fliesen\n\nGeht Montag?",
            "Passt."
        ),
        (
            "Okay.\r\n\r\n*From:* Alice\r\n*Sent:* Monday\r\n*To:* Herald\r\n*Subject:* Tiles\r\n\r\nOld text",
            "Okay."
        ),
        ("From: my side, the plan is fine.\nSee you on Monday.", "From: my side, the plan is fine.\nSee you on Monday."),
    ])
    func theEarlierExchangeIsQuotedNotNewText(body: String, text: String) {
        let parts = MailContent.separate(body)
        #expect(parts.text == text)
        #expect(!parts.text.contains("Can we meet") && !parts.text.contains("Geht Montag") && !parts.text.contains("Old text"))
    }
}
