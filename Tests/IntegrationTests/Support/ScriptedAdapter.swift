import Foundation
import HeraldCore
import HeraldPeers
import Synchronization

/// An adapter a test drives: it injects messages through the real Intake (the store commit)
/// and records every delivery, with waiting on deliveries instead of sleeping.
final class ScriptedAdapter: ChatAdapter {
    let id: AdapterID
    let capabilities = AdapterCapabilities(maxMessageLength: 4096, lengthUnit: .utf16, dialect: .plain)
    let allowedSenders: Set<String>

    private let intake = Mutex<Intake?>(nil)
    private let ready = Latch()
    private let state = Mutex<(delivered: [OutgoingChunk], waiters: WaiterList<[OutgoingChunk]>)>(([], WaiterList()))
    /// Deliveries to fail before succeeding, with the error to throw.
    let failures = Mutex<[DeliveryError]>([])
    /// Set once a queued failure has been thrown at a delivery.
    let refused = Latch()

    init(account: String = "test", allowed: Set<String> = []) {
        id = AdapterID(platform: Platform("scripted"), account: account)
        allowedSenders = allowed
    }

    func run(intake: Intake) async throws {
        self.intake.withLock { $0 = intake }
        ready.set()
        // Stay connected until the gateway stops.
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    func conversation(_ chat: String, thread: String? = nil) -> ConversationRef {
        ConversationRef(platform: id.platform, account: id.account, chat: chat, thread: thread)
    }

    /// Commits a message as if the platform had sent it.
    func receive(_ text: String, chat: String, from sender: String = "alice", eventID: String = UUID().uuidString, direct: Bool? = nil) async throws {
        await ready.wait()
        let message = InboundMessage(
            conversation: conversation(chat), sender: Sender(id: sender, displayName: sender), eventID: eventID, text: text,
            direct: direct)
        try await intake.withLock { $0 }!.commit([message])
    }

    func send(_ entry: OutgoingChunk) async throws -> String? {
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            refused.set()
            throw failure
        }
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.delivered.append(entry)
            return s.waiters.ready(s.delivered)
        }
        ready.forEach { $0.resume() }
        return "m\(entry.outboxID)"
    }

    var delivered: [OutgoingChunk] { state.withLock { $0.delivered } }

    func texts(in chat: String) -> [String] {
        delivered.filter { $0.message.conversation.chat == chat }.map(\.message.text)
    }

    /// Waits until the deliveries so far satisfy `predicate`.
    func waitFor(_ what: String, seconds: Double = 30, _ predicate: @escaping @Sendable ([OutgoingChunk]) -> Bool) async throws {
        try await withDeadline(seconds, what) { [self] in
            await cancellableWait(
                register: { id, c in
                    state.withLock { s in
                        if predicate(s.delivered) { return false }
                        s.waiters.add(id, predicate, c)
                        return true
                    }
                },
                cancel: { [self] id in self.state.withLock { $0.waiters.remove(id) } })
        }
    }
}

/// A gateway on a temporary SQLite store with scripted adapters and a model at `modelURL`.
struct GatewayHarness {
    let dir = TempDir()
    let store: any Store
    let gateway: Gateway
    let task: Task<Void, any Error>

    init(
        adapters: [any ChatAdapter], modelURL: String, settings: GatewaySettings = GatewaySettings(), soul: String = "You are a test.",
        storeKind: StoreKind = .sqlite
    ) throws {
        try self.init(
            adapters: adapters, models: ["stub": modelURL],
            profiles: [Profile(config: ProfileConfig(name: "default", models: ["stub"]), soul: soul)], settings: settings, storeKind: storeKind)
    }

    /// A gateway with several model backends (name → base URL), profiles (the first is the
    /// default), bindings, and the real tools.
    init(
        adapters: [any ChatAdapter], models: [String: String], profiles: [Profile], bindings: [Binding] = [],
        settings: GatewaySettings = GatewaySettings(), maxTokens: Int = 16, wallClock: any WallClock = SystemWallClock(),
        store: (any Store)? = nil, delegates: Int = 2, slots: [Int]? = nil, storeKind: StoreKind = .sqlite,
        providers: [any ToolProvider] = [], cluster: (any ClusterStore)? = nil
    ) throws {
        let store = try store ?? storeKind.make(dir.file("herald.sqlite"))
        self.store = store
        let named = Dictionary(uniqueKeysWithValues: models.map { name, url in
            (name, OpenAIBackend(config: ModelConfig(name: name, url: url, maxTokens: maxTokens, timeoutSeconds: 30, slots: slots)) as any ModelBackend)
        })
        var tools: [any AgentTool] = [
            MemoryTool(store: store), SessionSearchTool(store: store), SkillViewTool(), ScheduleJobTool(store: store, timeZone: "UTC"),
        ] + WorkspaceTools.make()
        tools.append(DelegateTool(store: store, backends: named, tools: tools, limits: DelegateTool.Limits(maxConcurrent: delegates)))
        gateway = Gateway(
            store: store, adapters: adapters, agent: Agent(backends: named, tools: tools, providers: providers),
            profiles: Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) }),
            router: Router(bindings: bindings, defaultProfile: profiles[0].name), access: AccessControl(store: store, config: AccessConfig()),
            settings: settings, wallClock: wallClock, cluster: cluster)
        let gateway = self.gateway
        task = Task { try await gateway.run() }
    }

    func shutdown() async {
        gateway.stop(.inFlight)
        _ = await task.result
    }
}
