import Foundation
import HeraldCore
import HeraldNet
import Synchronization

/// Email: IMAP in (IDLE where offered, polling otherwise), SMTP submission out. Each thread is
/// a session, keyed by its root Message-ID. The UID cursor and each thread's reply headers are
/// committed with the inbox rows. `\Seen` says "handled": it is set when the mail's answer has
/// been sent (or at once for a mail screened out), never at the commit, so a mail whose answer
/// never went out still looks new to the person reading the mailbox; it is never the cursor.
public final class EmailAdapter: ChatAdapter {
    public let id: AdapterID
    public let capabilities = AdapterCapabilities(
        maxMessageLength: 1 << 20, lengthUnit: .characters, dialect: .markdown, threads: true, idempotentDelivery: true)
    public var allowedSenders: Set<String> { config.allowedSenders }

    let config: EmailConfig
    let password: String
    let screen: MailScreen
    let log: Logger
    let intake = Mutex<Intake?>(nil)
    private let ready = Latch()
    /// When old thread headers were last pruned (once a day is enough).
    private let lastPrune = Mutex<Date?>(nil)
    /// Answered mails waiting for their `\Seen` flag, and how to wake the IMAP loop for them.
    let answered = AnsweredMail()
    let wakeIMAP = Mutex<(@Sendable () -> Void)?>(nil)

    public init(config: EmailConfig, password: String) {
        self.config = config
        self.password = password
        id = AdapterID(platform: .email, account: config.address)
        screen = MailScreen(ownAddresses: config.ownAddresses, authservID: config.authservID, trustServer: config.trustServer)
        log = Logger("email.\(config.address)")
    }

