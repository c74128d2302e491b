import Foundation
import HeraldPeers
import Testing

/// The `herald` command line as a person meets it: help, exit codes, config errors with file:line.
@Suite struct CLITests {
    @Test(arguments: ["run", "chat", "doctor", "sessions", "pair"])
    func everyCommandHasHelp(command: String) async throws {
        let p = try HeraldProcess([command, "--help"])
        #expect(try await p.waitForExit() == 0)
        #expect(p.stdout.first?.hasPrefix("Usage: herald \(command)") == true)
    }

    @Test func unknownCommandsAndOptionsAreUsageErrors() async throws {
        let p = try HeraldProcess(["frobnicate"])
        #expect(try await p.waitForExit() == 64)
        #expect(p.stderr.first == "unknown command 'frobnicate'")
        let q = try HeraldProcess(["chat", "--colour"])
        #expect(try await q.waitForExit() == 64)
        #expect(q.stderr.first == "unknown option --colour")
    }

    @Test func doctorNamesTheFileAndLineOfAConfigError() async throws {
        let dir = TempDir()
        let path = dir.file("herald.toml")
        try Data("[models.local]\nurl = \"http://127.0.0.1:1/v1\"\ntemprature = 0.2\n".utf8).write(to: URL(fileURLWithPath: path))
        let p = try HeraldProcess(["doctor", "--config", path])
        #expect(try await p.waitForExit() == 78)
        #expect(p.stdout.contains { $0.contains("\(path):3: unknown key 'models.local.temprature'") })
        let chat = try HeraldProcess(["chat", "--config", path])
        #expect(try await chat.waitForExit() == 78)
        #expect(chat.stderr.contains { $0.contains("\(path):3:") })
    }

    @Test(arguments: [
        ("[adapters.matrix]\nhomeserver = \"http://127.0.0.1:1\"\ntoken_env = \"X\"\nanswer_in_rooms = \"mentions\"\n", 4, "answer_in_rooms"),
        ("[adapters.irc]\nhost = \"127.0.0.1\"\nnick = \"h\"\nanswer_in_channels = \"always\"\n", 4, "answer_in_channels"),
        ("[adapters.telegram]\ntoken_env = \"X\"\ngroups = \"everyone\"\n", 3, "groups"),
    ])
    func aValueOutsideItsChoicesIsAnErrorAtItsLine(table: String, line: Int, key: String) async throws {
        let dir = TempDir()
        let path = dir.file("herald.toml")
        // The state directory first (so parallel cases never share a gateway lock): one line.
        let text = "state_dir = \"\(dir.file("state"))\"\n" + table + "[models.local]\nurl = \"http://127.0.0.1:1/v1\"\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let p = try HeraldProcess(["run", "--config", path], environment: ["X": "secret"])
        #expect(try await p.waitForExit() == 78)
        #expect(p.stderr.contains { $0.contains("\(path):\(line + 1):") && $0.contains("'\(key)' must be one of") }, "\(p.stderr)")
    }

