import Synchronization

/// The turn running in each lane, so `/stop` can cancel it from outside the lane.
final class TurnRegistry: Sendable {
    private struct Running {
        var inbox: Int64
        var task: Task<Void, Never>
    }

    private let running = Mutex<[String: Running]>([:])
    /// Inbox ids of turns cancelled by `/stop` (not by shutdown): they are closed, not retried.
    private let stopped = Mutex<Set<Int64>>([])

    /// Runs `body` as the lane's current turn. Cancelling the caller cancels the turn.
    func run(_ lane: String, inbox: Int64, _ body: @escaping @Sendable () async -> Void) async {
        let task = Task { await body() }
        running.withLock { $0[lane] = Running(inbox: inbox, task: task) }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        running.withLock { _ = $0.removeValue(forKey: lane) }
        stopped.withLock { _ = $0.remove(inbox) }
    }

    /// Cancels the lane's running turn; returns its inbox id, or nil if none was running.
    func stop(_ lane: String) -> Int64? {
        guard let r = running.withLock({ $0[lane] }) else { return nil }
        stopped.withLock { _ = $0.insert(r.inbox) }
        r.task.cancel()
        return r.inbox
    }

    func wasStopped(_ inbox: Int64) -> Bool { stopped.withLock { $0.contains(inbox) } }
}
