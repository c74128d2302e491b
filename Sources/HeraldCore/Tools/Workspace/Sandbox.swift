import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command in a bubblewrap sandbox: the host read-only, the workspace read-write, a
/// private /tmp, /dev and /proc, a new PID namespace (so ending its first process ends every
/// process it started), no network unless allowed, an environment of only what is given,
/// CPU and memory limits, a wall-clock limit, and output capped.
public struct Sandbox: Sendable {
    public struct Limits: Sendable, Equatable {
        public var wallSeconds: Int = 60
        public var cpuSeconds: Int = 60
        public var memoryMB: Int = 2048
        public var processes: Int = 256
        public var outputChars: Int = 16_000
        public var network = false
        public init() {}
    }

    public struct Result: Sendable, Equatable {
        public var status: Int32
        public var output: String
        public var cut: Int
        public var timedOut: Bool

        /// As the model reads it: the exit status, the output, what was cut and why it ended.
        public var report: String {
            var lines = [timedOut ? "killed at the time limit" : "exit status \(status)"]
            if !output.isEmpty { lines.append(output) }
            if cut > 0 { lines.append("[cut: \(cut) more characters of output were not shown]") }
            return lines.joined(separator: "\n")
        }
    }

    public static let bwrap = "/usr/bin/bwrap"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: bwrap) }

    public let workspace: String
    public let limits: Limits
    public let environment: [String: String]

    public init(workspace: String, limits: Limits = Limits(), environment: [String: String] = [:]) {
        self.workspace = workspace
        self.limits = limits
        self.environment = environment
    }

    /// The bwrap command line for `command` (run by /bin/sh -c in `directory`).
    public func argv(_ command: String, directory: String? = nil) -> [String] {
        var a = [
            // In this order: a workspace under /tmp stays visible on top of the private /tmp.
            Self.bwrap, "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--bind", workspace, workspace, "--dev", "/dev", "--proc", "/proc",
            "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
        ]
        if limits.network { a.append("--share-net") }
        let env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workspace, "LANG": "C.UTF-8", "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"]
            .merging(environment) { $1 }
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { a += ["--setenv", k, v] }
        a += ["--chdir", directory ?? workspace]
        // Limits the kernel enforces inside: CPU seconds, address space, processes (dash's -p;
        // the kernel does not hold root to it, so as root the PID namespace and the wall limit
        // are what bound a fork bomb).
        let ulimits = "ulimit -t \(limits.cpuSeconds) && ulimit -v \(limits.memoryMB * 1024) && ulimit -p \(limits.processes)"
        a += ["/bin/sh", "-c", "\(ulimits) && exec /bin/sh -c \"$0\"", command]
        return a
    }

    /// Runs `command`; a command still running at the wall limit is killed with everything it
    /// started (its PID namespace ends with it).
    public func run(_ command: String, directory: String? = nil) async throws -> Result {
        let limit = limits.outputChars
        let r = try await ChildProcess.output(
            argv(command, directory: directory), environment: [:], limit: limit * 4, wall: .seconds(Int64(limits.wallSeconds)))
        var output = r.output
        var cut = 0
        if output.count > limit {
            cut = output.count - limit
            output = String(output.prefix(limit))
        }
        return Result(status: r.status, output: output.trimmingCharacters(in: .newlines), cut: cut + r.dropped, timedOut: r.timedOut)
    }
}

extension ChildProcess {
    /// Runs `argv` with its stdin closed and returns what it wrote (stdout and stderr
    /// interleaved as they came, up to `limit` bytes; the rest counted) and its exit status
    /// (128 + the signal when killed). At `wall` it is killed.
    static func output(_ argv: [String], environment: [String: String], limit: Int, wall: Duration? = nil) async throws
        -> (status: Int32, output: String, dropped: Int, timedOut: Bool)
    {
        let child = try ChildProcess(argv, environment: environment, pipes: true)
        close(child.stdin!)
        let collected = OutputCollector(limit: limit)
        let readers = [child.stdout!, child.stderr!].map { fd in Thread.detach { collected.read(fd) } }
        var finished = true
        if let wall {
            finished = await child.waitForExit(upTo: wall)
            if !finished { child.signal(SIGKILL) }
        }
        await child.wait()
        for r in readers { await r.value }
        let (text, dropped) = collected.result
        let raw = child.waitStatus
        let status: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return (status, text, dropped, !finished)
    }
}

/// Bytes from several descriptors, kept up to a limit (the rest counted, not kept).
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var dropped = 0
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func read(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            lock.withLock {
                let room = max(0, limit - data.count)
                data.append(contentsOf: buffer[0..<min(n, room)])
                dropped += max(0, n - room)
            }
        }
        close(fd)
    }

    var result: (String, Int) { lock.withLock { (String(decoding: data, as: UTF8.self), dropped) } }
}

extension Thread {
    /// Runs blocking work on a thread of its own; the task completes when it returns.
    static func detach(_ body: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        Task {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    body()
                    c.resume()
                }
            }
        }
    }
}