    @Test func doctorSaysWhichStateDirectoryWonAndWhy() async throws {
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: "http://127.0.0.1:1/v1")
        let plain = try HeraldProcess(["doctor", "--config", config])
        _ = try await plain.waitForExit()
        #expect(plain.stdout.contains { $0.hasPrefix("ok    state directory \(dir.file("state")), from state_dir in") }, "\(plain.stdout)")
        let other = dir.file("elsewhere")
        let overridden = try HeraldProcess(["doctor", "--config", config], environment: ["HERALD_HOME": other])
        _ = try await overridden.waitForExit()
        #expect(overridden.stdout.contains { $0.contains("state directory \(other), from $HERALD_HOME, which overrides state_dir") }, "\(overridden.stdout)")
    }

    /// A herald that dies fails the test waiting on it at once, with its output, instead of
    /// at the wait's deadline minutes later.
    @Test func aWaitOnAProcessThatExitedFailsAtOnceWithItsOutput() async throws {
        let p = try HeraldProcess(["chat", "--config", "/nonexistent/herald.toml"])
        // ExitedEarly, not the TimeoutError the 600 s deadline would bring.
        await #expect(throws: HeraldProcess.ExitedEarly.self) {
            try await p.waitFor("a reply", seconds: 600) { out, _ in out.contains { $0.hasPrefix("herald> ") } }
        }
        #expect(p.stderr.contains { $0.contains("/nonexistent/herald.toml") }, "\(p.stderr)")
    }

    @Test func doctorChecksTheModelServerAndSecrets() async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let dir = TempDir()
        let good = TestConfig.write(in: dir, modelURL: model.baseURL)
        let ok = try HeraldProcess(["doctor", "--config", good])
        #expect(try await ok.waitForExit() == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains { $0.hasPrefix("ok    model local") })

        let down = TestConfig.write(in: dir, modelURL: "http://127.0.0.1:1/v1")
        let p = try HeraldProcess(["doctor", "--config", down], environment: ["HERALD_SECRET_X": "sk-abcdef123"])
        #expect(try await p.waitForExit() == 69)
        #expect(p.stdout.contains { $0.hasPrefix("FAIL  model local") })
    }

    @Test func pairingIsManagedFromTheCommandLine() async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)
        let list = try HeraldProcess(["pair", "list", "--config", config])
        #expect(try await list.waitForExit() == 0)
        #expect(list.stdout == ["no pending pairing requests"])
        let approve = try HeraldProcess(["pair", "approve", "ABCDEFGH", "--config", config])
        #expect(try await approve.waitForExit() == 1)
        #expect(approve.stderr.first?.contains("no pending pairing code") == true)
    }
}

/// The chat as a person sees it, and the admin commands over what it stored.
@Suite struct ChatSessionTests {
    @Test func streamedRepliesAppearOnceAndSessionsCanBeListedAndShown() async throws {
        let model = try StubOpenAIServer { messages in
            .text("echo: " + (messages.last { $0.role == "user" }?.content ?? ""), pieces: 5)
        }
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)
        let chat = try HeraldProcess(["chat", "--config", config, "--session", "notes"])
        chat.send("streaming works")
        try await chat.waitFor("the streamed reply") { out, _ in out.contains { $0.hasPrefix("herald> ") } }
        chat.send("/new")
        try await chat.waitFor("the /new notice") { out, _ in out.contains { $0.contains("Started a new session") } }
        chat.send("fresh start")
        try await chat.waitFor("the second reply") { out, _ in out.filter { $0.hasPrefix("herald> ") }.count == 2 }
        chat.closeInput()
        #expect(try await chat.waitForExit() == 0)
        #expect(chat.replies == ["echo: streaming works", "echo: fresh start"])
        // The fresh session's prompt holds nothing from before /new.
        let last = try #require(model.requests.last)
        #expect(last.map(\.role) == ["system", "user"])

        let list = try HeraldProcess(["sessions", "list", "--config", config])
        #expect(try await list.waitForExit() == 0)
        #expect(list.stdout.count == 2)
        #expect(list.stdout.filter { $0.contains("active") }.count == 1)
        let id = try #require(list.stdout.first?.split(separator: " ").first).description
        let show = try HeraldProcess(["sessions", "show", id, "--config", config])
        #expect(try await show.waitForExit() == 0)
        #expect(show.stdout.contains { $0.hasPrefix("[user,") && $0.hasSuffix("fresh start") })
        #expect(show.stdout.contains { $0.hasPrefix("usage: 1 model calls") })
    }

    @Test func sigtermFinishesTheTurnInFlightThenExits() async throws {
        let gate = StubOpenAIServer.Gate()
        let model = try StubOpenAIServer { _ in .gated(gate, "finished before stopping") }
        defer { model.stop() }
        let dir = TempDir()
        let config = TestConfig.write(in: dir, modelURL: model.baseURL)
        let chat = try HeraldProcess(["chat", "--config", config, "--no-stream"])
        chat.send("take your time")
        try await withDeadline(30, "the model call") { await gate.waitUntilHeld() }
        kill(chat.process.processIdentifier, SIGTERM)
        try await chat.waitFor("the stop notice in the log") { _, err in err.contains { $0.contains("signal received") } }
        gate.open()
        #expect(try await chat.waitForExit() == 0)
        #expect(chat.replies == ["finished before stopping"])
    }
}
