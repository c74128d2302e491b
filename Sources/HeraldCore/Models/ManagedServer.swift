import Foundation
import HeraldNet

/// A model server Herald launches itself (a backend's `launch` command): started, waited on
/// until `/health` answers, restarted with backoff if it dies, stopped when Herald stops.
public final class ManagedServer: Sendable {
    private enum Phase {
        case starting, healthy, restarting
    }

    public let name: String
    private let command: [String]
    private let healthURL: String
    private let backoff: Backoff
    private let ready = Latch()
    private let log: Logger

    /// - Parameter healthURL: polled until it answers 200 after each start.
    public init(name: String, command: [String], healthURL: String, backoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(30))) {
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

    /// Runs and supervises the server until cancelled; the process is terminated on the way out.
    public func run() async throws {
        var failures = 0
        while !Task.isCancelled {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try Self.resolve(command[0]))
            process.arguments = Array(command.dropFirst())
            process.standardInput = FileHandle.nullDevice
            let exited = Latch()
            process.terminationHandler = { _ in exited.set() }
            do {
                try process.run()
            } catch {
                failures += 1
                log.error("cannot start the model server", ["command": command[0], "error": "\(error)"])
                try await Task.sleep(for: backoff.delay(after: failures))
                continue
            }
            log.info("model server started", ["pid": "\(process.processIdentifier)"])
            do {
                try await withTaskCancellationHandler {
                    if await waitForHealth(until: exited) {
                        failures = 0
                        ready.set()
                        log.info("model server is healthy")
                    }
                    await exited.wait()
                } onCancel: {
                    if process.isRunning { process.terminate() }
                }
            }
            if Task.isCancelled {
                process.waitUntilExit()
                return
            }
            failures += 1
            let delay = backoff.delay(after: failures)
            log.warning("model server exited; restarting", ["status": "\(process.terminationStatus)", "in": "\(delay)"])
            try await Task.sleep(for: delay)
        }
    }

    /// Polls the health URL until it answers 200 or the process exits.
    private func waitForHealth(until exited: Latch) async -> Bool {
        let client = HTTPClient()
        while !exited.isSet && !Task.isCancelled {
            if let r = try? await client.send(HTTPRequest(url: healthURL, connectTimeout: .seconds(1), timeout: .seconds(2))),
                r.status == 200
            {
                return true
            }
            if await exited.sleep(for: .milliseconds(100), clock: ContinuousClock()) { return false }
        }
        return false
    }

    /// Finds a bare command name on PATH.
    static func resolve(_ command: String) throws -> String {
        if command.contains("/") { return command }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw ModelError(.unavailable, backend: "launch", "command not found: \(command)")
    }
}
