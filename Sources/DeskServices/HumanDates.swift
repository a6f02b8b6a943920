import DeskCore
import Foundation

/// Dates the way a reviewer reads them: `Fri 4 Dec`, `Sun 29 Nov 2026 10:54 +09:00`.
public enum HumanDates {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Fri 4 Dec 2026`, or `Fri 4 Dec` with `withYear: false`.
    public static func day(_ date: LocalDate, withYear: Bool = true) -> String {
        let base = "\(date.weekday.shortName) \(date.day) \(months[date.month - 1])"
        return withYear ? "\(base) \(date.year)" : base
    }

    /// `Sun 29 Nov 2026 10:54 +09:00` in `zone`.
    public static func dateTime(_ instant: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day,
            let date = LocalDate(year: year, month: month, day: dayOfMonth)
        else { return ISO8601.format(instant, in: zone) }
        let offset = zone.secondsFromGMT(for: instant)
        let sign = offset < 0 ? "-" : "+"
        let hours = abs(offset) / 3600
        let minutes = abs(offset) % 3600 / 60
        return "\(day(date)) \(two(parts.hour ?? 0)):\(two(parts.minute ?? 0)) \(sign)\(two(hours)):\(two(minutes))"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
