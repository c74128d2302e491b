import Foundation
import HeraldCore
import Synchronization

/// Matrix over the client-server API: a long-polling /sync whose `next_batch` is committed with
/// the events it carried, gaps backfilled with /messages, rooms and threads as sessions, replies
/// as m.notice with the outbox id as txnId. Encrypted rooms are told once that Herald cannot
/// read them, and get nothing else.
public final class MatrixAdapter: ChatAdapter {
    public let id: AdapterID
    /// Synapse refuses an event over 65,536 bytes of JSON (body and formatted_body together);
    /// 60,000 bytes of content leaves room for what the server adds (sender, room, hashes,
    /// signatures).
    public let capabilities = AdapterCapabilities(
        maxMessageLength: 30_000, lengthUnit: .characters, dialect: .matrixHTML, threads: true, typingIndicator: true,
        idempotentDelivery: true, maxEncodedBytes: 60_000, pacing: DeliveryPacing(maxInFlight: 8))
    public var allowedSenders: Set<String> { config.allowedUsers }

    let config: MatrixConfig
    let log: Logger
    let client = Mutex<MatrixClient?>(nil)
    let me = Mutex<String?>(nil)
    /// The bot's display name, so "Harbour Master, ..." addresses it like its user id does.
    let displayName = Mutex<String?>(nil)
    /// Rooms with encryption on: told once, never sent to.
    let encrypted = Mutex<Set<String>>([])
    /// Joined member counts, to tell one-to-one rooms from groups.
    let members = Mutex<[String: Int]>([:])

    public init(config: MatrixConfig) {
        self.config = config
        id = AdapterID(platform: .matrix, account: config.account)
        log = Logger("matrix.\(config.account)")
    }

