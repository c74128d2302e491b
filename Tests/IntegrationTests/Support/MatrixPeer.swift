import Foundation
import HeraldCore
import HeraldNet
import Testing

/// A Matrix user on the test Synapse, registered fresh for each test, with a long-polling sync
/// to wait on events instead of sleeping.
final class MatrixTestUser: Sendable {
    static let url = Peers.environment["HERALD_TEST_SYNAPSE_URL"]
    static let enabled = url != nil || Peers.required

    let base: String
    let userID: String
    let token: String
    let password: String
    let client = HTTPClient()

    /// Registers `name` plus a random suffix, with open registration.
    static func register(_ name: String, on server: String? = nil) async throws -> MatrixTestUser {
        let base = try #require(server ?? url, "Synapse is not configured: run `make test` (it starts Synapse and sets HERALD_TEST_SYNAPSE_URL)")
        let username = "\(name)\(UUID().uuidString.prefix(6).lowercased())"
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let r = try await raw(base, nil, "POST", "/_matrix/client/v3/register", ["username": username, "password": password, "auth": ["type": "m.login.dummy"]])
        return MatrixTestUser(base: base, userID: try #require(r["user_id"] as? String), token: try #require(r["access_token"] as? String), password: password)
    }

    init(base: String, userID: String, token: String, password: String) {
        self.base = base
        self.userID = userID
        self.token = token
        self.password = password
    }

    var localpart: String { String(userID.dropFirst().prefix { $0 != ":" }) }

    static func raw(_ base: String, _ token: String?, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPRequest(method: method, url: base + path, timeout: .seconds(60))
        if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
        if let body {
            request.body = try JSONSerialization.data(withJSONObject: body)
            request.headers.append(("Content-Type", "application/json"))
        }
        while true {
            let response = try await HTTPClient().send(request)
            let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
            // A rate-limited test user waits as long as the server says, then tries again.
            if response.status == 429, let ms = json["retry_after_ms"] as? Int {
                try await Task.sleep(for: .milliseconds(ms))
                continue
            }
            guard (200...299).contains(response.status) else { throw IRCTestError("\(method) \(path): \(response.status) \(json)") }
            return json
        }
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        try await Self.raw(base, token, method, path, body)
    }

    /// Uploads bytes to the media repository; returns the mxc:// URI.
    func upload(_ data: Data, type: String, name: String) async throws -> String {
        var request = HTTPRequest(method: "POST", url: base + "/_matrix/media/v3/upload?filename=\(esc(name))", body: data, timeout: .seconds(60))
        request.headers = [("Authorization", "Bearer \(token)"), ("Content-Type", type)]
        let response = try await client.send(request)
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return try #require(json["content_uri"] as? String, "upload failed: \(response.status) \(json)")
    }

    func createRoom(invite: [String], encrypted: Bool = false) async throws -> String {
        var body: [String: Any] = ["preset": "private_chat", "invite": invite]
        if encrypted { body["initial_state"] = [["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]] }
        return try #require(try await call("POST", "/_matrix/client/v3/createRoom", body)["room_id"] as? String)
    }

    @discardableResult
    func send(_ room: String, _ content: [String: Any]) async throws -> String {
        let txn = UUID().uuidString
        return try #require(try await call("PUT", "/_matrix/client/v3/rooms/\(esc(room))/send/m.room.message/\(txn)", content)["event_id"] as? String)
    }

    @discardableResult
    func say(_ room: String, _ text: String, thread: String? = nil) async throws -> String {
        var content: [String: Any] = ["msgtype": "m.text", "body": text]
        if let thread { content["m.relates_to"] = ["rel_type": "m.thread", "event_id": thread] }
        return try await send(room, content)
    }

    /// Waits until the room's messages (oldest first, as read with /messages) satisfy `predicate`.
    func waitForMessages(_ room: String, _ what: String, seconds: Double = 60, _ predicate: @escaping @Sendable ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        _ = try await withDeadline(seconds, what) { [self] in
            var since: String?
            while true {
                if predicate(try await messages(room)) { return true }
                // Long-poll until something new happens, then look again.
                let path = "/_matrix/client/v3/sync?timeout=10000" + (since.map { "&since=\(esc($0))" } ?? "")
                since = try await call("GET", path)["next_batch"] as? String
            }
        }
        return try await messages(room)
    }

    func messages(_ room: String) async throws -> [[String: Any]] {
        let r = try await call("GET", "/_matrix/client/v3/rooms/\(esc(room))/messages?dir=b&limit=500")
        return ((r["chunk"] as? [[String: Any]]) ?? []).reversed().filter { $0["type"] as? String == "m.room.message" }
    }

    func joined(_ room: String) async throws -> [String] {
        let r = try await call("GET", "/_matrix/client/v3/rooms/\(esc(room))/joined_members")
        return Array((r["joined"] as? [String: Any] ?? [:]).keys)
    }

    func esc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
}

extension Dictionary where Key == String, Value == Any {
    var sender: String? { self["sender"] as? String }
    var content: [String: Any] { self["content"] as? [String: Any] ?? [:] }
    var body: String? { content["body"] as? String }
    var msgtype: String? { content["msgtype"] as? String }
}

/// A Synapse of a test's own, for settings the shared one must not have (a low message rate).
final class SynapseServer: Sendable {
    let dir = TempDir()
    let port = IRCServer.freePort()
    let process: ChildProcess
    var url: String { "http://127.0.0.1:\(port)" }

    init(messagesPerSecond: Double, burst: Int) async throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let python = repo + "/.venv/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "the venv with Synapse is missing: run `make test`")
        let d = dir.path
        try """
            server_name: test.local
            pid_file: \(d)/homeserver.pid
            listeners:
              - port: \(port)
                bind_addresses: ['127.0.0.1']
                type: http
                tls: false
                resources:
                  - names: [client]
                    compress: false
            database:
              name: sqlite3
              args:
                database: \(d)/homeserver.db
            media_store_path: \(d)/media
            signing_key_path: \(d)/signing.key
            trusted_key_servers: []
            report_stats: false
            enable_registration: true
            enable_registration_without_verification: true
            suppress_key_server_warning: true
            rc_message: {per_second: \(messagesPerSecond), burst_count: \(burst)}
            rc_registration: {per_second: 1000, burst_count: 1000}
            rc_login: {address: {per_second: 1000, burst_count: 1000}, account: {per_second: 1000, burst_count: 1000}, failed_attempts: {per_second: 1000, burst_count: 1000}}
            rc_joins: {local: {per_second: 1000, burst_count: 1000}, remote: {per_second: 1000, burst_count: 1000}}
            rc_invites: {per_room: {per_second: 1000, burst_count: 1000}, per_user: {per_second: 1000, burst_count: 1000}}
            """.write(toFile: d + "/homeserver.yaml", atomically: true, encoding: .utf8)
        let keys = try ChildProcess(["/bin/sh", "-c", "exec \(python) -m synapse.app.homeserver -c \(d)/homeserver.yaml --generate-keys >\(d)/keys.log 2>&1"])
        await keys.wait()
        process = try ChildProcess(["/bin/sh", "-c", "exec \(python) -m synapse.app.homeserver -c \(d)/homeserver.yaml >\(d)/synapse.log 2>&1"])
        let deadline = Date().addingTimeInterval(60)
        while (try? await MatrixTestUser.raw(url, nil, "GET", "/_matrix/client/versions")) == nil {
            guard Date() < deadline, process.isRunning else {
                throw IRCTestError("synapse did not start: \((try? String(contentsOfFile: d + "/synapse.log", encoding: .utf8))?.suffix(800) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func stop() {
        process.signal(SIGTERM)
    }
}
