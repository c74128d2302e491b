import Foundation
import HeraldCore
import Testing

@Suite struct ScheduleTests {
    static let utc = TimeZone(identifier: "UTC")!

    /// "2026-03-08 06:59:30Z" style instants.
    static func instant(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    static func iso(_ d: Date?) -> String? { d.map { ISO8601DateFormatter().string(from: $0) } }

    static let cases: [(expr: String, zone: String, after: String, next: String)] = [
        // Plain cron in UTC.
        ("*/15 * * * *", "UTC", "2026-01-01T10:07:00Z", "2026-01-01T10:15:00Z"),
        ("0 9 * * 1-5", "UTC", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z"),  // Friday 09:00 -> Monday
        ("30 8 1 jan,jul *", "UTC", "2026-02-01T00:00:00Z", "2026-07-01T08:30:00Z"),
        ("0 0 * * sun", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        ("0 0 * * 7", "UTC", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        ("5/20 * * * *", "UTC", "2026-01-01T00:06:00Z", "2026-01-01T00:25:00Z"),
        ("@daily", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        // Leap day: the next 29 February is in 2028.
        ("0 9 29 2 *", "UTC", "2026-01-01T00:00:00Z", "2028-02-29T09:00:00Z"),
        // Both day fields restricted: the 13th OR a Friday. Friday 2026-02-06 comes before the 13th.
        ("0 0 13 * 5", "UTC", "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z"),
        ("0 0 13 * 5", "UTC", "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z"),
        // Only day of month restricted: 31st skips the short months.
        ("0 12 31 * *", "UTC", "2026-04-01T00:00:00Z", "2026-05-31T12:00:00Z"),

        // New York spring forward, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
        ("0 9 * * *", "America/New_York", "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"),  // 09:00 EDT
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"),  // skipped: runs at the jump
        ("30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"),  // and once only
        ("0 * * * *", "America/New_York", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z"),  // 02:00 is skipped -> 03:00 EDT
        // New York fall back, 2026-11-01: 02:00 EDT returns to 01:00 EST (06:00Z).
        ("30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T05:30:00Z"),  // first 01:30 (EDT)
        ("30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),  // not the second one
        ("0 9 * * *", "America/New_York", "2026-10-31T14:00:00Z", "2026-11-01T14:00:00Z"),  // 09:00 EST
        // Berlin spring forward, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z).
        ("15 2 29 3 *", "Europe/Berlin", "2026-03-01T00:00:00Z", "2026-03-29T01:00:00Z"),
        ("0 9 * * *", "Europe/Berlin", "2026-03-28T09:00:00Z", "2026-03-29T07:00:00Z"),
        // Berlin fall back, 2026-10-25: 03:00 CEST returns to 02:00 CET (01:00Z).
        ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
        ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
        ("*/30 * * * *", "Europe/Berlin", "2026-10-25T00:45:00Z", "2026-10-25T02:00:00Z"),  // the repeated 02:00-02:59 runs once: next is 03:00 CET
    ]

    @Test(arguments: cases)
    func nextRunIsComputedInTheJobsTimeZone(expr: String, zone: String, after: String, next: String) throws {
        let schedule = try Schedule(expr)
        let tz = try #require(TimeZone(identifier: zone))
        #expect(Self.iso(schedule.next(after: Self.instant(after), in: tz, anchor: .distantPast)) == next)
    }

    static let invalid: [(String, String)] = [
        ("* * * *", "has 5 fields"),
        ("60 * * * *", "out of range for the minute field"),
        ("* 24 * * *", "out of range for the hour field"),
        ("* * 0 * *", "out of range for the day of month field"),
        ("* * * 13 *", "out of range for the month field"),
        ("* * * * 8", "out of range for the day of week field"),
        ("*/0 * * * *", "must be a positive number"),
        ("5-1 * * * *", "runs backwards"),
        ("* * * smarch *", "'smarch' is not a valid month"),
        ("0 0 31 2 *", "never occurs"),
        ("1,,2 * * * *", "empty list item"),
        ("every 5x", "'every N' with s, m, h or d"),
        ("at 2026-02-30 09:00", "one-shot time"),
    ]

    @Test(arguments: invalid)
    func invalidSchedulesAreClearErrors(text: String, message: String) {
        #expect {
            try Schedule(text)
        } throws: { error in
            (error as? ScheduleError)?.message.contains(message) == true
        }
    }

    @Test func intervalsCountFromTheirAnchorAndDoNotDrift() throws {
        let s = try Schedule("every 20m")
        let anchor = Self.instant("2026-01-01T00:05:00Z")
        #expect(Self.iso(s.next(after: Self.instant("2026-01-01T00:30:00Z"), in: Self.utc, anchor: anchor)) == "2026-01-01T00:45:00Z")
        #expect(Self.iso(s.next(after: Self.instant("2026-01-01T00:45:00Z"), in: Self.utc, anchor: anchor)) == "2026-01-01T01:05:00Z")
        #expect(s.description == "every 20m")
    }

    @Test func aOneShotRunsOnceInItsZone() throws {
        let s = try Schedule("at 2026-12-01 09:00")
        let paris = TimeZone(identifier: "Europe/Paris")!
        #expect(Self.iso(s.next(after: Self.instant("2026-11-30T00:00:00Z"), in: paris, anchor: .distantPast)) == "2026-12-01T08:00:00Z")
        #expect(s.next(after: Self.instant("2026-12-01T08:00:00Z"), in: paris, anchor: .distantPast) == nil)
    }
}
