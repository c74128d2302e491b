import CPostgres
import Foundation
import HeraldCore
import Synchronization

/// LISTENs on one channel from its own connection and thread, calling `onNotify` with each
/// payload. Notifications arrive when the sender commits; a lost connection is reopened
/// (with a pause), and the caller's periodic look at the store covers what was missed.
final class PostgresListener: Sendable {
    private let url: String
    private let password: String?
    private let channel: String
    private let onNotify: @Sendable (String) -> Void
    private let stopped = Latch()
    private let log = Logger("postgres")

    init(url: String, password: String?, channel: String, onNotify: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.password = password
        self.channel = channel
        self.onNotify = onNotify
    }

    /// Listens until the calling task is cancelled.
    func run() async throws {
        let done = Latch()
        let thread = Thread { [self] in
            loop()
            done.set()
        }
        thread.name = "herald-listen"
        thread.start()
        await withTaskCancellationHandler {
            await done.wait()
        } onCancel: {
            stopped.set()
        }
    }

    private func loop() {
        var failures = 0
        while !stopped.isSet {
            do {
                let db = try PostgresConnection(url: url, password: password)
                try db.execute("LISTEN \(channel)")
                failures = 0
                // Whatever was committed while we were away is found by the caller's own look.
                onNotify(ClusterSignal.inbox.rawValue)
                onNotify(ClusterSignal.outbox.rawValue)
                try listen(on: db)
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    log.warning("cannot listen for other nodes; retrying", ["error": "\(error)"])
                }
                Thread.sleep(forTimeInterval: min(5, 0.2 * Double(failures)))
            }
        }
    }

    private func listen(on db: PostgresConnection) throws {
        let conn = db.raw
        while !stopped.isSet {
            // Drain first: some arrive while an earlier command was being answered.
            while let n = PQnotifies(conn) {
                let payload = String(cString: n.pointee.extra)
                PQfreemem(n)
                onNotify(payload)
            }
            var fds = pollfd(fd: db.socket, events: Int16(POLLIN), revents: 0)
            let rc = poll(&fds, 1, 250)
            if rc < 0 && errno != EINTR { throw PostgresError(code: "listen", message: String(cString: strerror(errno))) }
            if rc > 0 {
                guard PQconsumeInput(conn) == 1, PQstatus(conn) == CONNECTION_OK else {
                    throw PostgresError(code: "listen", message: String(cString: PQerrorMessage(conn)))
                }
            }
        }
    }
}