    public func run(intake: Intake) async throws {
        let api = try await login(intake: intake)
        let filter = try await api.call(
            "POST", "/_matrix/client/v3/user/\(MatrixClient.escape(me.withLock { $0 } ?? ""))/filter",
            body: [
                "room": ["timeline": ["limit": config.timelineLimit], "state": ["lazy_load_members": true]],
                "presence": ["not_types": ["*"]], "account_data": ["not_types": ["*"]],
            ])["filter_id"] as? String ?? ""
        for room in (try await intake.state("encrypted_rooms") ?? "").split(separator: ",") { _ = encrypted.withLock { $0.insert(String(room)) } }
        var since = try await intake.cursor("since")
        log.info("syncing", ["user": me.withLock { $0 } ?? "?", "resume": since == nil ? "no" : "yes"])
        await intake.linkUp()
        var failures = 0
        while !Task.isCancelled {
            do {
                var path = "/_matrix/client/v3/sync?filter=\(MatrixClient.escape(filter))&timeout=\(since == nil ? 0 : config.syncTimeoutSeconds * 1000)"
                if let since { path += "&since=\(MatrixClient.escape(since))" }
                let sync = try await api.call("GET", path, timeout: .seconds(config.syncTimeoutSeconds + 30))
                if failures > 0 { await intake.linkUp() }
                guard let next = sync["next_batch"] as? String else { continue }
                // The first sync of a new account is history from before Herald: not answered.
                var messages: [InboundMessage] = []
                if let since { messages = try await events(sync, since: since, api: api, intake: intake) }
                try await handleInvites(sync, api: api)
                try await intake.commit(messages, cursor: ("since", next))
                since = next
                // Only a round that got as far as its commit is healthy: a failure after the
                // sync call (a join, a backfill) must still make the backoff grow.
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let delay = Backoff(base: .seconds(1), cap: .seconds(120)).delay(after: failures)
                log.warning("sync failed; retrying", ["error": "\(error)", "in": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Password login (the device id and token are kept, so a restart reuses the device) or
    /// the configured token.
    private func login(intake: Intake) async throws -> MatrixClient {
        let anonymous = MatrixClient(base: config.homeserver, token: nil, caFile: config.caFile)
        var token = try config.token?.resolve()
        if token == nil { token = try await intake.state("access_token") }
        if token == nil, let user = config.user, let password = try config.password?.resolve() {
            var body: [String: Any] = [
                "type": "m.login.password", "identifier": ["type": "m.id.user", "user": user], "password": password,
                "initial_device_display_name": "Herald",
            ]
            if let device = try await intake.state("device_id") { body["device_id"] = device }
            let r = try await anonymous.call("POST", "/_matrix/client/v3/login", body: body)
            token = r["access_token"] as? String
            if let t = token { Redactor.shared.register(t) }
            if let device = r["device_id"] as? String { try await intake.setState("device_id", device) }
            if let t = token { try await intake.setState("access_token", t) }
        }
        guard let token else { throw MatrixError(status: 0, errcode: "M_NO_TOKEN", message: "no access token") }
        Redactor.shared.register(token)
        let api = anonymous.with(token: token)
        let who = try await api.call("GET", "/_matrix/client/v3/account/whoami")
        me.withLock { $0 = who["user_id"] as? String }
        if let id = who["user_id"] as? String,
            let profile = try? await api.call("GET", "/_matrix/client/v3/profile/\(MatrixClient.escape(id))/displayname"),
            let name = profile["displayname"] as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty
        {
            displayName.withLock { $0 = name }
        }
        client.withLock { $0 = api }
        return api
    }

    public func checkOnline(intake: Intake) async throws -> String? {
        _ = try await login(intake: intake)
        let name = displayName.withLock { $0 }.map { " (\($0))" } ?? ""
        return "whoami: \(me.withLock { $0 } ?? "?")\(name) on \(config.homeserver)"
    }

    /// Accepts invites from allowlisted users; others are declined.
    private func handleInvites(_ sync: [String: Any], api: MatrixClient) async throws {
        let invites = (sync["rooms"] as? [String: Any])?["invite"] as? [String: Any] ?? [:]
        for (room, value) in invites {
            let events = ((value as? [String: Any])?["invite_state"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            let me = self.me.withLock { $0 }
            let inviter = events.first { $0["type"] as? String == "m.room.member" && $0["state_key"] as? String == me }?["sender"] as? String
            if let inviter, config.allowedUsers.contains(inviter) {
                do {
                    _ = try await api.call("POST", "/_matrix/client/v3/join/\(MatrixClient.escape(room))", body: [:])
                    log.info("joined a room on invite", ["room": room, "by": inviter])
                } catch let e as MatrixError where e.status != 0 && !(500...599).contains(e.status) && e.status != 429 {
                    // A stale invite (the inviter left, the room is gone): declined, so it does
                    // not come back with every sync and hold up every other room.
                    log.warning("could not join a room on invite; declining it", ["room": room, "by": inviter, "error": e.description])
                    _ = try? await api.call("POST", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/leave", body: [:])
                }
            } else {
                _ = try? await api.call("POST", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/leave", body: [:])
                log.warning("declined an invite from a user not on the allowlist", ["room": room, "by": inviter ?? "?"])
            }
        }
    }

    /// A rate limit on the indicator holds the room like one on a send.
    public func typing(in conversation: ConversationRef) async throws {
        guard let api = client.withLock({ $0 }), let me = me.withLock({ $0 }), !encrypted.withLock({ $0.contains(conversation.chat) }) else { return }
        do {
            _ = try await api.call(
                "PUT", "/_matrix/client/v3/rooms/\(MatrixClient.escape(conversation.chat))/typing/\(MatrixClient.escape(me))",
                body: ["typing": true, "timeout": 5000], timeout: .seconds(10))
        } catch let e as MatrixError where e.status == 429 || e.errcode == "M_LIMIT_EXCEEDED" {
            throw DeliveryError(.transient(retryAfter: e.retryAfter ?? .seconds(2)), e.description)
        }
    }
}
