import Foundation
import HeraldCore
import HeraldStore
import Testing

@testable import HeraldEmail

/// The email adapter keeps each thread's reply headers as adapter state; old ones are forgotten
/// after `thread_days`, once a day, and the mailbox position is never touched.
@Suite struct EmailThreadPruningTests {
    @Test func threadHeadersOlderThanThreadDaysAreForgottenOnceADay() async throws {
        let dir = TempDir()
        let store = try SQLStore(path: dir.file("herald.sqlite"))
        var config = EmailConfig()
        config.address = "herald@test.local"
        config.threadDays = 30
        let adapter = EmailAdapter(config: config, password: "unused")
        let intake = Intake(adapter: adapter.id, store: store, doorbell: Doorbell())
        try await intake.commit([], cursors: [("uid", "7"), ("uidvalidity", "1")], state: [("msg:<a@x>", "{}"), ("thread:<a@x>", "{}")])
        func has(_ key: String) async throws -> Bool { try await intake.state(key) != nil }

        let day = 86_400.0
        // Within the 30 days nothing goes.
        await adapter.pruneThreads(intake, now: Date().addingTimeInterval(29 * day + 23 * 3600))
        #expect(try await has("msg:<a@x>"))
        // Two hours later the rows are old enough, but pruning ran less than a day ago.
        await adapter.pruneThreads(intake, now: Date().addingTimeInterval(30 * day + 3600))
        #expect(try await has("msg:<a@x>"))
        // A day after the last run: the thread's rows go, the mailbox position stays.
        await adapter.pruneThreads(intake, now: Date().addingTimeInterval(30 * day + 24 * 3600))
        #expect(try await !has("msg:<a@x>"))
        #expect(try await !has("thread:<a@x>"))
        #expect(try await intake.cursor("uid") == "7")
        #expect(try await intake.cursor("uidvalidity") == "1")
    }
}
