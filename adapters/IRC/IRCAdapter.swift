import Foundation
import HeraldCore
import HeraldNet
import Synchronization

/// IRC over a line stream: registers (IRCv3 CAP, SASL PLAIN), joins the configured channels,
/// turns addressed channel lines and private queries into inbound messages, and delivers
/// replies through a token-bucket send queue. Reconnects with backoff and jitter; while it is
/// away, replies wait in the outbox.
public final class IRCAdapter: ChatAdapter {
    public let id: AdapterID
    /// One line per chunk, paced by one token bucket per connection that every channel shares
    /// line by line (`send_rate`, `send_burst`).
    public let capabilities: AdapterCapabilities
    /// Accounts, and where accounts are not required nicks (folded the server's way).
    public var allowedSenders: Set<String> {
        let mapping = caseMapping.withLock { $0 }
        return config.allowedAccounts.union(config.requireAccount ? [] : Set(config.allowedNicks.map { "nick:" + mapping.fold($0) }))
    }
    /// How often each nick (folded) was seen released (QUIT, or renamed away), durable as the
    /// adapter state `released:NICK`: part of the key of an account-less private conversation.
    let releases = Mutex<[String: Int]>([:])
    /// Set once the current session saw its own JOIN: the link worked.
    let joined = Mutex(false)
    /// The channels (folded) this session has joined, by the server's JOIN echo: a reply to
    /// any other channel waits, since a +n channel would refuse it and the line would be lost.
    let inChannels = Mutex<Set<String>>([])
    /// How this server compares names (ISUPPORT CASEMAPPING; RFC 1459's until it says).
    let caseMapping = Mutex(IRCCaseMapping.standard)
    let config: IRCConfig
    let password: String?
    let log: Logger

    /// The live connection, once registered and joined.
    let link = Mutex<Link?>(nil)

    /// A registered connection: where to send, who we are on it.
    final class Link: Sendable {
        let connection: LineConnection
        private let current: Mutex<String>
        var nick: String { current.withLock { $0 } }
        func rename(_ nick: String) { current.withLock { $0 = nick } }
        /// Our `nick!user@host` as the server shows it, for the line budget.
        let hostmask = Mutex<String?>(nil)
        init(connection: LineConnection, nick: String) {
            self.connection = connection
            current = Mutex(nick)
        }
    }

    /// Reads a nick's release count once per process.
    func loadReleases(of nick: String, intake: Intake) async throws {
        let key = caseMapping.withLock { $0 }.fold(nick)
        guard releases.withLock({ $0[key] }) == nil else { return }
        let stored = Int(try await intake.state("released:" + key) ?? "") ?? 0
        releases.withLock { $0[key] = $0[key] ?? stored }
    }

    /// Counts a release of `nick`, durably.
    func released(_ nick: String, intake: Intake) async throws {
        try await loadReleases(of: nick, intake: intake)
        let key = caseMapping.withLock { $0 }.fold(nick)
        let count = releases.withLock { r -> Int in
            r[key, default: 0] += 1
            return r[key]!
        }
        try await intake.setState("released:" + key, String(count))
    }

    /// The key of a person's private conversation: the services account, else user@host.
    static func person(account: String?, source: String?, nick: String) -> String {
        account.map { "account:\($0)" } ?? "mask:" + (source.flatMap { $0.split(separator: "!", maxSplits: 1).dropFirst().first.map(String.init) } ?? nick)
    }

    /// Channel names fold the server's way, so a binding matches however the server relays it.
    public func canonicalChat(_ chat: String) -> String {
        chat.hasPrefix("#") || chat.hasPrefix("&") ? caseMapping.withLock { $0 }.fold(chat) : chat
    }

    /// With `require_account`, a nick alone identifies nobody.
    public func canIdentify(_ sender: Sender) -> Bool { !(config.requireAccount && sender.id.hasPrefix("nick:")) }

    public init(config: IRCConfig, password: String?) {
        self.config = config
        self.password = password
        id = AdapterID(platform: .irc, account: config.account)
        log = Logger("irc.\(config.account)")
        capabilities = AdapterCapabilities(
            maxMessageLength: 400, lengthUnit: .utf8Bytes, dialect: .irc, lineOriented: true,
            pacing: DeliveryPacing(perAdapter: .init(perSecond: config.sendRate, burst: config.sendBurst), maxInFlight: 1))
        // Sender ids: the services account, or "nick:NAME" where accounts are not required.
    }

