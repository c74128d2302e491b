import Foundation

/// When a job runs: a cron expression, a fixed interval (`every 20m`), or once (`at ...`).
/// Cron and one-shot times are wall-clock times in the job's IANA time zone.
///
/// Daylight-saving rule: a local time that does not exist (skipped by a spring-forward) runs at
/// the next valid minute, the moment the clocks jump; a local time that happens twice (a
/// fall-back) runs once, at its first occurrence.
public enum Schedule: Sendable, Equatable, CustomStringConvertible {
    case cron(CronExpression, source: String)
    case every(seconds: Int)
    case once(LocalTime)

    /// `every 20m` (s, m, h, d), `at 2026-12-01 09:00`, or a cron expression (or @daily ...).
    public init(_ text: String) throws(ScheduleError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if lower.hasPrefix("every ") {
            let spec = lower.dropFirst(6).replacingOccurrences(of: " ", with: "")
            guard let unit = spec.last, let n = Int(spec.dropLast()), n > 0,
                let scale = ["s": 1, "m": 60, "h": 3600, "d": 86_400][String(unit)]
            else { throw ScheduleError("an interval is 'every N' with s, m, h or d, like 'every 20m'; got '\(t)'") }
            self = .every(seconds: n * scale)
        } else if lower.hasPrefix("at ") {
            guard let local = LocalTime(parsing: String(t.dropFirst(3))) else {
                throw ScheduleError("a one-shot time is 'at YYYY-MM-DD HH:MM'; got '\(t)'")
            }
            self = .once(local)
        } else {
            self = .cron(try CronExpression(t), source: t)
        }
    }

    public var description: String {
        switch self {
        case .cron(_, let source): return source
        case .every(let s):
            if s % 86_400 == 0 { return "every \(s / 86_400)d" }
            if s % 3600 == 0 { return "every \(s / 3600)h" }
            if s % 60 == 0 { return "every \(s / 60)m" }
            return "every \(s)s"
        case .once(let t): return "at \(t)"
        }
    }

    /// The first run strictly after `after`. Intervals count from `anchor` (when the job was
    /// made), so they do not drift with how late each run started. Nil when there is none.
    public func next(after: Date, in zone: TimeZone, anchor: Date) -> Date? {
        switch self {
        case .every(let seconds):
            let s = Double(seconds)
            guard after >= anchor else { return anchor }
            let n = (after.timeIntervalSince(anchor) / s).rounded(.down) + 1
            return anchor.addingTimeInterval(n * s)
        case .once(let local):
            let at = local.resolve(in: zone)
            return at > after ? at : nil
        case .cron(let expr, _):
            return Self.nextCron(expr, after: after, zone: zone)
        }
    }

    private static func nextCron(_ expr: CronExpression, after: Date, zone: TimeZone) -> Date? {
        var local = LocalTime(after, in: zone).startOfMinute
        let hours = expr.hours.sorted()
        let minutes = expr.minutes.sorted()
        // Eight years covers every valid expression (Feb 29 on a given weekday included).
        for _ in 0..<(366 * 8) {
            if expr.matchesDay(month: local.month, day: local.day, weekday: local.weekday) {
                for h in hours where h >= local.hour {
                    for m in minutes where h > local.hour || m >= local.minute {
                        let candidate = LocalTime(year: local.year, month: local.month, day: local.day, hour: h, minute: m)
                        let at = candidate.resolve(in: zone)
                        // A local time that already happened (its first occurrence) is not run again.
                        if at > after { return at }
                    }
                }
            }
            local = local.nextDay
        }
        return nil
    }
}

/// A wall-clock minute, without a zone: what a person means by "09:00 on 1 December".
public struct LocalTime: Sendable, Equatable, CustomStringConvertible {
    public var year, month, day, hour, minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// `YYYY-MM-DD HH:MM` (or with a `T`).
    public init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split { $0 == " " || $0 == "T" || $0 == "-" || $0 == ":" }.compactMap { Int($0) }
        guard parts.count == 5, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (0...23).contains(parts[3]),
            (0...59).contains(parts[4]), parts[2] <= Self.daysIn(parts[1], of: parts[0])
        else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4])
    }

    /// The wall-clock time of `date` in `zone`.
    public init(_ date: Date, in zone: TimeZone) {
        let shifted = Int((date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))).rounded(.down))
        let days = Int((Double(shifted) / 86_400).rounded(.down))
        let secs = shifted - days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: secs / 3600, minute: secs % 3600 / 60)
    }

    public var description: String { String(format: "%04d-%02d-%02d %02d:%02d", year, month, day, hour, minute) }

    var startOfMinute: LocalTime { self }
    /// 0 = Sunday.
    var weekday: Int { ((Self.days(year, month, day) % 7) + 11) % 7 }
    var nextDay: LocalTime {
        let d = Self.civil(fromDays: Self.days(year, month, day) + 1)
        return LocalTime(year: d.0, month: d.1, day: d.2, hour: 0, minute: 0)
    }

    /// The instant this wall-clock time names in `zone` (see `Schedule` for the DST rule).
    public func resolve(in zone: TimeZone) -> Date {
        let wall = Double(Self.days(year, month, day) * 86_400 + hour * 3600 + minute * 60)
        // The offsets in force a day either side cover any single transition.
        let offsets = Set([-86_400.0, 0, 86_400].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall + $0)) })
        let valid = offsets.map { wall - Double($0) }.filter { t in
            Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: t))) == wall - t
        }
        if let first = valid.min() { return Date(timeIntervalSince1970: first) }
        // Skipped by a spring-forward: the moment the clocks jumped.
        let before = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall - 86_400)))
        return zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: wall - before - 86_400))
            ?? Date(timeIntervalSince1970: wall - before)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(_ month: Int, of year: Int) -> Int {
        days(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - days(year, month, 1)
    }
}
