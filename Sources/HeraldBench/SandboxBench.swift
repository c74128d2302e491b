import Foundation
import HeraldCore

/// What the sandbox adds to a command: `true` run directly (posix_spawn and wait) and through
/// `Sandbox.run` (bubblewrap with every namespace, limits and output capture), one after the
/// other, `runs` times each.
enum SandboxBench {
    static func run(runs: Int) async throws -> (direct: [Double], sandboxed: [Double]) {
        let dir = NSTemporaryDirectory() + "herald-sandbox-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sandbox = Sandbox(workspace: dir)
        var direct: [Double] = []
        var sandboxed: [Double] = []
        for _ in 0..<runs {
            var t = ContinuousClock.now
            let p = try ChildProcess(["/bin/true"])
            await p.wait()
            direct.append(Double((ContinuousClock.now - t) / .microseconds(1)) / 1000)
            t = ContinuousClock.now
            let r = try await sandbox.run("true")
            guard r.status == 0 else { throw SandboxBenchError(message: "the sandbox failed: \(r.report)") }
            sandboxed.append(Double((ContinuousClock.now - t) / .microseconds(1)) / 1000)
        }
        return (direct, sandboxed)
    }

    struct SandboxBenchError: Error { var message: String }
}

extension Report {
    static func sandbox(direct: [Double], sandboxed: [Double]) -> String {
        func ms(_ v: Double) -> String { String(format: "%.1f ms", v) }
        let overhead = zip(direct.sorted(), sandboxed.sorted()).map { $1 - $0 }
        return """
            ## Sandbox (`make bench-sandbox`)

            `workspace_run` of `true`: bubblewrap with every namespace (PID, network, IPC, UTS,
            user, mount), a read-only host, a private /tmp, the limits set by `ulimit`, output read
            through pipes; beside `/bin/true` spawned directly. \(sandboxed.count) runs each.

            | run | p50 | p90 |
            |---|---|---|
            | direct | \(ms(percentile(direct, 0.5))) | \(ms(percentile(direct, 0.9))) |
            | sandboxed | \(ms(percentile(sandboxed, 0.5))) | \(ms(percentile(sandboxed, 0.9))) |

            Median overhead of the sandbox: **\(ms(percentile(overhead, 0.5)))** a command.
            """
    }
}
