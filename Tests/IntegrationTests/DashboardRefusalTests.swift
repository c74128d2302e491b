import Foundation
import HeraldCore
import HeraldNet
import HeraldPeers
import Testing

/// What the dashboard's server refuses, over real HTTP against `herald run`: no login, no CSRF
/// token, a bad webhook signature, an oversized body; and /metrics read by Prometheus' parser.
@Suite(.enabled(if: MCPPeer.available || Peers.required, "the venv (prometheus_client) is missing; `make test` makes it"))
struct DashboardRefusalTests {
    let client = HTTPClient()

    func get(_ url: String, _ headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(url: url, headers: headers))
    }

    func post(_ url: String, _ body: String, _ headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(method: "POST", url: url, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")], body: Data(body.utf8)))
    }

    /// Samples as Python's prometheus_client parses them.
    func metrics(_ base: String, token: String) async throws -> [String: Double] {
        let r = try await get(base + "/metrics", [("Authorization", "Bearer \(token)")])
        #expect(r.status == 200)
        #expect(r.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let p = try HeraldProcess([MCPPeer.repo + "/Tests/Peers/prom_parse.py"], executable: MCPPeer.python)
        p.send(r.text)
        p.closeInput()
        #expect(try await p.waitForExit() == 0, "prometheus_client parsed it: \(p.stderr.suffix(3))")
        let json = try #require(p.stdout.last)
        return try JSONDecoder().decode([String: Double].self, from: Data(json.utf8))
    }

    @Test func refusalsAndMetrics() async throws {
        let port = IRCServer.freePort()
        let secretFile = TempDir()
        try "hook-s3cret\n".write(toFile: secretFile.file("alerts"), atomically: true, encoding: .utf8)
        let h = try TelegramHarness(
            extra: """
                [dashboard]
                enabled = true
                port = \(port)

                [hooks.alerts]
                secret_file = "\(secretFile.file("alerts"))"
                conversation = "telegram/main/111"
                max_body_bytes = 4096
                """)
        defer { h.shutdown() }
        let herald = try await h.start()
        defer { kill(herald.process.processIdentifier, SIGKILL) }
        try await herald.waitFor("the dashboard to listen") { _, err in err.contains { $0.contains("dashboard listening") } }
        let base = "http://127.0.0.1:\(port)"
        let token = try String(contentsOfFile: h.dir.file("state/dashboard.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let mode = try FileManager.default.attributesOfItem(atPath: h.dir.file("state/dashboard.token"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // `herald dashboard url` prints the same login link.
        let url = try HeraldProcess(["dashboard", "url", "--config", h.config])
        #expect(try await url.waitForExit() == 0)
        #expect(url.stdout == ["\(base)/login?token=\(token)"])

        // It listens on loopback only: the kernel's socket table shows 127.0.0.1:PORT.
        // (Read to the end: procfs reports no size, and a busy machine's table spans many pages.)
        let tcp = String(decoding: (try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/net/tcp")).readToEnd()) ?? Data(), as: UTF8.self)
        let hexPort = String(format: "%04X", port)
        let listening = tcp.split(separator: "\n").filter { $0.contains(":\(hexPort) ") && $0.split(separator: " ")[3] == "0A" }
        #expect(listening.map { String($0.split(separator: " ")[1]) } == ["0100007F:\(hexPort)"])

        // No login: 401 and nothing of the dashboard, for pages, the event stream and metrics.
        for path in ["/", "/sessions", "/jobs", "/outbox", "/events", "/metrics", "/library/1/file"] {
            let r = try await get(base + path)
            #expect(r.status == 401, "\(path)")
            #expect(!r.text.contains("<main"), "\(path)")
        }
        #expect(try await get(base + "/metrics", [("Authorization", "Bearer wrong")]).status == 401)
        #expect(try await get(base + "/sessions", [("Cookie", "herald_session=v1.1800000000.forged")]).status == 401)
        #expect(try await get(base + "/login?token=wrong").status == 401)
        #expect(herald.stderr.contains { $0.contains("dashboard login with a wrong token refused") })
        #expect(herald.stderr.filter { $0.contains(token) }.allSatisfy { $0.contains("/login?token=") }, "the token is in the login link only, never in a log line")

        // A login sets the cookie; a POST needs the page's CSRF token as well.
        let login = try await get(base + "/login?token=\(token)")
        #expect(login.status == 303)
        let setCookie = try #require(login.headers["set-cookie"])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        let page = try await get(base + "/jobs", [("Cookie", cookie)])
        #expect(page.status == 200)
        let csrf = try #require(page.text.firstMatch(of: /<meta name="csrf" content="([0-9a-f]+)">/)?.1)
        let form = "name=x&schedule=every+1h&time_zone=UTC&profile=default&target=telegram%2Fmain%2F111&prompt=hi"
        #expect(try await post(base + "/jobs", form, [("Cookie", cookie)]).status == 403)
        #expect(try await post(base + "/jobs", form + "&csrf=" + String(repeating: "0", count: 32), [("Cookie", cookie)]).status == 403)
        #expect(try await post(base + "/jobs", form + "&csrf=\(csrf)", [("Cookie", cookie)]).status == 303)
        #expect(herald.stderr.contains { $0.contains("without a valid CSRF token refused") })

        let before = try await metrics(base, token: token)
        let adapter = "adapter=telegram/main"
        #expect(before["herald_messages_received_total{\(adapter)}"] == 0)

        // Webhooks: a bad signature is 401 and logged; an oversized body 413; a good one posts
        // the payload into the conversation, once however often it is redelivered.
        // Deliveries are announced on the event stream as each row settles.
        let events = try await client.stream(HTTPRequest(url: base + "/events", headers: [("Authorization", "Bearer \(token)")], timeout: nil))
        #expect(events.status == 200)
        let deliveries = Task { () -> Int in
            var decoder = SSEDecoder()
            var n = 0
            for try await chunk in events.body {
                n += decoder.feed(chunk).filter { $0.type == "delivery" && $0.data.contains("delivered") }.count
                if n >= 2 { break }
            }
            return n
        }
        defer { deliveries.cancel() }

        // (Telegram answers "chat not found" to a chat the bot was never in, as the fake does.)
        h.telegram.addChat(111)
        let payload = Data(#"{"alert":"disk almost full"}"#.utf8)
        let signature = "sha256=" + HMAC.sha256Hex(key: Array("hook-s3cret".utf8), message: payload)
        func hook(_ body: Data, _ headers: [(name: String, value: String)]) async throws -> HTTPResponse {
            try await client.send(HTTPRequest(method: "POST", url: base + "/hooks/alerts", headers: headers + [("Content-Type", "application/json")], body: body))
        }
        #expect(try await hook(payload, [("X-Herald-Signature", "sha256=" + String(repeating: "ab", count: 32))]).status == 401)
        #expect(try await hook(payload, []).status == 401)
        try await herald.waitFor("the refused hook in the log") { _, err in err.contains { $0.contains("webhook refused") } }
        #expect(try await hook(Data(repeating: 0x61, count: 5000), [("X-Herald-Signature", signature)]).status == 413)
        #expect(try await get(base + "/hooks/alerts").status == 405)
        let first = try await hook(payload, [("X-Herald-Signature", signature), ("X-Herald-Delivery", "d-1")])
        #expect(first.status == 202)
        #expect(first.text.contains(#""duplicate":false"#))
        let again = try await hook(payload, [("X-Herald-Signature", signature), ("X-Herald-Delivery", "d-1")])
        #expect(again.text.contains(#""duplicate":true"#))
        try await h.waitForSent("the hook's payload answered in the chat") { $0.contains { $0.params["text"]?.contains("disk almost full") == true } }

        // Traffic through Telegram moves the counters.
        h.telegram.inject(chat: 111, from: 111, text: "count me")
        try await h.waitForSent("the reply") { $0.contains { $0.params["text"]?.contains("count me") == true } }
        // The delivery counter moves when the row settles, a moment after the platform took it.
        #expect(try await withDeadline(30, "both deliveries on the event stream") { try await deliveries.value } >= 2)
        let after = try await metrics(base, token: token)
        // The hook's payload and the Telegram message.
        #expect(after["herald_messages_received_total{\(adapter)}"] == 2)
        #expect((after["herald_messages_delivered_total{\(adapter)}"] ?? 0) >= 2)
        #expect((after["herald_turns_total{\(adapter),profile=default}"] ?? 0) >= 2)
        let promptKey = "herald_prompt_tokens_total{\(adapter),model=local,profile=default}"
        #expect((after[promptKey] ?? 0) > (before[promptKey] ?? 0))
        #expect((after["herald_model_calls_total{\(adapter),model=local,profile=default}"] ?? 0) >= 2)
        #expect(after["herald_outbox_rows{state=failed}"] == 0, "\(herald.stderr.filter { $0.contains("fail") }.suffix(5))")

        // GitHub's own headers work as they come (X-Hub-Signature-256, X-GitHub-Delivery).
        let github = try await hook(payload, [("X-Hub-Signature-256", signature), ("X-GitHub-Delivery", "72d3162e")])
        #expect(github.status == 202)
        #expect(github.text.contains(#""duplicate":false"#))
        try await h.stop(herald)
    }
}
