import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Testing

/// The Matrix adapter through the real `herald run` process against a real Synapse.
@Suite(.serialized, .enabled(if: MatrixTestUser.enabled, "needs Synapse: run `make test`"))
struct MatrixEndToEndTests {
    struct Bot {
        let user: MatrixTestUser
        let model: StubOpenAIServer
        let dir = TempDir()
        let config: String

        init(
            allowed: [String], timelineLimit: Int = 50, name: String = "herald", server: String? = nil,
            script: @escaping StubOpenAIServer.Script = StubOpenAIServer.echo
        ) async throws {
            user = try await MatrixTestUser.register(name, on: server)
            model = try StubOpenAIServer(script: script)
            config = TestConfig.write(
                in: dir, modelURL: model.baseURL,
                extra: """
                    [adapters.matrix]
                    homeserver = "\(user.base)"
                    user = "\(user.localpart)"
                    password_env = "HERALD_TEST_MATRIX_PASSWORD"
                    allowed_users = [\(allowed.map { "\"\($0)\"" }.joined(separator: ", "))]
                    sync_timeout_seconds = 5
                    timeline_limit = \(timelineLimit)
                    """)
        }

        func start(fault: String? = nil) throws -> HeraldProcess {
            var env = ["HERALD_TEST_MATRIX_PASSWORD": user.password]
            if let fault { env["HERALD_FAULT_POINT"] = fault }
            return try HeraldProcess(["run", "--config", config], environment: env)
        }

        func stop(_ p: HeraldProcess) async throws {
            kill(p.process.processIdentifier, SIGTERM)
            _ = try await p.waitForExit()
        }
    }

