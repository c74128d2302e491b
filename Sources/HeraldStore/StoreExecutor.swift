import Dispatch
import Foundation
import Synchronization

/// The thread a store's actor runs on. Every store call blocks on its database (a PostgreSQL
/// round trip, a SQLite fsync); on Swift's cooperative pool, which has one thread per core,
/// that wait would hold a thread every other task needs (two cores: two waits stall the
/// gateway). On its own thread the wait holds only itself.
final class StoreExecutor: SerialExecutor {
    private let jobs = Mutex<(queue: [UnownedJob], stopped: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.queue.append(job) }
        wake.signal()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Ends the thread once the jobs already queued have run (the store is gone).
    func stop() {
        jobs.withLock { $0.stopped = true }
        wake.signal()
    }

    private func loop() {
        while true {
            wake.wait()
            let (batch, stopped) = jobs.withLock { s -> ([UnownedJob], Bool) in
                defer { s.queue.removeAll(keepingCapacity: true) }
                return (s.queue, s.stopped)
            }
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
            if stopped { return }
        }
    }
}
