import Synchronization
import Dispatch
import Foundation
import HeraldCore
import HeraldDashboard
import HeraldMCP

/// Runs the gateway with its managed model servers; SIGINT/SIGTERM stop it gracefully,
/// a second signal exits at once.
enum Lifecycle {
    static func run(_ gateway: Gateway, managed: [ManagedServer], mcp: [MCPServer] = [], dashboard: Dashboard? = nil) async throws {
        let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let count = Counter()
            source.setEventHandler {
                if count.increment() > 1 { exit(130) }
                Logger("herald").info("signal received; finishing work in flight")
                gateway.stop(.inFlight)
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in managed {
                group.addTask { try await server.run() }
            }
            // MCP servers start with the gateway and stop with it; their tools appear once listed.
            for server in mcp {
                group.addTask { try await server.run() }
            }
            // The chats matter more than their dashboard: one that cannot listen is logged, and
            // the gateway runs on without it.
            if let dashboard {
                group.addTask {
                    do {
                        try await dashboard.run()
                    } catch {
                        Logger("dashboard").error("the dashboard did not start; the gateway runs without it", ["error": "\(error)"])
                    }
                }
            }
            for server in managed where !(await server.waitUntilReady(timeout: .seconds(120))) {
                Logger("herald").warning("managed model server is not healthy yet; messages wait", ["model": server.name])
            }
            try await gateway.run()
            group.cancelAll()
        }
    }
}

final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }
}
