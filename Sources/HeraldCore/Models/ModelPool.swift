import Foundation
import Synchronization

/// Several servers of one model (`urls = [...]`) as one backend. Each session is routed by
/// rendezvous hashing of its id over the servers, so it keeps hitting the same llama-server
/// (its prompt cache stays warm there) on every node alike; while that server is down, its
/// sessions go to their next choice and every other session stays where it was.
public final class ModelPool: ModelBackend {
    public let name: String
    private let members: [(url: String, backend: any ModelBackend)]
    /// Until when a member that failed to answer is passed over.
    private let downUntil: Mutex<[String: ContinuousClock.Instant]>
    private let pause: Duration
    private let log: Logger

    /// - Parameter pause: how long a server that could not be reached is passed over before
    ///   its sessions try it again.
    public init(name: String, members: [(url: String, backend: any ModelBackend)], pause: Duration = .seconds(10)) {
        precondition(!members.isEmpty, "a pool needs a server")
        self.name = name
        self.members = members
        self.pause = pause
        downUntil = Mutex([:])
        log = Logger("model.\(name)")
    }

    /// The servers in this session's order of preference (the same on every node).
    public func preference(for session: String) -> [String] {
        Self.order(session, urls: members.map(\.url))
    }

    /// Highest random weight: each (session, server) pair gets a stable 64-bit score, and the
    /// session prefers servers by score. Adding or losing a server moves only its sessions.
    public static func order(_ session: String, urls: [String]) -> [String] {
        urls.map { ($0, fnv1a(session + "\u{1F}" + $0)) }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// FNV-1a, 64 bits: stable across processes and machines (Swift's `Hasher` is seeded per process).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        // A final mix, so keys differing only at the end still spread.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    public func complete(_ request: ModelRequest, onDelta: @escaping @Sendable (String) async -> Void) async throws
        -> ModelResponse
    {
        let now = ContinuousClock.now
        let order = preference(for: request.sessionID)
        let down = downUntil.withLock { d in Set(order.filter { (d[$0] ?? now) > now }) }
        // Servers believed down go last, not never: when all are down one of them may be back.
        let attempts = order.filter { !down.contains($0) } + order.filter { down.contains($0) }
        var last: Error?
        for url in attempts {
            guard let backend = members.first(where: { $0.url == url })?.backend else { continue }
            do {
                let response = try await backend.complete(request, onDelta: onDelta)
                if down.contains(url) {
                    _ = downUntil.withLock { $0.removeValue(forKey: url) }
                    log.info("a model server is back", ["url": url])
                }
                return response
            } catch let e as ModelError where e.code == .unavailable {
                // Only "cannot reach / overloaded" moves a session: a refusal would be the same anywhere.
                last = e
                downUntil.withLock { $0[url] = .now + pause }
                log.warning("a model server is down; its sessions go to the next", ["url": url, "error": e.message])
            }
        }
        throw last ?? ModelError(.unavailable, backend: name, "no server answered")
    }

    /// The first server believed up answers what is the same on all of them.
    private var anyUp: any ModelBackend {
        let now = ContinuousClock.now
        let down = downUntil.withLock { d in Set(d.filter { $0.value > now }.keys) }
        return (members.first { !down.contains($0.url) } ?? members[0]).backend
    }

    public func contextTokens() async -> Int? { await anyUp.contextTokens() }
    public func countTokens(_ text: String) async -> Int? { await anyUp.countTokens(text) }
    public func supportsTools() async -> Bool { await anyUp.supportsTools() }
    public func countToolTokens(_ tools: [ToolSpec]) async -> Int? { await anyUp.countToolTokens(tools) }
}
