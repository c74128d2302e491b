import Foundation
import HeraldCore
import HeraldPeers
import HeraldStore
import Synchronization

/// Messages per second through 1, 2 and 3 nodes on one PostgreSQL database, beside one node on
/// SQLite: in one process, each node a Gateway with its own store connection and owner, the
/// same bench adapter account configured on all (one runs it; every node works lanes).
enum ClusterBench {
    /// What the nodes' adapters share: the one intake the running node opened, and the waiters
    /// of conversations expecting a reply, whichever node delivers it.
    final class Board: Sendable {
        let intake = Mutex<Intake?>(nil)
        let ready = Latch()
        let waiters = Mutex<[String: CheckedContinuation<Void, Never>]>([:])

        func resume(_ chat: String) { waiters.withLock { $0.removeValue(forKey: chat) }?.resume() }

        func roundTrip(_ text: String, chat: String) async {
            await ready.wait()
            let intake = self.intake.withLock { $0 }!
            let message = InboundMessage(
                conversation: ConversationRef(platform: Platform("bench"), account: "cluster", chat: chat),
                sender: Sender(id: "user", displayName: "user"), eventID: UUID().uuidString, text: text)
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                waiters.withLock { $0[chat] = c }
                Task {
                    do { try await intake.commit([message]) } catch { self.resume(chat) }
                }
            }
        }
    }

    /// One node's copy of the adapter.
    final class NodeAdapter: ChatAdapter {
        let id = AdapterID(platform: Platform("bench"), account: "cluster")
        let capabilities = AdapterCapabilities(maxMessageLength: 1 << 20, lengthUnit: .utf16, dialect: .plain)
        let allowedSenders: Set<String> = ["user"]
        let board: Board

        init(board: Board) { self.board = board }

        func run(intake: Intake) async throws {
            board.intake.withLock { $0 = intake }
            board.ready.set()
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }

        func send(_ entry: OutgoingChunk) async throws -> String? {
            if !entry.message.isNotice { board.resume(entry.message.conversation.chat) }
            return "\(entry.outboxID)"
        }
    }

    /// A fresh schema in the database at `url`, for one run.
    static func schema() -> String { "bench_" + UUID().uuidString.prefix(8).lowercased() }

    /// Messages per second with `conversations` talking at once (each waits for its reply
    /// before the next), through `stores.count` nodes.
    static func throughput(model: StubOpenAIServer, stores: [SQLStore], conversations: Int, messages: Int) async throws -> Double
    {
        let board = Board()
        var settings = GatewaySettings()
        settings.lanesPerNode = conversations
        let profile = Profile(
            config: ProfileConfig(name: "default", models: ["stub"], historyTokens: 256), soul: "You are a benchmark.")
        var gateways: [Gateway] = []
        var tasks: [Task<Void, any Error>] = []
        for store in stores {
            let g = Gateway(
                store: store, adapters: [NodeAdapter(board: board)], agent: Agent(backends: ["stub": Measure.backend(model)]),
                profiles: ["default": profile], router: Router(bindings: [], defaultProfile: "default"),
                access: AccessControl(store: store, config: AccessConfig()), settings: settings,
                cluster: store.isShared ? store : nil)
            gateways.append(g)
            tasks.append(Task { try await g.run() })
        }
        await board.roundTrip("warm", chat: "warm")
        let each = max(1, messages / conversations)
        let t = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<conversations {
                group.addTask { for i in 0..<each { await board.roundTrip("c\(c)m\(i)", chat: "t\(c)") } }
            }
        }
        let seconds = (ContinuousClock.now - t).ms / 1000
        for g in gateways { g.stop(.inFlight) }
        for task in tasks { _ = await task.result }
        return Double(each * conversations) / seconds
    }

    /// The figures: SQLite, then PostgreSQL with 1, 2 and 3 nodes; the median of `runs` each.
    static func run(postgres url: String, model: StubOpenAIServer, conversations: Int, messages: Int, runs: Int) async throws
        -> [(String, Double)]
    {
        var out: [(String, Double)] = []
        func median(_ make: () throws -> [SQLStore]) async throws -> Double {
            var xs: [Double] = []
            for _ in 0..<runs {
                xs.append(
                    try await throughput(model: model, stores: try make(), conversations: conversations, messages: messages))
            }
            return xs.sorted()[xs.count / 2]
        }
        out.append(
            ("SQLite, 1 node", try await median { [try SQLStore(path: Measure.tempDir() + "/herald.sqlite")] }))
        for nodes in 1...3 {
            out.append(
                (
                    "PostgreSQL, \(nodes) node\(nodes == 1 ? "" : "s")",
                    try await median {
                        let s = schema()
                        return try (1...nodes).map { try SQLStore(postgres: url, password: nil, node: "n\($0)", schema: s) }
                    }
                ))
        }
        return out
    }
}
