import Synchronization

/// The in-memory side of the lanes: pending entries queued per conversation, and which
/// conversations have a lane running. Idle sessions cost nothing here.
final class LaneTable: Sendable {
    private struct State {
        var highWater: Int64 = 0
        var queues: [String: [InboxEntry]] = [:]
        /// Accepted and not finished: a claim beside other nodes returns them again.
        var open: Set<Int64> = []
    }

    private let state = Mutex(State())

    var highWater: Int64 { state.withLock { $0.highWater } }
    var isIdle: Bool { state.withLock { $0.queues.isEmpty } }
    /// Lanes running now.
    var running: Int { state.withLock { $0.queues.count } }

    /// The entries not accepted yet. Beside other nodes ids do not arrive in order (a dead
    /// node's lane comes back with older rows), so the high-water mark is reset below them.
    func unseen(_ entries: [InboxEntry]) -> [InboxEntry] {
        state.withLock { s in
            let fresh = entries.filter { !s.open.contains($0.id) }
            if let low = fresh.map(\.id).min(), low <= s.highWater { s.highWater = low - 1 }
            return fresh
        }
    }

    /// An accepted entry is done with (closed, or left for the next start).
    func finished(_ id: Int64) {
        _ = state.withLock { $0.open.remove(id) }
    }

    /// Queues new entries; returns the lanes that must be started, and the `/stop` commands,
    /// which must not wait in their lane behind the turn they stop.
    func accept(_ entries: [InboxEntry]) -> (start: [String], interrupts: [InboxEntry]) {
        state.withLock { s in
            var start: [String] = []
            var interrupts: [InboxEntry] = []
            for e in entries where e.id > s.highWater && !s.open.contains(e.id) {
                s.highWater = max(s.highWater, e.id)
                s.open.insert(e.id)
                // /stop, /approve and /deny must not wait in their lane behind the turn they act on.
                if e.message.job == nil, e.message.hook == nil, ["stop", "approve", "deny"].contains(ChatCommand.parse(e.message.text)?.name ?? "") {
                    interrupts.append(e)
                    continue
                }
                let key = e.message.conversation.key
                if s.queues[key] == nil {
                    s.queues[key] = []
                    start.append(key)
                }
                s.queues[key]!.append(e)
            }
            return (start, interrupts)
        }
    }

    /// The lane's next entry, or nil (and the lane is retired) when it has none or we stop.
    func next(_ lane: String, stopping: Bool) -> InboxEntry? {
        state.withLock { s in
            guard !stopping, var q = s.queues[lane], !q.isEmpty else {
                s.queues[lane] = nil
                return nil
            }
            let e = q.removeFirst()
            s.queues[lane] = q
            return e
        }
    }
}
