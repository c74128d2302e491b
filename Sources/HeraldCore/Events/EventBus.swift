import Foundation
import Synchronization

/// Fans gateway events out to watchers. A handler runs on the publishing task and must only
/// hand the event on (count it, queue it): publishing never waits for a slow watcher.
/// Watchers are called in the order they subscribed, so the metrics (subscribed first) have
/// counted an event before any live view announces it.
public final class EventBus: Sendable {
    public typealias Handler = @Sendable (GatewayEvent) -> Void
    private let handlers = Mutex<(next: Int, all: [(token: Int, handler: Handler)])>((0, []))

    public init() {}

    /// Adds a watcher until `unsubscribe` with the returned token.
    @discardableResult
    public func subscribe(_ handler: @escaping Handler) -> Int {
        handlers.withLock { s in
            s.next += 1
            s.all.append((s.next, handler))
            return s.next
        }
    }

    public func unsubscribe(_ token: Int) {
        handlers.withLock { $0.all.removeAll { $0.token == token } }
    }

    public func publish(_ event: GatewayEvent) {
        for (_, handler) in handlers.withLock({ $0.all }) { handler(event) }
    }

    /// How many watchers are subscribed (the dashboard's open live views and the metrics).
    public var count: Int { handlers.withLock { $0.all.count } }
}
