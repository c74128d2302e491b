import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An MCP server as a child process speaking newline-delimited JSON-RPC on stdin and stdout.
/// It gets a clean environment (only what the config lists, plus PATH and HOME); its stderr
/// goes to our log. A stdout line that is not JSON-RPC is logged with its bytes and skipped.
public final class StdioTransport: MCPTransport {
    public let incoming: AsyncStream<RPCMessage>
    private let sink: AsyncStream<RPCMessage>.Continuation
    private let process: ChildProcess
    private let input: Int32
    /// Held while writing; true once stdin is closed (never written or closed again).
    private let stdinClosed = Mutex(false)
    private let log: Logger

    public init(command: [String], environment: [String: String], name: String) throws {
        log = Logger("mcp.\(name)")
        var env = environment
        for key in ["PATH", "HOME", "LANG"] where env[key] == nil {
            if let v = ProcessInfo.processInfo.environment[key] { env[key] = v }
        }
        process = try ChildProcess(command, environment: env, pipes: true)
        input = process.stdin!
        (incoming, sink) = AsyncStream.makeStream(of: RPCMessage.self)
        let (sink, log, out, err, process) = (sink, log, process.stdout!, process.stderr!, process)
        Thread.detachNewThread {
            Self.readLines(out) { line in
                do {
                    sink.yield(try RPCMessage.decode(line))
                } catch {
                    log.warning("the server wrote something that is not JSON-RPC; skipped", ["raw": Logger.escapeBytes(Array(line), limit: 300)])
                }
            }
            Glibc.close(out)
            sink.finish()
            _ = process
        }
        Thread.detachNewThread {
            Self.readLines(err) { line in log.info("stderr", ["line": Logger.escapeBytes(Array(line), limit: 500)]) }
            Glibc.close(err)
        }
        log.info("started", ["pid": "\(process.pid)", "command": command[0]])
    }

    deinit {
        process.signal(SIGKILL)
        closeStdin()
    }

    private func closeStdin() {
        stdinClosed.withLock { closed in
            if !closed { Glibc.close(input) }
            closed = true
        }
    }

    public func send(_ message: RPCMessage) async throws {
        var data = message.encoded
        data.append(0x0A)
        let ok = stdinClosed.withLock { closed in
            !closed && data.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(input, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    offset += n
                }
                return true
            }
        }
        guard ok else { throw MCPTransportError(.closed, "the server's stdin is closed (it exited)") }
    }

    /// Closes stdin (the spec's way to ask a stdio server to stop), then SIGTERM, then SIGKILL.
    public func close() async {
        closeStdin()
        if await process.waitForExit(upTo: .seconds(2)) { return }
        process.signal(SIGTERM)
        if await process.waitForExit(upTo: .seconds(3)) { return }
        process.signal(SIGKILL)
        await process.wait()
    }

    public var isRunning: Bool { process.isRunning }

    /// Blocking reads of `fd` until EOF, one callback per line (without its newline).
    private static func readLines(_ fd: Int32, _ line: (Data) -> Void) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            while let nl = buffer.firstIndex(of: 0x0A) {
                let l = buffer[buffer.startIndex..<nl]
                if !l.isEmpty { line(Data(l)) }
                buffer.removeSubrange(buffer.startIndex...nl)
            }
            // A line longer than 16 MB is not a message: dropped rather than grown forever.
            if buffer.count > 16 << 20 { buffer.removeAll() }
        }
        if !buffer.isEmpty { line(buffer) }
    }
}
