import Synchronization

/// Where the platforms' limits hold delivery: one gate per conversation and one per adapter,
/// each a token bucket for the pace the adapter declares plus a hold until an instant (a 429's
/// retry_after, a lost link). Sends and typing indicators pass the same gates.
final class DeliveryGates: Sendable {
    struct Key: Hashable, Sendable {
        var adapter: AdapterID
        /// nil: the adapter as a whole.
        var conversation: String?
    }

    private struct State {
        var buckets: [Key: TokenBucket] = [:]
        var holds: [Key: ContinuousClock.Instant] = [:]
        /// A typing indicator on its way to a conversation: a send waits for its answer, which
        /// may be a 429 that holds the conversation.
        var typing: [Key: (id: UInt64, task: Task<Void, Never>)] = [:]
        var nextTyping: UInt64 = 0
    }

    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    static func keys(_ adapter: AdapterID, _ conversation: ConversationRef) -> (conversation: Key, adapter: Key) {
        (Key(adapter: adapter, conversation: conversation.key), Key(adapter: adapter, conversation: nil))
    }

    /// Holds `key` until `until` (never shortens a longer hold).
    func hold(_ key: Key, until: ContinuousClock.Instant) {
        state.withLock { s in
            if let old = s.holds[key], old >= until { return }
            s.holds[key] = until
        }
    }

    /// The end of the longest hold on the conversation or its adapter, if one is still on.
    func heldUntil(_ adapter: AdapterID, _ conversation: ConversationRef) -> ContinuousClock.Instant? {
        let (c, a) = Self.keys(adapter, conversation)
        let now = ContinuousClock.now
        return state.withLock { s -> ContinuousClock.Instant? in
            let ends = [s.holds[c], s.holds[a]].compactMap { $0 }.filter { $0 > now }
            if s.holds[c].map({ $0 <= now }) ?? false { s.holds[c] = nil }
            return ends.max()
        }
    }

    /// Takes a send token from the conversation's and the adapter's buckets; returns how long to
    /// wait before sending. Waiters queue in arrival order, so conversations share an adapter's
    /// pace line by line rather than reply by reply.
    func reserve(_ adapter: AdapterID, _ conversation: ConversationRef, pacing: DeliveryPacing) -> Duration {
        let (c, a) = Self.keys(adapter, conversation)
        let now = (ContinuousClock.now - origin).seconds
        let wait = state.withLock { s -> Double in
            var wait = 0.0
            if let rate = pacing.perConversation {
                var b = s.buckets[c] ?? TokenBucket(rate: rate.perSecond, burst: rate.burst)
                wait = max(wait, b.reserve(at: now))
                s.buckets[c] = b
            }
            if let rate = pacing.perAdapter {
                var b = s.buckets[a] ?? TokenBucket(rate: rate.perSecond, burst: rate.burst)
                wait = max(wait, b.reserve(at: now))
                s.buckets[a] = b
            }
            return wait
        }
        return .milliseconds(Int64((wait * 1000).rounded(.up)))
    }

    /// Starts `body` (a typing indicator's request) as the conversation's one in flight, at once:
    /// a send that comes after this call waits for it.
    func typing(_ adapter: AdapterID, _ conversation: ConversationRef, _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let key = Self.keys(adapter, conversation).conversation
        return state.withLock { s in
            s.nextTyping += 1
            let id = s.nextTyping
            let task = Task { [weak self] in
                await body()
                self?.state.withLock { s in if s.typing[key]?.id == id { s.typing[key] = nil } }
            }
            s.typing[key] = (id, task)
            return task
        }
    }

    /// Waits for a typing indicator still on its way to the conversation.
    func typingSettled(_ adapter: AdapterID, _ conversation: ConversationRef) async {
        let key = Self.keys(adapter, conversation).conversation
        if let task = state.withLock({ $0.typing[key]?.task }) { await task.value }
    }

    /// Forgets the adapter's own hold (its link is back).
    func release(_ adapter: AdapterID) {
        _ = state.withLock { $0.holds.removeValue(forKey: Key(adapter: adapter, conversation: nil)) }
    }
}
