import Synchronization

/// The in-memory side of the lanes: pending entries queued per conversation, and which
/// conversations have a lane running. Idle sessions cost nothing here.
final class LaneTable: Sendable {
    private struct State {
        var highWater: Int64 = 0
        var queues: [String: [InboxEntry]] = [:]
    }

    private let state = Mutex(State())

    var highWater: Int64 { state.withLock { $0.highWater } }
    var isIdle: Bool { state.withLock { $0.queues.isEmpty } }

    /// Queues new entries; returns the lanes that must be started, and the `/stop` commands,
    /// which must not wait in their lane behind the turn they stop.
    func accept(_ entries: [InboxEntry]) -> (start: [String], interrupts: [InboxEntry]) {
        state.withLock { s in
            var start: [String] = []
            var interrupts: [InboxEntry] = []
            for e in entries where e.id > s.highWater {
                s.highWater = e.id
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
