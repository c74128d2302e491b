import Foundation
import HeraldNet

/// A model server Herald launches itself (a backend's `launch` command): started, waited on
/// until `/health` answers, restarted with backoff if it dies, stopped when Herald stops.
public final class ManagedServer: Sendable {
    public let name: String
    private let command: [String]
    private let healthURL: String
    private let backoff: Backoff
    private let ready = Latch()
    private let log: Logger
    private let onStart: @Sendable (Int32) -> Void

    /// - Parameter healthURL: polled until it answers 200 after each start.
    /// - Parameter onStart: told the pid of every process started (for supervision tests and logs).
    public init(
        name: String, command: [String], healthURL: String, backoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(30)),
        onStart: @escaping @Sendable (Int32) -> Void = { _ in }
    ) {
        self.onStart = onStart
        self.name = name
        self.command = command
        self.healthURL = healthURL
        self.backoff = backoff
        self.log = Logger("managed.\(name)")
    }

    /// Waits until the server answered its health check once, or `timeout` passes.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.ready.wait(); return true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || ready.isSet
        }
    }

    /// Runs and supervises the server until cancelled; the process is stopped on the way out.
    public func run() async throws {
        var failures = 0
        while !Task.isCancelled {
            let child: ChildProcess
            do {
                child = try ChildProcess(command)
            } catch {
                failures += 1
                log.error("cannot start the model server", ["command": command[0], "error": "\(error)"])
                try await Task.sleep(for: backoff.delay(after: failures))
                continue
            }
            log.info("model server started", ["pid": "\(child.pid)"])
            onStart(child.pid)
            if await waitForHealth(child) {
                failures = 0
                ready.set()
                log.info("model server is healthy")
            }
            await child.wait()
            if Task.isCancelled {
                await Self.stop(child)
                return
            }
            failures += 1
            let delay = backoff.delay(after: failures)
            log.warning("model server exited; restarting", ["status": "\(child.waitStatus)", "in": "\(delay)"])
            try await Task.sleep(for: delay)
        }
    }

    /// SIGTERM (repeated: a server still starting may not have its handler yet), then SIGKILL
    /// after 10 seconds. Runs detached so our own cancellation cannot cut the wait short.
    private static func stop(_ child: ChildProcess) async {
        await Task.detached {
            for _ in 0..<20 {
                child.signal(SIGTERM)
                if await child.waitForExit(upTo: .milliseconds(500)) { return }
            }
            child.signal(SIGKILL)
            await child.wait()
        }.value
    }

    /// Polls the health URL until it answers 200 or the process exits.
    private func waitForHealth(_ child: ChildProcess) async -> Bool {
        let client = HTTPClient()
        while child.isRunning && !Task.isCancelled {
            if let r = try? await client.send(HTTPRequest(url: healthURL, connectTimeout: .seconds(1), timeout: .seconds(2))),
                r.status == 200
            {
                return true
            }
            if await child.waitForExit(upTo: .milliseconds(100)) { return false }
        }
        return false
    }
}
