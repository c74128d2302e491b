/// How fast a platform lets one bot send, as the adapter declares it. The delivery stage keeps
/// to it with one token bucket per conversation and one per adapter; an adapter never sleeps.
public struct DeliveryPacing: Sendable, Equatable {
    /// `perSecond` messages a second on average, `burst` at once.
    public struct Rate: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int

        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public var perConversation: Rate?
    public var perAdapter: Rate?
    /// At most this many sends of one adapter on the wire at once. This bounds what a crash can
    /// duplicate on a platform without idempotency: only a send in flight can show twice.
    public var maxInFlight: Int

    public init(perConversation: Rate? = nil, perAdapter: Rate? = nil, maxInFlight: Int = 16) {
        self.perConversation = perConversation
        self.perAdapter = perAdapter
        self.maxInFlight = max(1, maxInFlight)
    }
}
