import Foundation
import HeraldCore
import Synchronization

/// The real `herald` executable, started with pipes: tests type into its stdin and wait for
/// lines on its stdout and stderr.
final class HeraldProcess: Sendable {
    let process: Process
    private let stdin: FileHandle
    private let lines = Mutex<(out: [String], err: [String], waiters: [(id: Int, predicate: @Sendable ([String], [String]) -> Bool, continuation: CheckedContinuation<Void, Never>)], nextID: Int, closed: Bool)>(([], [], [], 0, false))
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

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
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
            let (out, err) = (s.out, s.err)
            let hit = s.waiters.filter { $0.predicate(out, err) }
            s.waiters.removeAll { w in hit.contains { $0.id == w.id } }
            return hit.map(\.continuation)
        }
        ready.forEach { $0.resume() }
    }

    var stdout: [String] { lines.withLock { $0.out } }
    var stderr: [String] { lines.withLock { $0.err } }

    func send(_ line: String) {
        stdin.write(Data((line + "\n").utf8))
    }

    func closeInput() { try? stdin.close() }

    /// Waits until `predicate` holds over (stdout lines, stderr lines).
    func waitFor(_ what: String, seconds: Double = 60, _ predicate: @escaping @Sendable ([String], [String]) -> Bool) async throws {
        try await withDeadline(seconds, "\(what); stdout: \(stdout.suffix(5)), stderr: \(stderr.suffix(5))") { [self] in
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = lines.withLock { s -> Bool in
                    if predicate(s.out, s.err) { return true }
                    s.nextID += 1
                    s.waiters.append((s.nextID, predicate, c))
                    return false
                }
                if now { c.resume() }
            }
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
    private let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    func finish(_ status: Int32) {
        let waiters = state.withLock { s -> [CheckedContinuation<Int32, Never>] in
            s.status = status
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume(returning: status) }
    }

    func wait() async -> Int32 {
        await withCheckedContinuation { c in
            let done = state.withLock { s -> Int32? in
                if let st = s.status { return st }
                s.waiters.append(c)
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }
}
