/// An outbox row's chunks and how far their delivery got. Stored with the row and written in
/// the same statement as each acknowledgement, so after a crash delivery resumes at the first
/// chunk the platform has not acknowledged.
public struct DeliveryPlan: Sendable, Equatable, Codable {
    public var chunks: [FormattedChunk]
    /// Chunks acknowledged (or given up as unknown), in order.
    public var sent: Int
    /// The platform's id for each chunk sent ("" where it gave none).
    public var platformIDs: [String]
    /// How often a chunk was cut smaller after the platform refused it as too large.
    public var generation: Int
    /// Chunks sent whose answer was lost on a platform without idempotency: they may be missing.
    public var unknown: [Int]

    public init(chunks: [FormattedChunk], sent: Int = 0, platformIDs: [String] = [], generation: Int = 0, unknown: [Int] = []) {
        self.chunks = chunks
        self.sent = sent
        self.platformIDs = platformIDs
        self.generation = generation
        self.unknown = unknown
    }

    public var isComplete: Bool { sent >= chunks.count }
}
