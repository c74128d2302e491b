/// A token bucket: `rate` tokens a second, holding at most `burst`. Pure: the caller passes the
/// time (seconds on any clock) and sleeps for the delay it gets back.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double?

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = Double(burst)
        tokens = Double(burst)
    }

    /// Takes one token at time `now`; returns how long to wait before using it (0 when one was
    /// there). Waiting callers queue up: each reservation moves the bucket into the future.
    public mutating func reserve(at now: Double) -> Double {
        if let last { tokens = min(burst, tokens + max(0, now - last) * rate) }
        last = max(now, last ?? now)
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }
}
