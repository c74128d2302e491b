import Foundation
import HeraldCore
import HeraldPeers
import Testing

@testable import HeraldTelegram

@Suite struct TelegramAdapterTests {
    func adapter(groups all: Bool = false) throws -> TelegramAdapter {
        let a = try TelegramAdapter(
            config: TelegramConfig(
                token: .environment("HERALD_TG_UNIT"), answerAllInGroups: all, stateDirectory: NSTemporaryDirectory()),
        )
        a.me.withLock { $0 = (42, "herald_bot") }
        return a
    }

    init() { setenv("HERALD_TG_UNIT", "123456:unit-test-token", 1) }

    @Test(arguments: [
        ("hello everyone", false, false),
        ("@herald_bot what now?", false, true),
        ("hey @HERALD_BOT", false, true),
        ("/status", false, true),
        ("/status@herald_bot", false, true),
        ("/status@other_bot", false, false),
        ("thanks", true, true),
    ])
    func groupMessagesMustAddressTheBot(text: String, replyToBot: Bool, answered: Bool) throws {
        let a = try adapter()
        var message: [String: Any] = ["text": text]
        if replyToBot { message["reply_to_message"] = ["from": ["id": 42]] }
        #expect(a.addressesBot(message, text: text, bot: (42, "herald_bot")) == answered)
    }

    @Test func configNeedsATokenReferenceAndNamesTheLine() throws {
        let toml = "[adapters.telegram]\ntoken = \"123:abc\"\n"
        let config = try HeraldConfig.parse("[models.m]\nurl = \"http://x/v1\"\n" + toml, file: "h.toml")
        let reader = try #require(config.adapters.first?.reader)
        #expect(throws: ConfigError.self) { _ = try TelegramConfig(reader, stateDirectory: "/tmp") }
        do {
            _ = try TelegramConfig(reader, stateDirectory: "/tmp")
        } catch {
            #expect(error.line == 4)
            #expect(!error.description.contains("123:abc"))
        }
    }

    @Test func theFakeServerParsesHTMLAsTelegramDocuments() async throws {
        let fake = try FakeTelegramServer(token: "1:t")
        defer { fake.stop() }
        fake.addChat(5)
        let api = BotAPI(base: fake.baseURL, token: "1:t", caFile: nil)
        _ = try await api.call("sendMessage", ["chat_id": 5, "text": "<b>ok</b> &amp; fine", "parse_mode": "HTML"])
        for bad in ["<x>tag</x>", "a < b", "<b>open", "AT&T"] {
            do {
                _ = try await api.call("sendMessage", ["chat_id": 5, "text": bad, "parse_mode": "HTML"])
                Issue.record("accepted \(bad)")
            } catch let e as TelegramAPIError {
                #expect(e.cannotParseEntities, "\(bad): \(e)")
            }
        }
        do {
            _ = try await api.call("sendMessage", ["chat_id": 5, "text": String(repeating: "é", count: 4097)])
            Issue.record("accepted a message over 4096 UTF-16 units")
        } catch let e as TelegramAPIError {
            #expect(e.code == 400 && e.description.contains("too long"))
        }
        do {
            _ = try await api.call("sendMessage", ["chat_id": 77, "text": "hi"])
        } catch let e as TelegramAPIError {
            #expect(e.description.contains("chat not found"))
        }
    }
}
