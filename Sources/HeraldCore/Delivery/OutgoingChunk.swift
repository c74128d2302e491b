/// One chunk of an outbox row as the delivery stage hands it to an adapter: rendered in the
/// adapter's dialect and cut to its limits.
public struct OutgoingChunk: Sendable, Equatable {
    public var outboxID: Int64
    public var message: OutboundMessage
    /// Position in the row's plan, from 0, and how many chunks the plan has now.
    public var index: Int
    public var count: Int
    public var chunk: FormattedChunk
    /// How often the plan was cut again (a "too large" answer); part of the idempotency key, so
    /// a smaller piece never reuses the key of the refused one.
    public var generation: Int

    public init(outboxID: Int64, message: OutboundMessage, index: Int, count: Int, chunk: FormattedChunk, generation: Int = 0) {
        self.outboxID = outboxID
        self.message = message
        self.index = index
        self.count = count
        self.chunk = chunk
        self.generation = generation
    }

    /// Stable across retries and restarts: Matrix's txnId.
    public var idempotencyKey: String {
        generation == 0 ? "herald-\(outboxID)-\(index)" : "herald-\(outboxID)-\(index).\(generation)"
    }
}
