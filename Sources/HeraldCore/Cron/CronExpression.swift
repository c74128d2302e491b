/// A parse error in a schedule, with the field it is about.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A five-field cron expression: minute, hour, day of month, month, day of week.
/// Fields take `*`, numbers, `a-b` ranges, `/n` steps and comma lists; months and days also
/// take names (`jan`, `mon`). Day of week 0 and 7 are Sunday. When both day fields are
/// restricted, a day matches if either does (the standard cron rule). Pure: no clock, no zone.
public struct CronExpression: Sendable, Equatable {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday ... 6 = Saturday.
    public let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(_ text: String) throws(ScheduleError) {
        let expanded = Self.macros[text.lowercased()] ?? text
        let fields = expanded.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw ScheduleError("a cron expression has 5 fields (minute hour day-of-month month day-of-week), '\(text)' has \(fields.count)")
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [])
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [])
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31, names: [])
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, nameBase: 1)
        daysOfWeek = Set(try Self.field(fields[4], name: "day of week", range: 0...7, names: Self.dayNames).map { $0 % 7 })
        domRestricted = !fields[2].hasPrefix("*")
        dowRestricted = !fields[4].hasPrefix("*")
        if domRestricted && !dowRestricted {
            // "31 in April" never happens: say so instead of scheduling nothing.
            let longest = months.map { [1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31][$0]! }.max() ?? 31
            guard daysOfMonth.contains(where: { $0 <= longest }) else {
                throw ScheduleError("day of month \(daysOfMonth.sorted().map(String.init).joined(separator: ",")) never occurs in the chosen months")
            }
        }
    }

    /// Whether the calendar day matches (month and the day-of-month / day-of-week rule).
    public func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(weekday)
        if domRestricted && dowRestricted { return dom || dow }
        return dom && dow
    }

    static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(ScheduleError) -> Set<Int> {
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ScheduleError("empty list item in the \(name) field '\(text)'") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ScheduleError("more than one '/' in the \(name) field '\(part)'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw ScheduleError("the step in the \(name) field '\(part)' must be a positive number") }
                step = s
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], name: name, range: range, names: names, nameBase: nameBase)
                high = try value(base[base.index(after: dash)...], name: name, range: range, names: names, nameBase: nameBase)
                guard low <= high else { throw ScheduleError("the range '\(base)' in the \(name) field runs backwards") }
            } else {
                low = try value(base, name: name, range: range, names: names, nameBase: nameBase)
                // "5/15" means from 5 to the end in steps of 15.
                high = pieces.count == 2 ? range.upperBound : low
            }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out
    }

    static func value(_ text: Substring, name: String, range: ClosedRange<Int>, names: [String], nameBase: Int) throws(ScheduleError) -> Int {
        if let n = Int(text) {
            guard range.contains(n) else {
                throw ScheduleError("\(n) is out of range for the \(name) field (\(range.lowerBound)-\(range.upperBound))")
            }
            return n
        }
        if let i = names.firstIndex(of: String(text)) { return i + nameBase }
        throw ScheduleError("'\(text)' is not a valid \(name)")
    }
}