    public func run(intake: Intake) async throws {
        var failures = 0
        while !Task.isCancelled {
            joined.withLock { $0 = false }
            inChannels.withLock { $0 = [] }
            do {
                try await session(intake: intake)
                failures = 0
            } catch is CancellationError {
                return
            } catch let e as IRCError where e.fatal {
                throw e
            } catch {
                if Task.isCancelled { return }
                // A session that got as far as joining was healthy: the backoff starts over
                // (a session always ends by throwing, so a clean return never resets it).
                if joined.withLock({ $0 }) { failures = 0 }
                failures += 1
                let delay = config.backoff.delay(after: failures)
                log.warning("disconnected; reconnecting", ["error": "\(error)", "in": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// One connection, from connect to its end.
    private func session(intake: Intake) async throws {
        var options = LineConnection.Options(host: config.host, port: config.port, tls: config.tls)
        options.caFile = config.caFile
        let connection = try await LineConnection(options)
        defer {
            connection.shutdown()
            link.withLock { $0 = nil }
        }
        var registration = Registration(config: config, password: password)
        for line in registration.start() { try await connection.send(Data((line + "\r\n").utf8)) }
        let lastHeard = LastHeard()
        // The watchdog runs beside the read loop; when it finds the link dead it shuts the
        // connection, which ends `lines`.
        let watchdog = Task { try await self.watchdog(connection, lastHeard: lastHeard) }
        defer { watchdog.cancel() }
        for try await raw in connection.lines {
            lastHeard.touch()
            guard let message = IRCMessage.parse(raw) else { continue }
            try await handle(message, connection: connection, registration: &registration, intake: intake)
        }
        throw IRCError("the server closed the connection")
    }

    /// Sends our own PING when the link is quiet; declares it dead when nothing comes back.
    private func watchdog(_ connection: LineConnection, lastHeard: LastHeard) async throws {
        var pinged: ContinuousClock.Instant?
        var lastRegain = ContinuousClock.now
        while true {
            try await Task.sleep(for: .milliseconds(250))
            // Registered under another nick: ask for ours back now and then.
            if let link = link.withLock({ $0 }), link.nick != config.nick, ContinuousClock.now - lastRegain > config.nickRegain {
                lastRegain = .now
                try await connection.send(Data("NICK \(config.nick)\r\n".utf8))
            }
            let quiet = ContinuousClock.now - lastHeard.at
            if let p = pinged {
                if lastHeard.at > p {
                    pinged = nil
                } else if ContinuousClock.now - p > config.pingTimeout {
                    log.warning("the link is dead: no answer to our PING", ["timeout": "\(config.pingTimeout)"])
                    connection.shutdown()
                    throw IRCError("no answer to PING within \(config.pingTimeout)")
                }
            } else if quiet > config.pingInterval {
                pinged = .now
                try await connection.send(Data("PING :herald\r\n".utf8))
            }
        }
    }

    private func handle(_ m: IRCMessage, connection: LineConnection, registration: inout Registration, intake: Intake) async throws {
        if m.command == "005", let mapping = IRCCaseMapping.announced(in: m.params) {
            caseMapping.withLock { $0 = mapping }
        }
        switch m.command {
        case "PING":
            // At once, ahead of the send queue: a late PONG gets us disconnected.
            try await connection.send(Data((IRCMessage(command: "PONG", params: m.params).line + "\r\n").utf8))
        case "ERROR":
            throw IRCError("server error: \(m.params.last ?? "")")
        case "PRIVMSG":
            if let nick = m.nick { try await loadReleases(of: nick, intake: intake) }
            if let inbound = inbound(m) { try await intake.commit([inbound]) }
        case "NOTICE":
            break  // never answered (RFC 1459 4.4.2)
        case "NICK" where m.nick == link.withLock({ $0?.nick }):
            if let new = m.params.first {
                link.withLock { $0?.rename(new) }
                log.info("nick changed", ["nick": new])
            }
        case "NICK", "QUIT":
            // Someone else left a nick: whoever takes it next is a new person to us (where no
            // account says who they are), so its private conversation starts afresh.
            if let nick = m.nick { try await released(nick, intake: intake) }
        case let code where ["432", "433", "437"].contains(code) && link.withLock({ $0 }) != nil:
            break  // the nick we asked back is still taken: try again later
        case "JOIN" where m.nick == link.withLock({ $0?.nick }):
            joined.withLock { $0 = true }
            if let channel = m.params.first {
                let folded = caseMapping.withLock { $0 }.fold(channel)
                inChannels.withLock { _ = $0.insert(folded) }
                await intake.linkUp()  // replies that waited for this channel go now
            }
            // Our JOIN echo carries the hostmask the server prefixes our lines with.
            if let mask = m.source { link.withLock { $0?.hostmask.withLock { $0 = mask } } }
            log.info("joined", ["channel": m.params.first ?? "?"])
        case "PART" where m.nick == link.withLock({ $0?.nick }):
            if let channel = m.params.first { _ = inChannels.withLock { $0.remove(caseMapping.withLock { $0 }.fold(channel)) } }
        case "KICK" where m.params.count > 1 && m.params[1] == link.withLock({ $0?.nick }):
            _ = inChannels.withLock { $0.remove(caseMapping.withLock { $0 }.fold(m.params[0])) }
            log.warning("kicked from a channel", ["channel": m.params[0], "by": m.nick ?? "?"])
        default:
            let outcome = try registration.handle(m)
            for line in outcome.send { try await connection.send(Data((line + "\r\n").utf8)) }
            if let nick = outcome.registeredAs {
                link.withLock { $0 = Link(connection: connection, nick: nick) }
                log.info("registered", ["nick": nick, "account": registration.account ?? "-"])
                if !config.channels.isEmpty {
                    try await connection.send(Data("JOIN \(config.channels.joined(separator: ","))\r\n".utf8))
                }
                await intake.linkUp()
            }
        }
    }

    /// Connects, registers (SASL included when configured) and quits, for `herald doctor
    /// --online`. A nick taken by a running Herald makes registration fall back to another.
    public func checkOnline(intake: Intake) async throws -> String? {
        var options = LineConnection.Options(host: config.host, port: config.port, tls: config.tls)
        options.caFile = config.caFile
        let connection = try await LineConnection(options)
        defer { connection.shutdown() }
        var registration = Registration(config: config, password: password)
        for line in registration.start() { try await connection.send(Data((line + "\r\n").utf8)) }
        for try await raw in connection.lines {
            guard let m = IRCMessage.parse(raw) else { continue }
            switch m.command {
            case "PING": try await connection.send(Data((IRCMessage(command: "PONG", params: m.params).line + "\r\n").utf8))
            case "ERROR": throw IRCError("server error: \(m.params.last ?? "")")
            default:
                let outcome = try registration.handle(m)
                for line in outcome.send { try await connection.send(Data((line + "\r\n").utf8)) }
                if let nick = outcome.registeredAs {
                    try? await connection.send(Data("QUIT :herald doctor\r\n".utf8))
                    let account = registration.account.map { ", SASL account \($0)" } ?? ""
                    return "registered at \(config.host):\(config.port) as \(nick)\(account)"
                }
            }
        }
        throw IRCError("the server closed the connection before registration finished")
    }

    /// A PRIVMSG as an inbound message, or nil when it is not for us.
    func inbound(_ m: IRCMessage) -> InboundMessage? {
        guard m.params.count >= 2, let nick = m.nick, let me = link.withLock({ $0?.nick }) else { return nil }
        if nick.caseInsensitiveCompare(me) == .orderedSame { return nil }  // our own echo
        var text = m.params[1]
        if text.hasPrefix("\u{01}") {
            // CTCP: only ACTION is a message; VERSION, PING, DCC and the rest are ignored.
            guard text.hasPrefix("\u{01}ACTION ") else { return nil }
            text = "* \(nick) " + text.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\u{01}"))
        }
        let target = m.params[0]
        let inChannel = target.hasPrefix("#") || target.hasPrefix("&")
        if inChannel && config.requireAddress {
            guard let rest = Self.addressed(text, to: me) else { return nil }
            text = rest
        }
        let account = m.tags["account"].flatMap { $0 == "*" ? nil : $0 }
        let mapping = caseMapping.withLock { $0 }
        let senderID = account ?? "nick:" + mapping.fold(nick)
        // A private conversation belongs to the person, not the nick: replies go to the nick,
        // but the session is keyed by the services account, or without one by user@host, so
        // whoever takes the nick next never sees the earlier owner's history.
        let release = releases.withLock { $0[mapping.fold(nick)] ?? 0 }
        let person = Self.person(account: account, source: m.source, nick: nick) + (account == nil && release > 0 ? "#\(release)" : "")
        let query = ConversationRef(platform: .irc, account: config.account, chat: nick, thread: person)
        return InboundMessage(
            conversation: inChannel ? ConversationRef(platform: .irc, account: config.account, chat: mapping.fold(target)) : query,
            sender: Sender(id: senderID, displayName: nick), eventID: m.tags["msgid"] ?? UUID().uuidString,
            text: IRCText.clean(text), direct: !inChannel, privately: query)
    }

    /// "nick: text" or "nick, text" → "text".
    static func addressed(_ text: String, to nick: String) -> String? {
        guard text.count > nick.count, text.prefix(nick.count).caseInsensitiveCompare(nick) == .orderedSame else { return nil }
        let rest = text.dropFirst(nick.count)
        guard let mark = rest.first, mark == ":" || mark == "," else { return nil }
        return rest.dropFirst().trimmingCharacters(in: .whitespaces)
    }
}

/// When the link last said anything.
final class LastHeard: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var at: ContinuousClock.Instant { instant.withLock { $0 } }
    func touch() { instant.withLock { $0 = .now } }
}

/// An IRC failure. `fatal` ones (SASL refused with `sasl_required`) are not retried by the
/// adapter itself; the gateway's supervisor restarts it with its own backoff.
struct IRCError: Error, CustomStringConvertible {
    var description: String
    var fatal = false
    init(_ description: String, fatal: Bool = false) {
        self.description = description
        self.fatal = fatal
    }
}