    public func run(intake: Intake) async throws {
        if try await intake.state("instance") == nil {
            // Part of every Message-ID we make: ids stay unique if the state is ever reset.
            try await intake.setState("instance", String(UUID().uuidString.prefix(8)).lowercased())
        }
        self.intake.withLock { $0 = intake }
        ready.set()
        var failures = 0
        while !Task.isCancelled {
            do {
                try await session(intake: intake) { failures = 0 }
            } catch is CancellationError {
                return
            } catch let e as HTTPError where e.code == .loginDenied || e.code == .tls {
                // Wrong credentials or no TLS: retrying fast would only lock the account.
                failures += 4
                log.error(
                    e.code == .tls ? "IMAP: TLS failed (certificate, or no STARTTLS)" : "IMAP: the server refused the login",
                    ["error": e.message])
                try await Task.sleep(for: config.backoff.delay(after: failures))
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let delay = config.backoff.delay(after: failures)
                log.warning("IMAP session ended; reconnecting", ["error": "\(error)", "in": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Forgets the reply headers of threads nobody wrote in for `thread_days`, at most once a
    /// day. A late reply still finds its session: the first id of its References is the root.
    func pruneThreads(_ intake: Intake, now: Date = Date()) async {
        let due = lastPrune.withLock { last in
            if let last, now.timeIntervalSince(last) < 86_400 { return false }
            last = now
            return true
        }
        guard due else { return }
        let before = now.addingTimeInterval(-Double(config.threadDays) * 86_400)
        do {
            var gone = 0
            for prefix in ["msg:", "thread:"] { gone += try await intake.pruneState(prefix: prefix, writtenBefore: before) }
            if gone > 0 { log.info("forgot the headers of old threads", ["rows": "\(gone)", "older than days": "\(config.threadDays)"]) }
        } catch {
            log.warning("could not prune old thread headers", ["error": "\(error)"])
        }
    }

    /// A logged-in IMAP connection (curl logs in as it connects; TLS is required).
    private func connect() async throws -> IMAPSession {
        var o = LineConnection.Options(host: config.imap.host, port: config.imap.port, tls: config.imap.implicitTLS)
        o.loginScheme = config.imap.implicitTLS ? "imaps" : "imap"
        o.requireTLS = true
        o.username = config.user
        o.password = password
        o.caFile = config.caFile
        o.framing = .raw
        return IMAPSession(try await LineConnection(o), maxLiteral: config.maxMessageBytes)
    }

    /// IMAP: log in and examine the mailbox (read-only, no flag changes); SMTP: log in and
    /// hang up before any message.
    public func checkOnline(intake: Intake) async throws -> String? {
        let imap = try await connect()
        let examined = try await imap.command("EXAMINE \(IMAPSession.quote(config.mailbox))")
        let count = examined.lazy.compactMap { r -> Int? in
            let w = r.text.split(separator: " ")
            return w.count == 3 && w[2].uppercased() == "EXISTS" ? Int(w[1]) : nil
        }.first
        _ = try? await imap.command("LOGOUT", timeout: .seconds(5))
        var o = MailSubmission.Options(
            host: config.smtp.host, port: config.smtp.port, implicitTLS: config.smtp.implicitTLS, username: config.user, password: password)
        o.caFile = config.caFile
        o.timeout = .seconds(20)
        try await MailSubmission(o).login()
        return "IMAP login as \(config.user), \(config.mailbox) has \(count.map(String.init) ?? "?") mails; SMTP login at \(config.smtp.host):\(config.smtp.port)"
    }

    /// One IMAP connection: select, catch up, then IDLE (or poll) and fetch what arrives.
    private func session(intake: Intake, connected: () -> Void) async throws {
        let imap = try await connect()
        wakeIMAP.withLock { $0 = imap.waker }
        defer { wakeIMAP.withLock { $0 = nil } }
        connected()
        let idle = try await imap.command("CAPABILITY").contains { $0.text.uppercased().split(separator: " ").contains("IDLE") }
        let selected = try await imap.command("SELECT \(IMAPSession.quote(config.mailbox))")
        guard let validity = selected.lazy.compactMap({ $0.code("UIDVALIDITY") }).first else {
            throw IMAPError("SELECT gave no UIDVALIDITY")
        }
        let uidNext = selected.lazy.compactMap { $0.code("UIDNEXT").flatMap { Int($0) } }.first ?? 1
        var cursor = Cursor(validity: validity, last: 0, resync: false)
        switch try await intake.cursor("uidvalidity") {
        case nil:
            // A new mailbox: what is already there was written before Herald; it is not answered.
            cursor.last = uidNext - 1
            try await intake.commit(
                [], cursors: [("uidvalidity", validity), ("uid", String(cursor.last)), ("since", Self.day(Date()))])
            log.info(
                "watching the mailbox from now on", ["mailbox": config.mailbox, "skipped": "\(max(0, uidNext - 1)) existing"])
        case validity:
            cursor.last = Int(try await intake.cursor("uid") ?? "0") ?? 0
        case let old?:
            // The mailbox was rebuilt: every UID changed. Read again from the day Herald started;
            // Message-ID dedupe in the inbox keeps anything from being answered twice.
            log.warning("UIDVALIDITY changed; resyncing", ["old": old, "new": validity])
            cursor.resync = true
        }
        log.info("IMAP ready", ["mailbox": config.mailbox, "idle": idle ? "yes" : "no (polling)"])
        try await answered.load(intake)
        while !Task.isCancelled {
            try await fetchNew(imap, intake: intake, cursor: &cursor)
            try await markAnswered(imap, validity: cursor.validity, intake: intake)
            await pruneThreads(intake)
            if idle {
                _ = try await imap.idle(timeout: config.idleRestart)
            } else {
                try await Task.sleep(for: config.pollInterval)
                try await imap.command("NOOP")
            }
        }
    }

    struct Cursor {
        var validity: String
        var last: Int
        var resync: Bool
    }

    /// Sets `\Seen` on the mails whose answers went out since the last round. A mail of an
    /// earlier UIDVALIDITY is not in this mailbox any more under that UID: dropped.
    private func markAnswered(_ imap: IMAPSession, validity: String, intake: Intake) async throws {
        let due = await answered.pending
        guard !due.isEmpty else { return }
        let here = due.filter { $0.validity == validity }.map(\.uid).sorted()
        if !here.isEmpty { try await imap.command("UID STORE \(here.map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Seen)") }
        try await answered.remove(due, intake)
    }

    /// Fetches every message after the cursor, in batches: each batch is committed with the
    /// cursor; mails screened out are marked `\Seen` at once (nothing more will happen to them),
    /// the others when their answer is sent.
    private func fetchNew(_ imap: IMAPSession, intake: Intake, cursor: inout Cursor) async throws {
        let query =
            cursor.resync
            ? "UID SEARCH SINCE \(try await intake.cursor("since") ?? Self.day(Date()))" : "UID SEARCH UID \(cursor.last + 1):*"
        let found = try await imap.command(query).flatMap { r -> [Int] in
            let w = r.text.split(separator: " ")
            guard w.count >= 2, w[0] == "*", w[1].uppercased() == "SEARCH" else { return [] }
            return w.dropFirst(2).compactMap { Int($0) }
        }
        // `n:*` always matches the highest UID, even one below n.
        let uids = found.filter { cursor.resync || $0 > cursor.last }.sorted()
        for start in stride(from: 0, to: uids.count, by: 10) {
            let batch = Array(uids[start..<min(start + 10, uids.count)])
            let fetched = try await fetch(imap, batch)
            var messages: [InboundMessage] = []
            var headers: [(key: String, value: String)] = []
            var screened: [Int] = []
            var threads = ThreadIndex(intake: intake)
            for (uid, raw, size) in fetched {
                guard let (message, meta) = await read(raw, uid: uid, validity: cursor.validity, size: size, threads: &threads) else {
                    screened.append(uid)
                    continue
                }
                messages.append(message)
                let json = String(decoding: (try? JSONEncoder().encode(meta)) ?? Data(), as: UTF8.self)
                headers += [("msg:" + message.eventID, json), ("thread:" + meta.root, json)]
            }
            let highest = max(cursor.last, batch.last ?? 0)
            // The mails, the mailbox position and each thread's reply headers in one transaction.
            try await intake.commit(messages, cursors: [("uidvalidity", cursor.validity), ("uid", String(highest))], state: headers)
            cursor.last = highest
            if !screened.isEmpty {
                try await imap.command("UID STORE \(screened.map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Seen)")
            }
        }
        if cursor.resync {
            cursor.resync = false
            cursor.last = max(cursor.last, uids.last ?? 0)
        }
    }

    /// UID, raw bytes and size of each message; oversized ones come as headers only (their
    /// size is above the limit, and `read` says so).
    private func fetch(_ imap: IMAPSession, _ uids: [Int]) async throws -> [(Int, Data, Int)] {
        let set = uids.map(String.init).joined(separator: ",")
        var sizes: [Int: Int] = [:]
        for r in try await imap.command("UID FETCH \(set) (UID RFC822.SIZE)") {
            if let uid = Self.number(after: "UID", in: r.text), let size = Self.number(after: "RFC822.SIZE", in: r.text) {
                sizes[uid] = size
            }
        }
        let small = uids.filter { (sizes[$0] ?? 0) <= config.maxMessageBytes }
        let large = uids.filter { (sizes[$0] ?? 0) > config.maxMessageBytes }
        var out: [(Int, Data, Int)] = []
        for (items, list) in [("BODY.PEEK[]", small), ("BODY.PEEK[HEADER]", large)] where !list.isEmpty {
            for r in try await imap.command(
                "UID FETCH \(list.map(String.init).joined(separator: ",")) (UID \(items))", timeout: .seconds(300))
            {
                guard let uid = Self.number(after: "UID", in: r.text), let body = r.literals.first else { continue }
                // Only a headers-only fetch reports the full size: `read` takes that as "too big".
                out.append((uid, body, items == "BODY.PEEK[]" ? body.count : max(sizes[uid] ?? 0, body.count + 1)))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func number(after word: String, in text: String) -> Int? {
        guard let r = text.range(of: "(" + word + " ") ?? text.range(of: " " + word + " ") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// `26-Nov-2026`, the date form IMAP SEARCH takes.
    static func day(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "d-MMM-yyyy"
        return f.string(from: date.addingTimeInterval(-86_400))
    }

    public func typing(in conversation: ConversationRef) async {}

    func currentIntake() async -> Intake {
        await ready.wait()
        return intake.withLock { $0 }!
    }
}

extension IMAPSession {
    /// A quoted IMAP string.
    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