    @Test func aRoomAndAThreadInItAreTwoSessionsAnsweredInPlaceAsNotices() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID])
        let p = try bot.start()
        _ = try await alice.waitForMessages(room, "nothing") { _ in true }
        try await withDeadline(60, "the bot to join") {
            while try await !alice.joined(room).contains(bot.user.userID) {
                _ = try await alice.call("GET", "/_matrix/client/v3/sync?timeout=2000")
            }
        }
        try await alice.say(room, "hello room")
        let root = try await alice.say(room, "a thread starts here")
        try await alice.say(room, "inside the thread", thread: root)
        let all = try await alice.waitForMessages(room, "three answers") { events in
            events.filter { $0.sender == bot.user.userID }.count >= 3
        }
        try await bot.stop(p)
        let replies = all.filter { $0.sender == bot.user.userID }
        #expect(replies.allSatisfy { $0.msgtype == "m.notice" }, "replies are notices")
        let inThread = replies.filter { ($0.content["m.relates_to"] as? [String: Any])?["event_id"] as? String == root }
        #expect(inThread.map(\.body) == ["echo: inside the thread"], "the thread's answer is in the thread")
        #expect(replies.contains { $0.body == "echo: hello room" && $0.content["m.relates_to"] == nil })
        let store = try SQLStore(path: bot.dir.file("state/herald.sqlite"))
        let sessions = try await store.sessions(limit: 10).map(\.session.conversation)
        #expect(
            sessions.contains { $0.chat == room && $0.thread == nil }
                && sessions.contains { $0.chat == room && $0.thread == root })
        // The thread's prompt holds nothing of the room's other session.
        let threadPrompt = try #require(bot.model.requests.first { $0.contains { $0.content == "inside the thread" } })
        #expect(!threadPrompt.contains { $0.content == "hello room" })
    }

    @Test func messagesSentWhileDownAreBackfilledAndAnsweredOnce() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID], timelineLimit: 5)
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID])
        var p = try bot.start()
        try await withDeadline(60, "the bot to join") {
            while try await !alice.joined(room).contains(bot.user.userID) {
                _ = try await alice.call("GET", "/_matrix/client/v3/sync?timeout=2000")
            }
        }
        try await alice.say(room, "before")
        _ = try await alice.waitForMessages(room, "the first answer") { $0.contains { $0.body == "echo: before" } }
        try await bot.stop(p)
        for i in 1...50 { try await alice.say(room, "while down \(i)") }
        p = try bot.start()
        let all = try await alice.waitForMessages(room, "fifty answers; stderr: \(p.stderr.suffix(5))", seconds: 60) { events in
            events.filter { $0.sender == bot.user.userID }.count >= 51
        }
        try await bot.stop(p)
        let answers = all.filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(answers.count == 51)
        #expect(Set(answers).count == 51, "each answered exactly once")
        #expect((1...50).allSatisfy { answers.contains("echo: while down \($0)") }, "none skipped")
    }

    /// Waits until the running bot has committed a sync position, and returns it.
    func committedPosition(_ bot: Bot) async throws -> String {
        let adapter = AdapterID(platform: .matrix, account: "main")
        let path = bot.dir.file("state/herald.sqlite")
        return try await withDeadline(60, "the first sync position") {
            while true {
                if FileManager.default.fileExists(atPath: path),
                    let position = try? await SQLStore(path: path).cursor(adapter: adapter, key: "since")
                {
                    return position
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test func aGapIsBackfilledOnlyBackToWhereThePreviousRunHadReached() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID], timelineLimit: 3)
        defer { bot.model.stop() }
        // The bot's account was in the room before this Herald ever ran: what was said then is
        // history, and none of it is in Herald's inbox to stop a backfill.
        let room = try await alice.createRoom(invite: [bot.user.userID])
        _ = try await bot.user.call("POST", "/_matrix/client/v3/join/\(alice.esc(room))", [:])
        for i in 1...8 { try await alice.say(room, "ancient \(i)") }
        var p = try bot.start()
        _ = try await committedPosition(bot)
        try await bot.stop(p)
        // Synapse finishes the stopped bot's long poll and hands its answer to the next start:
        // a notice (never answered, so never in the inbox) is what that answer carries.
        _ = try await alice.send(room, ["msgtype": "m.notice", "body": "the bot is down"])
        for i in 1...6 { try await alice.say(room, "while down \(i)") }
        p = try bot.start()
        _ = try await alice.waitForMessages(room, "six answers; stderr: \(p.stderr.suffix(5))", seconds: 60) { events in
            events.filter { $0.sender == bot.user.userID }.count >= 6
        }
        // One more message after the backfill proves nothing older is still on its way.
        try await alice.say(room, "after")
        let final = try await alice.waitForMessages(room, "the last answer") { $0.contains { $0.body == "echo: after" } }
        try await bot.stop(p)
        let answers = final.filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect((1...6).allSatisfy { answers.contains("echo: while down \($0)") }, "the gap is filled: \(answers)")
        #expect(!answers.contains { $0.contains("ancient") }, "nothing from before the previous position: \(answers)")
        #expect(answers.count == 7, "each answered once: \(answers)")
        #expect(!bot.model.requests.contains { $0.contains { $0.content.contains("ancient") } })
    }

    @Test func joiningARoomAnswersWhatWasSaidSinceTheInviteNotTheRoomsHistory() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID], timelineLimit: 3)
        defer { bot.model.stop() }
        let p = try bot.start()
        _ = try await committedPosition(bot)
        // A room with a long history before the bot is invited, then a question for it.
        let room = try await alice.createRoom(invite: [])
        for i in 1...8 { try await alice.say(room, "history \(i)") }
        _ = try await alice.call("POST", "/_matrix/client/v3/rooms/\(alice.esc(room))/invite", ["user_id": bot.user.userID])
        try await alice.say(room, "welcome, bot")
        try await waitJoined(alice, room, [bot.user])
        try await alice.say(room, "after the join")
        let all = try await alice.waitForMessages(room, "the answers") { $0.contains { $0.body == "echo: after the join" } }
        try await bot.stop(p)
        let answers = all.filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(answers.contains("echo: welcome, bot"), "what was said to it after the invite is answered: \(answers)")
        #expect(!answers.contains { $0.contains("history") }, "the room's history is not: \(answers)")
        #expect(!p.stderr.contains { $0.contains("backfilled a gap") && $0.contains("events=8") })
    }

    @Test func strangersInvitesAreDeclinedAndAnEncryptedRoomGetsOneNotice() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let mallory = try await MatrixTestUser.register("mallory")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let theirs = try await mallory.createRoom(invite: [bot.user.userID])
        let secret = try await alice.createRoom(invite: [bot.user.userID], encrypted: true)
        let p = try bot.start()
        try await p.waitFor("the declined invite") { _, err in err.contains { $0.contains("declined an invite") } }
        let notices = try await alice.waitForMessages(secret, "the encrypted-room notice") { events in
            events.contains { $0.sender == bot.user.userID }
        }
        try await alice.say(secret, "can you read this?")
        try await alice.say(secret, "hello?")
        // A message in an ordinary room afterwards proves the bot went on syncing past them.
        let open = try await alice.createRoom(invite: [bot.user.userID])
        try await withDeadline(60, "the bot to join") {
            while try await !alice.joined(open).contains(bot.user.userID) {
                _ = try await alice.call("GET", "/_matrix/client/v3/sync?timeout=2000")
            }
        }
        try await alice.say(open, "ping")
        _ = try await alice.waitForMessages(open, "the answer") { $0.contains { $0.body == "echo: ping" } }
        try await bot.stop(p)
        let fromBot = try await alice.messages(secret).filter { $0.sender == bot.user.userID }
        #expect(fromBot.count == 1, "one notice, nothing else: \(fromBot.map(\.body))")
        #expect(notices.first { $0.sender == bot.user.userID }?.body?.contains("cannot read encrypted messages") == true)
        #expect(try await !mallory.joined(theirs).contains(bot.user.userID))
        #expect(!bot.model.requests.contains { $0.contains { $0.content.contains("can you read") } })
    }

    func waitJoined(_ user: MatrixTestUser, _ room: String, _ bots: [MatrixTestUser]) async throws {
        try await withDeadline(60, "the bots to join") {
            while try await !Set(user.joined(room)).isSuperset(of: bots.map(\.userID)) {
                _ = try await user.call("GET", "/_matrix/client/v3/sync?timeout=2000")
            }
        }
    }

    /// A room the bot has joined and answered in once (so its sync position is stored), with
    /// the bot stopped again.
    func roomWithASyncedBot(_ alice: MatrixTestUser, _ bot: Bot) async throws -> String {
        let room = try await alice.createRoom(invite: [bot.user.userID])
        let warm = try bot.start()
        try await waitJoined(alice, room, [bot.user])
        try await alice.say(room, "warm up")
        _ = try await alice.waitForMessages(room, "the warm-up answer") { $0.contains { $0.body == "echo: warm up" } }
        try await bot.stop(warm)
        return room
    }

    @Test func killedBetweenTheSyncCommitAndTheReplyItAnswersOnceAfterRestart() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let room = try await roomWithASyncedBot(alice, bot)
        let doomed = try bot.start(fault: "inbound-committed")
        try await alice.say(room, "survive this")
        try await doomed.waitFor("the fault point") { _, err in err.contains("FAULT inbound-committed") }
        doomed.kill9()
        _ = try await doomed.waitForExit()
        let p = try bot.start()
        // The re-run tells the model (and so the echo) that the first attempt was interrupted.
        let all = try await alice.waitForMessages(room, "the answer") { $0.contains { $0.body?.hasSuffix("survive this") == true } }
        try await alice.say(room, "and this")
        _ = try await alice.waitForMessages(room, "the next answer") { $0.contains { $0.body == "echo: and this" } }
        try await bot.stop(p)
        let answers = try await alice.messages(room).filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(answers.filter { $0.hasSuffix("survive this") }.count == 1, "once: \(answers)")
        _ = all
    }

    @Test func twoBotsInOneRoomDoNotAnswerEachOther() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let one = try await Bot(allowed: [alice.userID], name: "botone")
        let two = try await Bot(allowed: [alice.userID], name: "bottwo")
        defer { one.model.stop(); two.model.stop() }
        let room = try await alice.createRoom(invite: [one.user.userID, two.user.userID])
        let p1 = try one.start()
        let p2 = try two.start()
        try await waitJoined(alice, room, [one.user, two.user])
        try await alice.say(room, "\(one.user.localpart) and \(two.user.localpart): hello both")
        _ = try await alice.waitForMessages(room, "both answers") { events in
            Set(events.compactMap(\.sender)).isSuperset(of: [one.user.userID, two.user.userID])
        }
        // A later message makes a barrier: anything a loop would have sent is before it.
        try await alice.say(room, "\(one.user.localpart): last one")
        _ = try await alice.waitForMessages(room, "the last answer") {
            $0.contains { $0.sender == one.user.userID && $0.body?.hasSuffix("last one") == true }
        }
        try await one.stop(p1)
        try await two.stop(p2)
        let fromBots = try await alice.messages(room).filter { [one.user.userID, two.user.userID].contains($0.sender ?? "") }
        #expect(fromBots.count == 3, "two answers and the last one, no loop: \(fromBots.map(\.body))")
        #expect(one.model.requests.count == 2 && two.model.requests.count == 1, "no bot's notice reached the other's model")
    }

    @Test func aSendWhoseAnswerWasLostIsRetriedWithTheSameTxnIdAndIsOneEvent() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let room = try await roomWithASyncedBot(alice, bot)
        // Killed after Synapse accepted the event and before Herald recorded it: as if the
        // response had been lost. The restart resends the row with the same txnId.
        let doomed = try bot.start(fault: "delivery-sent")
        try await alice.say(room, "exactly once")
        try await doomed.waitFor("the fault point") { _, err in err.contains("FAULT delivery-sent") }
        doomed.kill9()
        _ = try await doomed.waitForExit()
        let p = try bot.start()
        try await p.waitFor("the resend") { _, err in
            err.contains { $0.contains("on the wire at a crash (idempotent") }
        }
        try await alice.say(room, "and after")
        _ = try await alice.waitForMessages(room, "the next answer") { $0.contains { $0.body == "echo: and after" } }
        try await bot.stop(p)
        let answers = try await alice.messages(room).filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(answers.filter { $0 == "echo: exactly once" }.count == 1, "one event: \(answers)")
    }

    @Test func aSharedFileIsDownloadedForTheLibrary() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID])
        let p = try bot.start()
        try await waitJoined(alice, room, [bot.user])
        let bytes = Data("harbour minutes: tiles on Monday".utf8)
        let mxc = try await alice.upload(bytes, type: "text/plain", name: "minutes.txt")
        try await alice.send(
            room,
            ["msgtype": "m.file", "body": "minutes.txt", "url": mxc, "info": ["mimetype": "text/plain", "size": bytes.count]])
        _ = try await alice.waitForMessages(room, "the answer") { $0.contains { $0.sender == bot.user.userID } }
        try await bot.stop(p)
        let media = String(mxc.split(separator: "/").last ?? "")
        let saved = bot.dir.file("state/files/matrix/main/\(media)-minutes.txt")
        #expect(FileManager.default.contents(atPath: saved) == bytes, "downloaded into the state directory")
    }

    @Test func aRateLimitedReplyIsDelayedAndDeliveredOnce() async throws {
        let synapse = try await SynapseServer(messagesPerSecond: 0.5, burst: 1)
        defer { synapse.stop() }
        let alice = try await MatrixTestUser.register("alice", on: synapse.url)
        let bot = try await Bot(allowed: [alice.userID], server: synapse.url)
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID])
        let p = try bot.start()
        try await waitJoined(alice, room, [bot.user])
        for text in ["one", "two", "three"] { try await alice.say(room, text) }
        let all: [[String: Any]]
        do {
            all = try await alice.waitForMessages(room, "three answers", seconds: 90) { events in
                events.filter { $0.sender == bot.user.userID }.count >= 3
            }
        } catch {
            Issue.record("\(error); herald said: \(p.stderr.suffix(15))")
            throw error
        }
        try await bot.stop(p)
        // What the person sees, whether or not Synapse limited this run (that depends on timing).
        #expect(
            all.filter { $0.sender == bot.user.userID }.compactMap(\.body) == ["echo: one", "echo: two", "echo: three"],
            "in order, once each")
    }

    /// 20,000 characters of CJK, emoji and markup: one event would be far over Synapse's
    /// 65,536-byte limit (body and formatted_body, three bytes a character).
    static let hugeReply = (1...200).map { n in
        "§\(n)§ **港の計画** は _順調_ です 🚀🌊 `コード\(n)` [リンク](https://example.org/a?b=\(n)&c) "
            + String(repeating: "漢字かな交じり文", count: 8)
    }.joined(separator: "\n\n")

    @Test func aHugeReplyArrivesWholeInEventsUnderTheSizeLimit() async throws {
        #expect(Self.hugeReply.count >= 20_000)
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID], script: { _ in .text(Self.hugeReply) })
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID])
        let p = try bot.start()
        try await waitJoined(alice, room, [bot.user])
        try await alice.say(room, "the whole plan please")
        let events = try await alice.waitForMessages(room, "every part") { events in
            let bodies = events.filter { $0.sender == bot.user.userID }.compactMap(\.body).joined(separator: "\n")
            return bodies.contains("§200§")
        }
        try await bot.stop(p)
        let fromBot = events.filter { $0.sender == bot.user.userID }
        #expect(fromBot.count >= 2, "split into several events")
        for e in fromBot {
            let size = try JSONSerialization.data(withJSONObject: e).count
            #expect(size < 65_536, "an event of \(size) bytes")
        }
        let bodies = fromBot.compactMap(\.body).joined(separator: "\n")
        for n in 1...200 { #expect(bodies.components(separatedBy: "§\(n)§").count == 2, "paragraph \(n) exactly once") }
        #expect(!p.stderr.contains { $0.contains("delivery failed") }, "nothing failed")
    }

    @Test func aStrangerInAGroupRoomIsAskedToWriteDirectlyAndNoCodeShowsThere() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let mallory = try await MatrixTestUser.register("mallory")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let room = try await alice.createRoom(invite: [bot.user.userID, mallory.userID])
        let p = try bot.start()
        try await waitJoined(alice, room, [bot.user])
        _ = try await mallory.call("POST", "/_matrix/client/v3/join/\(mallory.esc(room))", [:])
        try await waitJoined(alice, room, [mallory])
        try await mallory.say(room, "\(bot.user.localpart): let me in")
        let events = try await alice.waitForMessages(room, "the answer to mallory") { $0.contains { $0.sender == bot.user.userID } }
        try await bot.stop(p)
        let said = events.filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(said.allSatisfy { !$0.contains("pairing code") && !$0.contains("herald pair approve") }, "\(said)")
        #expect(said.contains { $0.contains("direct chat") }, "told where to ask: \(said)")
        #expect(bot.model.requests.isEmpty)
    }

    @Test func aMentionByTheBotsDisplayNameAddressesItInAGroupRoom() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let carol = try await MatrixTestUser.register("carol")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        _ = try await bot.user.call(
            "PUT", "/_matrix/client/v3/profile/\(bot.user.esc(bot.user.userID))/displayname", ["displayname": "Harbour Master"])
        let room = try await alice.createRoom(invite: [bot.user.userID, carol.userID])
        _ = try await carol.call("POST", "/_matrix/client/v3/join/\(carol.esc(room))", [:])
        let p = try bot.start()
        try await waitJoined(alice, room, [bot.user, carol])
        try await alice.say(room, "just chatting with carol")
        try await alice.say(room, "Harbour Master: how many crates?")
        let events = try await alice.waitForMessages(room, "the answer") { $0.contains { $0.sender == bot.user.userID } }
        try await bot.stop(p)
        let answers = events.filter { $0.sender == bot.user.userID }.compactMap(\.body)
        #expect(answers.count == 1 && answers[0].hasSuffix(": how many crates?"), "answered the mention only: \(answers)")
        #expect(answers.first?.hasPrefix("echo: \(alice.localpart): ") == true, "the speaker by name, not by mxid: \(answers)")
        #expect(!answers.joined().contains("Harbour Master"), "the name is taken off the text")
    }

    @Test func aStaleInviteIsDeclinedAndEveryOtherRoomIsStillAnswered() async throws {
        let alice = try await MatrixTestUser.register("alice")
        let bot = try await Bot(allowed: [alice.userID])
        defer { bot.model.stop() }
        let dm = try await roomWithASyncedBot(alice, bot)
        // While Herald is down alice invites it to a room and leaves: nobody is left to let it in.
        let stale = try await alice.createRoom(invite: [bot.user.userID])
        _ = try await alice.call("POST", "/_matrix/client/v3/rooms/\(alice.esc(stale))/leave", [:])
        let p = try bot.start()
        try await alice.say(dm, "still there?")
        _ = try await alice.waitForMessages(dm, "the answer in the other room") { $0.contains { $0.body == "echo: still there?" } }
        try await bot.stop(p)
        #expect(p.stderr.contains { $0.contains("could not join a room on invite; declining it") })
        #expect(p.stderr.filter { $0.contains("sync failed") }.isEmpty, "the stale invite never failed a sync")
    }
}
