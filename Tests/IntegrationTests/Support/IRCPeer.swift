import Foundation
import HeraldCore
import HeraldIRC
import HeraldNet
import HeraldPeers
import Synchronization
import Testing

/// A real ngircd on a free loopback port, one per test, so a test can stop, restart or freeze it.
final class IRCServer: Sendable {
    let dir = TempDir()
    let port: Int
    /// The TLS port (a self-signed certificate for 127.0.0.1 at `certificate`), when asked for.
    let tlsPort: Int?
    var certificate: String { dir.file("cert.pem") }
    private let process = Mutex<ChildProcess?>(nil)

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/ngircd") }
    static let enabled = available || Peers.required

    init(pingTimeout: Int = 120, tls: Bool = false) throws {
        try #require(Self.available, "ngircd is not installed: run `make test` (it installs the ngircd package)")
        port = Self.freePort()
        tlsPort = tls ? Self.freePort() : nil
        var ssl = ""
        if let tlsPort {
            let openssl = try ChildProcess([
                "/bin/sh", "-c",
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(dir.file("key.pem")) -out \(dir.file("cert.pem")) -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && chmod 644 \(dir.file("key.pem"))",
            ])
            while openssl.isRunning { usleep(10_000) }
            ssl = "[SSL]\nCertFile = \(dir.file("cert.pem"))\nKeyFile = \(dir.file("key.pem"))\nPorts = \(tlsPort)\n"
        }
        let config = """
            [Global]
            Name = irc.test.local
            Info = Herald test server
            Listen = 127.0.0.1
            Ports = \(port)
            [Limits]
            PingTimeout = \(pingTimeout)
            MaxPenaltyTime = 0
            [Options]
            PAM = no
            Ident = no
            DNS = no
            \(ssl)
            """
        try config.write(toFile: dir.file("ngircd.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    deinit { stop() }

    /// Starts the server and returns once it accepts connections.
    func start() throws {
        let p = try ChildProcess(["/bin/sh", "-c", "exec /usr/sbin/ngircd -n -f \(dir.file("ngircd.conf")) >>\(dir.file("ngircd.log")) 2>&1"])
        process.withLock { $0 = p }
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port) {
            guard Date() < deadline, p.isRunning else {
                throw IRCTestError("ngircd did not start: \((try? String(contentsOfFile: dir.file("ngircd.log"), encoding: .utf8)) ?? "")")
            }
            usleep(20_000)
        }
    }

    func stop() {
        guard let p = process.withLock({ $0 }) else { return }
        p.signal(SIGCONT)
        p.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        p.signal(SIGKILL)
        process.withLock { $0 = nil }
    }

    /// Freezes the server: the TCP link stays up but nothing answers.
    func freeze() { process.withLock { $0 }?.signal(SIGSTOP) }
    func thaw() { process.withLock { $0 }?.signal(SIGCONT) }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

struct IRCTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A second, raw IRC client that a test drives: it registers, joins, talks, and records every
/// line it receives, with waiting on lines instead of sleeping.
final class IRCTestClient: Sendable {
    let nick: String
    let connection: LineConnection
    private let state = Mutex<(lines: [IRCMessage], raw: [Data], waiters: WaiterList<[IRCMessage]>)>(([], [], WaiterList()))
    private let reader: Mutex<Task<Void, Never>?>

    init(nick: String, port: Int, join channels: [String] = [], user: String? = nil) async throws {
        self.nick = nick
        connection = try await LineConnection(LineConnection.Options(host: "127.0.0.1", port: port, tls: false))
        reader = Mutex(nil)
        let task = Task { [self] in await self.readLoop() }
        reader.withLock { $0 = task }
        try await send("NICK \(nick)")
        try await send("USER \(user ?? nick) 0 * :\(nick)")
        try await waitFor("the welcome for \(nick)") { $0.contains { $0.command == "001" } }
        for c in channels {
            try await send("JOIN \(c)")
            try await waitFor("joining \(c)") { $0.contains { $0.command == "366" && $0.params.count > 1 && $0.params[1] == c } }
        }
    }

    deinit { reader.withLock { $0?.cancel() } }

    private func readLoop() async {
        do {
            for try await raw in connection.lines {
                guard let m = IRCMessage.parse(raw) else { continue }
                if m.command == "PING" { try? await send("PONG :\(m.params.last ?? "")") }
                let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                    s.lines.append(m)
                    s.raw.append(raw)
                    return s.waiters.ready(s.lines)
                }
                ready.forEach { $0.resume() }
            }
        } catch {}
    }

    func send(_ line: String) async throws { try await connection.send(Data((line + "\r\n").utf8)) }
    func say(_ text: String, to target: String) async throws { try await send("PRIVMSG \(target) :\(text)") }

    var lines: [IRCMessage] { state.withLock { $0.lines } }
    var rawLines: [Data] { state.withLock { $0.raw } }

    /// PRIVMSGs from `nick` (to `target`, if given), as received.
    func messages(from nick: String, to target: String? = nil) -> [IRCMessage] { Self.messages(in: lines, from: nick, to: target) }

    /// The same over a list of lines (for `waitFor` predicates, which run under the lock).
    static func messages(in lines: [IRCMessage], from nick: String, to target: String? = nil) -> [IRCMessage] {
        lines.filter { $0.command == "PRIVMSG" && $0.nick == nick && (target == nil || $0.params.first == target) }
    }

    func waitFor(_ what: String, seconds: Double = 30, _ predicate: @escaping @Sendable ([IRCMessage]) -> Bool) async throws {
        try await withDeadline(seconds, "\(what); last lines: \(lines.suffix(4).map(\.line))") { [self] in
            await cancellableWait(
                register: { id, c in
                    self.state.withLock { s in
                        if predicate(s.lines) { return false }
                        s.waiters.add(id, predicate, c)
                        return true
                    }
                },
                cancel: { [self] id in self.state.withLock { $0.waiters.remove(id) } })
        }
    }

    func quit() {
        connection.shutdown()
        reader.withLock { $0?.cancel() }
    }
}

/// InspIRCd with Atheme services linked to it: real SASL PLAIN and account tags.
final class SASLNetwork: Sendable {
    let dir = TempDir()
    let port: Int
    let linkPort: Int
    private let processes = Mutex<[ChildProcess]>([])

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/inspircd") && FileManager.default.isExecutableFile(atPath: "/usr/bin/atheme-services")
    }
    static let enabled = available || Peers.required

    init() throws {
        try #require(Self.available, "inspircd and atheme-services are not installed: run `make test`")
        port = IRCServer.freePort()
        linkPort = IRCServer.freePort()
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try """
            <server name="irc.test.local" description="Herald test" network="HeraldTest">
            <admin name="Admin" nick="admin" email="admin@test.local">
            <bind address="127.0.0.1" port="\(port)" type="clients">
            <bind address="127.0.0.1" port="\(linkPort)" type="servers">
            <power diepass="die" restartpass="restart">
            <connect allow="*" timeout="60" threshold="1000" commandrate="100000" fakelag="off" localmax="100" globalmax="100" maxchans="20" limit="1000" pingfreq="120" sendq="262144" recvq="8192" hardsendq="1048576" softsendq="8192">
            <module name="cap">
            <module name="ircv3">
            <module name="ircv3_accounttag">
            <module name="sasl">
            <module name="services_account">
            <module name="spanningtree">
            <link name="services.test.local" ipaddr="127.0.0.1" port="\(linkPort)" allowmask="127.0.0.0/8" sendpass="linkpass" recvpass="linkpass">
            <uline server="services.test.local" silent="yes">
            <sasl target="services.test.local" requiressl="no">
            <dns server="127.0.0.1" timeout="1">
            <performance nouserdns="yes">
            <log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="\(dir.file("inspircd.log"))">
            <pid file="\(dir.file("inspircd.pid"))">
            """.write(toFile: dir.file("inspircd.conf"), atomically: true, encoding: .utf8)
        var atheme = try String(contentsOfFile: "/usr/share/doc/atheme-services/examples/atheme.conf.example", encoding: .utf8)
        atheme = "loadmodule \"modules/protocol/inspircd\";\n" + atheme
        atheme = atheme.replacingOccurrences(of: "name = \"services.int\";", with: "name = \"services.test.local\";")
        if let start = atheme.range(of: "uplink \"irc6.example.net\" {"), let end = atheme.range(of: "\n};\n", range: start.upperBound..<atheme.endIndex) {
            atheme.removeSubrange(start.lowerBound..<end.upperBound)
        }
        atheme = atheme.replacingOccurrences(of: "uplink \"irc.example.net\" {", with: "uplink \"irc.test.local\" {")
            .replacingOccurrences(of: "send_password = \"mypassword\";", with: "send_password = \"linkpass\";")
            .replacingOccurrences(of: "receive_password = \"theirpassword\";", with: "receive_password = \"linkpass\";")
        if let r = atheme.range(of: "\tport = 6667;\n};") { atheme.replaceSubrange(r, with: "\tport = \(linkPort);\n};") }
        try atheme.write(toFile: dir.file("atheme.conf"), atomically: true, encoding: .utf8)

        // InspIRCd dumps core on SIGTERM with TLS loaded; no core files either way.
        try add(["/bin/sh", "-c", "ulimit -H -c 0; exec /usr/sbin/inspircd --config=\(dir.file("inspircd.conf")) --nofork --runasroot >\(dir.file("inspircd.out")) 2>&1"])
        try waitUntil("inspircd to listen") { IRCServer.accepts(self.port) }
        try add(["/bin/sh", "-c", "exec /usr/bin/atheme-services -n -c \(dir.file("atheme.conf")) -l \(dir.file("atheme.log")) -p \(dir.file("atheme.pid")) -D \(dir.file("data")) >\(dir.file("atheme.out")) 2>&1"])
        try waitUntil("atheme to link and sync") {
            ((try? String(contentsOfFile: self.dir.file("atheme.log"), encoding: .utf8)) ?? "").contains("finished synching with uplink")
        }
    }

    deinit { stop() }

    private func add(_ argv: [String]) throws {
        let p = try ChildProcess(argv)
        processes.withLock { $0.append(p) }
    }

    private func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { throw IRCTestError("timed out waiting for \(what): \((try? String(contentsOfFile: dir.file("atheme.out"), encoding: .utf8)) ?? "")") }
            usleep(20_000)
        }
    }

    func stop() {
        let all = processes.withLock { p -> [ChildProcess] in
            defer { p = [] }
            return p
        }
        for p in all.reversed() {
            p.signal(SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning && Date() < deadline { usleep(10_000) }
            p.signal(SIGKILL)
        }
    }

    /// Registers a services account (nick = account) and leaves the connection identified.
    func register(_ account: String, password: String) async throws -> IRCTestClient {
        let c = try await IRCTestClient(nick: account, port: port)
        try await c.say("REGISTER \(password) \(account)@test.local", to: "NickServ")
        try await c.waitFor("NickServ to register \(account)") { lines in
            lines.contains { $0.command == "NOTICE" && $0.nick == "NickServ" && ($0.params.last ?? "").contains("registered") }
        }
        return c
    }
}
