import Foundation
import HeraldCore
import HeraldPeers
import Synchronization

/// The real `herald` executable, started with pipes: tests type into its stdin and wait for
/// lines on its stdout and stderr.
final class HeraldProcess: Sendable {
    let process: Process
    private let stdin: FileHandle
    private let lines = Mutex<(out: [String], err: [String], waiters: WaiterList<([String], [String])>, closed: Bool)>(
        ([], [], WaiterList(), false))
    private let exit = ExitState()
    /// Set when stdout and stderr reach EOF: every line the process wrote has been read.
    private let outDone = Latch()
    private let errDone = Latch()

    /// The built `herald` binary, next to the test bundle.
    static var binary: String {
        let candidates = [
            (CommandLine.arguments[0] as NSString).deletingLastPathComponent,
            ((CommandLine.arguments[0] as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug").path,
        ]
        for dir in candidates {
            let p = (dir as NSString).appendingPathComponent("herald")
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return "herald"
    }

    init(_ arguments: [String], environment: [String: String] = [:], executable: String = HeraldProcess.binary) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        stdin = inPipe.fileHandleForWriting
        let exit = self.exit
        process.terminationHandler = { p in exit.finish(p.terminationStatus) }
        try process.run()
        read(outPipe.fileHandleForReading, isError: false)
        read(errPipe.fileHandleForReading, isError: true)
    }

    private func read(_ handle: FileHandle, isError: Bool) {
        let t = Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    append(line, isError: isError)
                }
            }
            if !buffer.isEmpty { append(String(decoding: buffer, as: UTF8.self), isError: isError) }
            (isError ? errDone : outDone).set()
        }
        t.start()
    }

    private func append(_ line: String, isError: Bool) {
        let ready = lines.withLock { s -> [CheckedContinuation<Void, Never>] in
            if isError { s.err.append(line) } else { s.out.append(line) }
            return s.waiters.ready((s.out, s.err))
        }
        ready.forEach { $0.resume() }
    }

    var stdout: [String] { lines.withLock { $0.out } }
    var stderr: [String] { lines.withLock { $0.err } }

    func send(_ line: String) {
        stdin.write(Data((line + "\n").utf8))
    }

    func closeInput() { try? stdin.close() }

    /// Waits until `predicate` holds over (stdout lines, stderr lines). Fails at the deadline,
    /// or as soon as the process has exited and its output cannot satisfy `predicate` any more.
    func waitFor(_ what: String, seconds: Double = 60, _ predicate: @escaping @Sendable ([String], [String]) -> Bool) async throws
    {
        do {
            try await withThrowingTaskGroup(of: Bool.self) { [self, exit, outDone, errDone] group in
                group.addTask { try await self.waitForLines(what, seconds: seconds, predicate); return true }
                group.addTask {
                    _ = await exit.wait()
                    // Every line the process wrote has been read once both streams are closed.
                    await outDone.wait()
                    await errDone.wait()
                    return false
                }
                defer { group.cancelAll() }
                if try await group.next() == true || lines.withLock({ predicate($0.out, $0.err) }) { return }
                throw ExitedEarly(what: what, status: process.terminationStatus, stdout: stdout.suffix(5), stderr: stderr.suffix(5))
            }
        } catch var timeout as TimeoutError {
            // The output as it is now, at the deadline (and whether the process is still there).
            timeout.what +=
                "; exited: \(process.isRunning ? "no" : "yes, \(process.terminationStatus)"); stdout: \(stdout.suffix(5)), stderr: \(stderr.suffix(5))"
            throw timeout
        }
    }

    /// The process ended before what a test waited for appeared.
    struct ExitedEarly: Error, CustomStringConvertible {
        var what: String
        var status: Int32
        var stdout: ArraySlice<String>
        var stderr: ArraySlice<String>
        var description: String { "herald exited (\(status)) before \(what); stdout: \(stdout), stderr: \(stderr)" }
    }

    private func waitForLines(_ what: String, seconds: Double, _ predicate: @escaping @Sendable ([String], [String]) -> Bool)
        async throws
    {
        try await withDeadline(seconds, what) { [self] in
            await cancellableWait(
                register: { id, c in
                    lines.withLock { s in
                        if predicate(s.out, s.err) { return false }
                        s.waiters.add(id, { predicate($0.0, $0.1) }, c)
                        return true
                    }
                },
                cancel: { [self] id in self.lines.withLock { $0.waiters.remove(id) } })
        }
    }

    /// Replies ("herald> ...") printed so far.
    var replies: [String] { stdout.filter { $0.hasPrefix("herald> ") }.map { String($0.dropFirst(8)) } }
    var notices: [String] { stdout.filter { $0.hasPrefix("herald· ") } }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(seconds: Double = 60) async throws -> Int32 {
        try await withDeadline(seconds, "herald to exit; stderr: \(stderr.suffix(5))") { [exit, outDone, errDone] in
            let status = await exit.wait()
            await outDone.wait()
            await errDone.wait()
            return status
        }
    }
}

/// The exit status, and whoever waits for it.
final class ExitState: Sendable {
    private let state = Mutex<(status: Int32?, waiters: WaiterList<Int32?>)>((nil, WaiterList()))

    func finish(_ status: Int32) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.status = status
            return s.waiters.ready(status)
        }
        ready.forEach { $0.resume() }
    }

    /// The exit status; -1 if the wait was cancelled first.
    func wait() async -> Int32 {
        await cancellableWait(
            register: { id, c in
                state.withLock { s in
                    if s.status != nil { return false }
                    s.waiters.add(id, { $0 != nil }, c)
                    return true
                }
            },
            cancel: { [self] id in self.state.withLock { $0.waiters.remove(id) } })
        return state.withLock { $0.status } ?? -1
    }
}
