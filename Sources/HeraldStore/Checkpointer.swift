import Foundation
import HeraldCore

/// Moves WAL pages into the database file from its own connection and thread, so the fsync a
/// checkpoint needs never lands on the write path of a turn (SQLite's automatic checkpoint runs
/// inside the commit that crosses the threshold, which showed as the pipeline's p99).
final class Checkpointer: Sendable {
    private let stopped = Latch()

    init(path: String, interval: Duration = .milliseconds(500)) {
        let stopped = self.stopped
        let t = Thread {
            guard let db = try? SQLiteConnection(path: path) else { return }
            while !stopped.isSet {
                Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
                // PASSIVE never blocks writers or readers; it copies what it can.
                _ = try? db.query("PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        t.name = "herald-checkpoint"
        t.start()
    }

    func stop() { stopped.set() }
}
