import Foundation
import HeraldCore

extension MatrixAdapter {
    /// The messages of one sync after position `since`, gaps backfilled, in timeline order per
    /// room.
    func events(_ sync: [String: Any], since: String, api: MatrixClient, intake: Intake) async throws -> [InboundMessage] {
        let joined = (sync["rooms"] as? [String: Any])?["join"] as? [String: Any] ?? [:]
        var out: [InboundMessage] = []
        for (room, value) in joined.sorted(by: { $0.key < $1.key }) {
            guard let r = value as? [String: Any], !encrypted.withLock({ $0.contains(room) }) else { continue }
            if let count = (r["summary"] as? [String: Any])?["m.joined_member_count"] as? Int { members.withLock { $0[room] = count } }
            if members.withLock({ $0[room] }) == nil {
                // After a restart the summary only comes when it changes: ask once.
                let joined = try await api.call("GET", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/joined_members")
                members.withLock { $0[room] = (joined["joined"] as? [String: Any])?.count ?? 3 }
            }
            let timeline = r["timeline"] as? [String: Any] ?? [:]
            var events = timeline["events"] as? [[String: Any]] ?? []
            let state = (r["state"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            if (state + events).contains(where: { $0["type"] as? String == "m.room.encryption" }) {
                try await noticeEncrypted(room, api: api, intake: intake)
                continue
            }
            if let cut = events.lastIndex(where: isStartOfOwnMembership) {
                // Joined in this sync: what came before the invite is the room's history.
                events = Array(events[(cut + 1)...])
            } else if timeline["limited"] as? Bool == true, let from = timeline["prev_batch"] as? String {
                // A room joined in this sync (its invite older than the timeline) is paged back to
                // the invite, even past `since`: a question asked just after the invite is for us.
                let bound = events.contains(where: isOwnJoin) ? nil : since
                events = try await backfill(room, from: from, bound: bound, api: api, intake: intake) + events
            }
            // Who is who in this room, by their member events (lazy-loaded for the senders).
            let names = Dictionary(
                (state + events).compactMap { e -> (String, String)? in
                    guard e["type"] as? String == "m.room.member", let id = e["state_key"] as? String,
                        let name = (e["content"] as? [String: Any])?["displayname"] as? String, !name.isEmpty
                    else { return nil }
                    return (id, name)
                }, uniquingKeysWith: { _, last in last })
            for e in events {
                if e["type"] as? String == "m.room.encrypted" {
                    try await noticeEncrypted(room, api: api, intake: intake)
                    break
                }
                if var m = inbound(e, room: room) {
                    m.sender.displayName = names[m.sender.id] ?? Self.localpart(m.sender.id)
                    m.attachments = await media(e, api: api)
                    out.append(m)
                }
            }
        }
        return out
    }

    /// Pages back from `from` to the first of: an event already in the inbox, the sync position
    /// `bound` the previous round committed (`/messages` with `to=`), the bot's own invite, the
    /// room's start. So a gap is filled, and nothing from before what an earlier run had reached
    /// (or from before the bot was asked in) is answered. Oldest first.
    private func backfill(_ room: String, from: String, bound: String?, api: MatrixClient, intake: Intake) async throws -> [[String: Any]] {
        var older: [[String: Any]] = []
        var token = from
        var bound = bound
        for _ in 0..<20 {
            var path = "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/messages?dir=b&limit=100&from=\(MatrixClient.escape(token))"
            if let bound { path += "&to=\(MatrixClient.escape(bound))" }
            let page = try await api.call("GET", path)
            let chunk = page["chunk"] as? [[String: Any]] ?? []
            let known = try await intake.knownEvents(chunk.compactMap { $0["event_id"] as? String })
            for e in chunk {
                if let id = e["event_id"] as? String, known.contains(id) { return finish(older) }
                if isStartOfOwnMembership(e) { return finish(older) }
                // Joined after `bound`: the invite that asked us in may be older than it.
                if isOwnJoin(e) { bound = nil }
                older.append(e)
            }
            guard let end = page["end"] as? String, !chunk.isEmpty else { break }
            token = end
        }
        return finish(older)

        func finish(_ newestFirst: [[String: Any]]) -> [[String: Any]] {
            if !newestFirst.isEmpty { log.info("backfilled a gap", ["room": room, "events": "\(newestFirst.count)"]) }
            return newestFirst.reversed()
        }
    }

    /// The bot's own membership event that starts its time in the room: its invite, or a join
    /// with no invite before it (a public room). Anything older is the room's history.
    func isStartOfOwnMembership(_ e: [String: Any]) -> Bool {
        guard e["type"] as? String == "m.room.member", e["state_key"] as? String == me.withLock({ $0 }) else { return false }
        let membership = (e["content"] as? [String: Any])?["membership"] as? String
        let before = ((e["unsigned"] as? [String: Any])?["prev_content"] as? [String: Any])?["membership"] as? String
        return membership == "invite" || (membership == "join" && before != "invite" && before != "join")
    }

    /// The bot's own join (not a profile change, which is a member event with "join" too).
    func isOwnJoin(_ e: [String: Any]) -> Bool {
        guard e["type"] as? String == "m.room.member", e["state_key"] as? String == me.withLock({ $0 }) else { return false }
        let before = ((e["unsigned"] as? [String: Any])?["prev_content"] as? [String: Any])?["membership"] as? String
        return (e["content"] as? [String: Any])?["membership"] as? String == "join" && before != "join"
    }

    /// One plain-words notice per encrypted room (a fixed txnId makes a repeat a no-op).
    private func noticeEncrypted(_ room: String, api: MatrixClient, intake: Intake) async throws {
        guard encrypted.withLock({ $0.insert(room).inserted }) else { return }
        log.warning("an encrypted room: Herald cannot read it and will not answer there", ["room": room])
        _ = try? await api.call(
            "PUT", "/_matrix/client/v3/rooms/\(MatrixClient.escape(room))/send/m.room.message/herald-encrypted-notice",
            body: ["msgtype": "m.notice", "body": "This room is encrypted. Herald cannot read encrypted messages yet, so it will not answer here."])
        try await intake.setState("encrypted_rooms", encrypted.withLock { $0.sorted().joined(separator: ",") })
    }

    /// A room message as an inbound message, or nil (our own, notices, edits, other events).
    func inbound(_ e: [String: Any], room: String) -> InboundMessage? {
        guard e["type"] as? String == "m.room.message", let eventID = e["event_id"] as? String, let sender = e["sender"] as? String,
            let content = e["content"] as? [String: Any], let type = content["msgtype"] as? String
        else { return nil }
        let me = self.me.withLock { $0 }
        if sender == me { return nil }
        // m.notice is never answered (the spec's loop rule): other bots reply with it too.
        guard ["m.text", "m.emote", "m.file", "m.image", "m.audio"].contains(type) else { return nil }
        let relation = content["m.relates_to"] as? [String: Any]
        if relation?["rel_type"] as? String == "m.replace" { return nil }  // an edit is not a new prompt
        var text = content["body"] as? String ?? ""
        let direct = (members.withLock { $0[room] } ?? 3) <= 2
        if !direct && config.requireMention {
            let mentions = (content["m.mentions"] as? [String: Any])?["user_ids"] as? [String] ?? []
            let local = me.map { String($0.dropFirst().prefix { $0 != ":" }) } ?? ""
            // Clients mention by display name ("Harbour Master: ..."), older ones by localpart.
            let names = [displayName.withLock { $0 } ?? "", local].filter { !$0.isEmpty }
            guard mentions.contains(me ?? "") || text.contains(me ?? "\u{0}") || names.contains(where: { text.lowercased().contains($0.lowercased()) })
            else { return nil }
            if let name = names.first(where: { text.lowercased().hasPrefix($0.lowercased()) }) {
                text = String(text.dropFirst(name.count)).trimmingCharacters(in: CharacterSet(charactersIn: ":, "))
            }
        }
        if type == "m.emote" { text = "* \(sender) \(text)" }
        let thread = relation?["rel_type"] as? String == "m.thread" ? relation?["event_id"] as? String : nil
        return InboundMessage(
            conversation: ConversationRef(platform: .matrix, account: config.account, chat: room, thread: thread),
            sender: Sender(id: sender, displayName: sender), eventID: eventID, text: text, replyTo: eventID,
            receivedAt: Date(timeIntervalSince1970: Double(e["origin_server_ts"] as? Int ?? 0) / 1000), direct: direct)
    }

    /// "@alice:example.org" → "alice": a readable name when a member has no display name.
    static func localpart(_ userID: String) -> String {
        String(userID.dropFirst(userID.hasPrefix("@") ? 1 : 0).prefix { $0 != ":" })
    }

    /// Downloads an m.image, m.file or m.audio into the state directory (within the size limit),
    /// for the library; a failure is logged and the message goes on without it.
    func media(_ e: [String: Any], api: MatrixClient) async -> [Attachment] {
        guard let content = e["content"] as? [String: Any], let type = content["msgtype"] as? String,
            ["m.image", "m.file", "m.audio"].contains(type), let mxc = content["url"] as? String, mxc.hasPrefix("mxc://")
        else { return [] }
        let parts = mxc.dropFirst(6).split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return [] }
        let info = content["info"] as? [String: Any]
        if let size = info?["size"] as? Int, size > config.maxFileBytes {
            log.warning("a file over the size limit was not downloaded", ["size": "\(size)"])
            return []
        }
        do {
            let data = try await api.download("/_matrix/client/v1/media/download/\(MatrixClient.escape(parts[0]))/\(MatrixClient.escape(parts[1]))", limit: config.maxFileBytes)
            let dir = (config.stateDirectory as NSString).appendingPathComponent("files/matrix/\(config.account)")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let name = ((content["filename"] as? String) ?? (content["body"] as? String) ?? parts[1]).replacingOccurrences(of: "/", with: "_")
            let path = (dir as NSString).appendingPathComponent("\(parts[1])-\(name)")
            try data.write(to: URL(fileURLWithPath: path))
            return [Attachment(name: name, mimeType: info?["mimetype"] as? String ?? "application/octet-stream", path: path, size: data.count)]
        } catch {
            log.warning("could not download a file", ["error": "\(error)"])
            return []
        }
    }
}
