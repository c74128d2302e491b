import Foundation
import HeraldCore
import HeraldPeers
import Synchronization

/// Calendar time the test moves by hand: sleepers wake when `advance` passes their moment.
final class TestWallClock: WallClock {
    private let state: Mutex<(now: Date, waiters: WaiterList<Date>)>

    init(_ start: Date) { state = Mutex((start, WaiterList())) }

    func now() -> Date { state.withLock { $0.now } }

    func advance(to date: Date) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now = max(s.now, date)
            return s.waiters.ready(s.now)
        }
        ready.forEach { $0.resume() }
    }

    func advance(by seconds: TimeInterval) { advance(to: now().addingTimeInterval(seconds)) }

    func sleep(until date: Date) async throws {
        await cancellableWait(
            register: { id, c in
                state.withLock { s in
                    if s.now >= date { return false }
                    s.waiters.add(id, { $0 >= date }, c)
                    return true
                }
            },
            cancel: { [self] id in self.state.withLock { $0.waiters.remove(id) } })
        try Task.checkCancellation()
    }
}
