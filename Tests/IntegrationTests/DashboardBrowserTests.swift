import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// The dashboard as a person uses it: a real headless Chromium against `herald run` with the
/// Telegram fake, every check on the DOM after the page's JavaScript ran.
@Suite(.serialized, .enabled(if: BrowserPeer.enabled, "headless Chromium is not installed; `make test` installs it"))
struct DashboardBrowserTests {
    static let chat: Int64 = 111

    @Test func aPersonLogsInSeesTheirSessionRunsAJobSearchesTheLibraryAndRetriesAFailedDelivery() async throws {
        try BrowserPeer.require()
        let port = IRCServer.freePort()
        let h = try TelegramHarness(extra: "[dashboard]\nenabled = true\nport = \(port)\n")
        defer { h.shutdown() }
        // A library item to find, filed before Herald starts.
        do {
            try FileManager.default.createDirectory(atPath: h.dir.file("state"), withIntermediateDirectories: true)
            let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
            _ = try await store.saveArtifact(
                Artifact(
                    owner: "telegram/main:111", kind: .note, source: "test", title: "Harbour tide tables", contentHash: "h1",
                    text: "Spring tides in the harbour reach 5.2 metres in March.", category: "sailing", tags: ["tides", "harbour"],
                    summary: "When the harbour floods.", status: .filed))
        }
        let herald = try await h.start()
        defer { kill(herald.process.processIdentifier, SIGKILL) }
        try await herald.waitFor("the dashboard to listen") { _, err in err.contains { $0.contains("dashboard listening") } }
        let token = try String(contentsOfFile: h.dir.file("state/dashboard.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(herald.stderr.contains { $0.contains("/login?token=") }, "the first start prints the login link")

        h.telegram.inject(chat: Self.chat, from: 111, text: "hello from the harbour")
        try await h.waitForSent("the first reply") { $0.contains { $0.params["text"]?.contains("hello from the harbour") == true } }

        let browser = try await BrowserPeer()
        let base = "http://127.0.0.1:\(port)"

        // Without the token: 401 and nothing of the dashboard.
        try await browser.goto(base + "/sessions")
        #expect(try await browser.text("document.body.innerText").hasPrefix("401 Unauthorized"))
        try await browser.goto(base + "/login")
        try await browser.screenshot("login", height: 500)
        try await browser.goto(base + "/login?token=\(token)")
        try await browser.wait("location.pathname === '/sessions' && document.querySelector('#sessions [data-prompt-tokens]')")
        let cookie = try await browser.cookies().first { $0["name"] as? String == "herald_session" }
        #expect(cookie?["httpOnly"] as? Bool == true)
        #expect(cookie?["sameSite"] as? String == "Strict")

        // The session's token counts are the store's.
        let store = try SQLStore(path: h.dir.file("state/herald.sqlite"))
        let sessions = try await store.sessions(limit: 10)
        let session = try #require(sessions.first { $0.session.conversation.chat == "111" })
        let prompt = try await store.usage(sessionID: session.session.id).reduce(0) { $0 + $1.usage.promptTokens }
        #expect(prompt > 0)
        let shown = try await browser.text("document.querySelector('#sessions [data-prompt-tokens]').textContent")
        #expect(shown.replacingOccurrences(of: ",", with: "") == String(prompt))
        #expect(try await browser.text("document.querySelector('#sessions [data-calls]').textContent") == "1")

        // Live: the next message's turn shows up without a reload.
        // The stream's opening refreshes the page once (what happened before it connected).
        try await browser.wait("document.body.dataset.live === 'up' && document.querySelector('main').dataset.refreshed === '1'")
        h.telegram.inject(chat: Self.chat, from: 111, text: "and the tides?")
        try await browser.wait("document.querySelector('main').dataset.refreshed >= '2' && document.querySelector('#sessions [data-calls]').textContent === '2'")
        try await browser.screenshot("sessions")
        try await browser.click("#sessions a")
        try await browser.wait("document.querySelector('#prompt [data-part]') && document.querySelector('.msg.assistant')")
        #expect(try await browser.text("document.querySelector('main').innerText").contains("and the tides?"))
        try await browser.screenshot("session")

        // A job made in the browser runs now and is delivered to the chat.
        try await browser.goto(base + "/jobs")
        try await browser.wait("document.body.dataset.live === 'up' && document.querySelector('main').dataset.refreshed === '1'")
        try await browser.fill("#name", "harbour-watch")
        try await browser.fill("#schedule", "every 1d")
        try await browser.fill("#target", "telegram/main/111")
        try await browser.fill("#prompt", "Report the harbour watch")
        try await browser.click("#new-job button")
        try await browser.wait("location.pathname === '/jobs/harbour-watch' && document.querySelector('.notice')")
        #expect(try await browser.text("document.querySelector('.notice').textContent") == "Created harbour-watch.")
        try await browser.click("form[action='/jobs/harbour-watch/run'] button")
        try await browser.wait("document.querySelector('#runs [data-delivery=\"sent\"]')")
        try await h.waitForSent("the job's result in the chat") { $0.contains { $0.params["text"]?.contains("Report the harbour watch") == true } }
        let runText = try await browser.text("document.querySelector('#runs [data-run-state]').textContent")
        let delivered = h.telegram.sentMessages.first { $0.params["text"]?.contains("Report the harbour watch") == true }
        #expect(delivered != nil)
        #expect(runText.contains("delivered (message ") && !runText.contains("message ?"), "the run names the platform message it delivered: \(runText)")
        try await browser.screenshot("job")
        try await browser.goto(base + "/jobs")
        #expect(try await browser.text("document.querySelector('#jobs [data-job=\"harbour-watch\"]')") != "")
        try await browser.screenshot("jobs")

        // The library: a search finds the item; its page shows text, tags and summary.
        try await browser.goto(base + "/library")
        try await browser.fill("#q", "tides")
        try await browser.click("form[role=search] button")
        try await browser.wait("document.querySelector('#artifacts') && document.querySelector('#artifacts').innerText.includes('Harbour tide tables')")
        try await browser.screenshot("library")
        try await browser.click("#artifacts a")
        try await browser.wait("document.querySelector('#summary')")
        #expect(try await browser.text("document.querySelector('#text').textContent").contains("5.2 metres"))
        #expect(try await browser.text("document.querySelector('main').innerText").contains("harbour"))
        try await browser.goto(base + "/library?q=zebra")
        #expect(try await browser.text("document.querySelector('#artifacts')") == "")

        // A reply the platform refused for good is in the outbox with why; Retry delivers it.
        h.telegram.block(Self.chat)
        try await browser.goto(base + "/outbox")
        h.telegram.inject(chat: Self.chat, from: 111, text: "blocked for a moment")
        try await browser.wait("document.querySelector('#failed [data-outbox]')")
        #expect(try await browser.text("document.querySelector('#failed').innerText").contains("blocked"))
        try await browser.screenshot("outbox")
        h.telegram.unblock(Self.chat)
        try await browser.click("#failed form button")
        try await browser.wait("document.querySelector('.notice') && !document.querySelector('#failed')")
        try await h.waitForSent("the retried reply") { $0.contains { $0.params["text"]?.contains("blocked for a moment") == true } }

        // The other pages render, and on a phone too.
        try await browser.goto(base + "/profiles")
        try await browser.screenshot("profiles")
        try await browser.goto(base + "/access")
        try await browser.screenshot("access", height: 500)
        try await browser.goto(base + "/sessions")
        try await browser.screenshot("phone", width: 390, height: 844, mobile: true)
        await browser.close()
        try await h.stop(herald)
    }
}
