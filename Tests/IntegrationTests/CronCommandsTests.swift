import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// `/cron` and `/brief` in a chat, and jobs delivered through the real `herald run` process.
@Suite(.serialized) struct CronCommandsTests {
    @Test(.enabled(if: Peers.llamaEnabled, "needs the llama.cpp peer: run `make test`"))
    func reversePromptingDraftsAJobThatExistsOnlyOnceConfirmed() async throws {
        let llama = try Peers.requireLlama()
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["local": llama + "/v1"],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["local"]), soul: "You are a test.")], maxTokens: 48)
        try await adapter.receive("/brief every weekday at 8:30, AI news and my stocks (NVDA, ASML), short", chat: "phone")
        try await adapter.receive("/brief at 7:00 the weather, please", chat: "other")
        try await adapter.waitFor("two drafts", seconds: 120) { $0.count == 2 }
        let draft = try #require(adapter.texts(in: "phone").first)
        #expect(draft.hasPrefix("Draft job brief, 30 8 * * 1-5"), "\(draft)")
        #expect(draft.contains("Nothing is scheduled yet"))
        #expect(try await h.store.jobs().isEmpty, "a draft is not a job")

        try await adapter.receive("/cron confirm", chat: "phone")
        try await adapter.receive("/cron list", chat: "phone")
        try await adapter.waitFor("confirmed and listed", seconds: 60) { $0.count == 4 }
        await h.shutdown()
        let jobs = try await h.store.jobs()
        #expect(jobs.map(\.name) == ["brief"], "only the confirmed draft became a job")
        #expect(jobs.first?.schedule == "30 8 * * 1-5")
        #expect(jobs.first?.target == adapter.conversation("phone"))
        #expect(adapter.texts(in: "phone")[1].hasPrefix("Scheduled brief"))
        #expect(adapter.texts(in: "phone")[2].contains("brief: 30 8 * * 1-5"))
        #expect(try await h.store.jobDraft(for: adapter.conversation("other")) != nil, "the unconfirmed one stays a draft")
    }

    @Test(arguments: StoreKind.allCases) func theModelCanOnlyProposeAJobThePersonConfirms(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer { messages in
            if let last = messages.last, last.role == "tool" { return .text("I drafted it. " + last.content) }
            if messages.last?.content == "send me the news every morning" {
                return .toolCall(name: "schedule_job", arguments: #"{"name":"news","schedule":"0 8 * * *","prompt":"The news."}"#)
            }
            return StubOpenAIServer.echo(messages)
        }
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let profile = Profile(config: ProfileConfig(name: "default", models: ["stub"], toolsets: ["scheduling"]), soul: "You are a test.")
        let h = try GatewayHarness(adapters: [adapter], models: ["stub": model.baseURL], profiles: [profile], storeKind: kind)
        try await adapter.receive("send me the news every morning", chat: "c")
        try await adapter.waitFor("the proposal") { $0.count == 1 }
        #expect(try await h.store.jobs().isEmpty, "the tool only drafts")
        #expect(adapter.texts(in: "c")[0].contains("NOT scheduled"))
        try await adapter.receive("/cron confirm", chat: "c")
        try await adapter.waitFor("the confirmation") { $0.count == 2 }
        await h.shutdown()
        #expect(try await h.store.jobs().map(\.name) == ["news"])
        #expect(model.toolRequests[0].contains("schedule_job"))
    }

    @Test(arguments: StoreKind.allCases) func cronCommandsManageTheJobsOfThisChatAndExplainBadSchedules(store kind: StoreKind) async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let adapter = ScriptedAdapter(allowed: ["alice"])
        let h = try GatewayHarness(
            adapters: [adapter], models: ["stub": model.baseURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: "You are a test.")], storeKind: kind)
        let commands = [
            "/cron add scan | every 20m | Look for new grants", "/cron add bad | 61 * * * * | nope", "/cron list", "/cron pause scan",
            "/cron list", "/cron history scan", "/cron pause nothing",
        ]
        for c in commands { try await adapter.receive(c, chat: "c") }
        try await adapter.receive("/cron list", chat: "elsewhere")
        try await adapter.waitFor("every answer") { $0.count == commands.count + 1 }
        await h.shutdown()
        let r = adapter.texts(in: "c")
        #expect(r[0].hasPrefix("Scheduled scan (every 20m in "))
        #expect(r[1] == "That schedule does not work: 61 is out of range for the minute field (0-59)")
        #expect(r[2].contains("scan: every 20m") && r[2].contains("next "))
        #expect(r[3] == "Job scan paused: its runs are skipped until you resume it.")
        #expect(r[4].contains("paused"))
        #expect(r[5] == "scan has not run yet.")
        #expect(r[6].hasPrefix("No job 'nothing' delivers here"))
        #expect(adapter.texts(in: "elsewhere").first?.hasPrefix("No jobs deliver here") == true, "another chat does not see them")
    }

    @Test func aJobDeliversThroughTelegramAndTheHistorySaysWhetherItArrived() async throws {
        let h = try TelegramHarness(
            extra: """
                [[jobs]]
                name = "pulse"
                schedule = "every 2s"
                time_zone = "Europe/Paris"
                prompt = "Report the pulse."
                target = { platform = "telegram", account = "main", chat = "111" }

                [[jobs]]
                name = "blocked"
                schedule = "every 2s"
                prompt = "Report to the blocked chat."
                target = { platform = "telegram", account = "main", chat = "222" }
                """)
        defer { h.shutdown() }
        h.telegram.addChat(111)
        h.telegram.addChat(222)
        h.telegram.block(222)
        let p = try await h.start()
        try await h.waitForSent("the job's result") { $0.contains { $0.params["chat_id"] == "111" } }
        try await p.waitFor("the refused delivery") { _, err in err.contains { $0.contains("bot was blocked") } }
        try await h.stop(p)
        let sent = try #require(h.telegram.sentMessages.first { $0.params["chat_id"] == "111" })
        #expect(sent.params["text"]?.contains("Report the pulse.") == true)
        #expect(sent.params["text"]?.contains("(Europe/Paris)") == true)

        let history = try HeraldProcess(["cron", "history", "pulse", "--config", h.config])
        #expect(try await history.waitForExit() == 0)
        #expect(history.stdout.contains { $0.contains("done, delivered (message ") }, "\(history.stdout)")
        let refused = try HeraldProcess(["cron", "history", "blocked", "--config", h.config])
        _ = try await refused.waitForExit()
        #expect(refused.stdout.contains { $0.contains("NOT delivered: ") && $0.contains("bot was blocked") }, "\(refused.stdout)")
    }
}
