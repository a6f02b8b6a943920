import Foundation

/// A tenant's working days: its time zone, weekend, holidays and own closures.
///
/// Business-day arithmetic happens on `LocalDate`s in the tenant's zone; instants
/// (`Date`) only enter and leave through `localDate(of:)` and `endOfDay(_:)`, so
/// DST changes can move the hour of a deadline but never its day.
public struct BusinessCalendar: Sendable {
    public let timeZone: TimeZone
    public let weekend: Set<Weekday>
    /// Every day off that is not a weekend day, with its name.
    public let daysOff: [LocalDate: String]
    /// The years the holiday data covers; arithmetic outside them still works but
    /// knows no holidays, and callers may warn about it.
    public let coveredYears: ClosedRange<Int>?

    /// The day numbers of the days off that fall on a working weekday, sorted: how
    /// `businessDays(after:through:)` counts a range of any length in O(log n).
    private let weekdayClosures: [Int]

    public init(
        timeZone: TimeZone,
        weekend: Set<Weekday> = [.saturday, .sunday],
        daysOff: [LocalDate: String] = [:],
        coveredYears: ClosedRange<Int>? = nil
    ) {
        self.timeZone = timeZone
        self.weekend = weekend
        self.daysOff = daysOff
        self.coveredYears = coveredYears
        self.weekdayClosures = daysOff.keys.filter { !weekend.contains($0.weekday) }.map(\.dayNumber).sorted()
    }

    public func isBusinessDay(_ date: LocalDate) -> Bool {
        !weekend.contains(date.weekday) && daysOff[date] == nil
    }

    /// Why `date` is not a business day ("Saturday", "元日"), or nil when it is one.
    public func reasonClosed(_ date: LocalDate) -> String? {
        if let name = daysOff[date] { return name }
        if weekend.contains(date.weekday) { return date.weekday.name.capitalized }
        return nil
    }

    /// The `count`th business day after `date`; the day itself never counts.
    ///
    /// Matches numpy's `busday_offset(date, count, roll='backward')`: a closed
    /// `date` first rolls back to the business day before it, so mail received on
    /// a Sunday is due on the same day as mail received the Friday before.
    public func businessDay(_ count: Int, after date: LocalDate) -> LocalDate {
        precondition(count >= 0, "business-day offsets are counted forward")
        // A calendar with no business days at all would loop forever; the config
        // loader rejects a weekend of seven days, so the bound is a guard, not a path.
        var current = date
        var guardDays = 0
        while !isBusinessDay(current), guardDays < 3660 {
            current = current.adding(days: -1)
            guardDays += 1
        }
        var remaining = count
        while remaining > 0, guardDays < 3660 * 2 {
            current = current.adding(days: 1)
            guardDays += 1
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Business days strictly after `start` up to and including `end` (0 when `end <= start`).
    ///
    /// "3 business days left" on a Tuesday with a Friday due date means Wed, Thu, Fri.
    ///
    /// Counted without walking the days (a queue of years-old submissions asks this
    /// for every row): the working weekdays of the range by whole weeks and the rest,
    /// less the closures that fall on working weekdays, found by binary search.
    public func businessDays(after start: LocalDate, through end: LocalDate) -> Int {
        guard end > start else { return 0 }
        let first = start.dayNumber + 1
        let last = end.dayNumber
        let length = last - first + 1
        let workingPerWeek = 7 - weekend.count
        var count = length / 7 * workingPerWeek
        var day = first + length / 7 * 7
        while day <= last {
            if !weekend.contains(LocalDate(dayNumber: day).weekday) { count += 1 }
            day += 1
        }
        return count - (Self.lowerBound(weekdayClosures, last + 1) - Self.lowerBound(weekdayClosures, first))
    }

    /// The first index of `sorted` whose value is at least `value`.
    private static func lowerBound(_ sorted: [Int], _ value: Int) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The business day before `date` (used for the at-risk threshold).
    public func businessDay(before date: LocalDate, by count: Int = 1) -> LocalDate {
        var current = date
        var remaining = count
        var guardDays = 0
        while remaining > 0, guardDays < 3660 {
            current = current.adding(days: -1)
            guardDays += 1
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    /// The tenant-local calendar date of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let parts = gregorian.dateComponents([.year, .month, .day], from: instant)
        // dateComponents on a Gregorian calendar always yields a real date.
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// The first instant of `date` in the tenant's zone.
    public func startOfDay(_ date: LocalDate) -> Date {
        let components = DateComponents(year: date.year, month: date.month, day: date.day)
        // A zone that skips midnight (some DST rules) still has a first instant of the day;
        // Calendar.date(from:) resolves it forward.
        return gregorian.date(from: components)!
    }

    /// The last second of `date` in the tenant's zone: the deadline of a due date.
    public func endOfDay(_ date: LocalDate) -> Date {
        startOfDay(date.adding(days: 1)).addingTimeInterval(-1)
    }

    private var gregorian: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
