import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with posix_spawn and a clean signal state. Foundation's Process
/// passes on the parent's blocked-signal mask (Dispatch blocks SIGTERM in its threads), so a
/// child started with it can never be stopped with SIGTERM; this one unblocks every signal and
/// restores default handlers for SIGTERM, SIGINT and SIGPIPE.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let exited = Latch()
    private let status = AtomicStatus()
    /// With `pipes`: the child's stdin to write to, its stdout and stderr to read from (the
    /// caller closes them). Without: stdin is /dev/null and output goes where ours goes.
    public let stdin: Int32?
    public let stdout: Int32?
    public let stderr: Int32?

    /// - Parameter environment: the child's whole environment (nil: ours).
    /// - Parameter pipes: connect stdin, stdout and stderr to pipes.
    public init(_ argv: [String], environment: [String: String]? = nil, pipes: Bool = false) throws {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        // Our ends are close-on-exec, so no other child inherits them (a child holding a copy of
        // another's stdin would keep it from ever seeing EOF).
        var ends: [(read: Int32, write: Int32)] = []
        if pipes {
            for _ in 0..<3 {
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { throw SecretError(message: "cannot make a pipe: \(String(cString: strerror(errno)))") }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                ends.append((fds[0], fds[1]))
            }
            posix_spawn_file_actions_adddup2(&files, ends[0].read, 0)
            posix_spawn_file_actions_adddup2(&files, ends[1].write, 1)
            posix_spawn_file_actions_adddup2(&files, ends[2].write, 2)
        } else {
            posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        }

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, argv[0], &files, &attr, cArgs, env)
        if pipes {
            // The child's ends are its own now.
            close(ends[0].read)
            close(ends[1].write)
            close(ends[2].write)
        }
        guard rc == 0 else {
            if pipes { [ends[0].write, ends[1].read, ends[2].read].forEach { _ = close($0) } }
            throw SecretError(message: "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        stdin = pipes ? ends[0].write : nil
        stdout = pipes ? ends[1].read : nil
        stderr = pipes ? ends[2].read : nil
        pid = child
        let spawned = child
        let exited = self.exited
        let status = self.status
        let t = Thread {
            var raw: Int32 = 0
            while waitpid(spawned, &raw, 0) < 0 && errno == EINTR {}
            status.set(raw)
            exited.set()
        }
        t.start()
    }

    public var isRunning: Bool { !exited.isSet }
    /// The raw wait status once exited.
    public var waitStatus: Int32 { status.get() }

    /// Returns when the process has exited (or the task is cancelled).
    public func wait() async { await exited.wait() }

    /// Sleeps up to `duration`; true if the process exited meanwhile.
    public func waitForExit(upTo duration: Duration) async -> Bool {
        await exited.sleep(for: duration, clock: ContinuousClock())
    }

    public func signal(_ sig: Int32) { if isRunning { kill(pid, sig) } }
}

private final class AtomicStatus: @unchecked Sendable {
    // Written once by the reaper thread before the latch is set; read after it.
    private var value: Int32 = 0
    private let lock = NSLock()
    func set(_ v: Int32) { lock.withLock { value = v } }
    func get() -> Int32 { lock.withLock { value } }
}
