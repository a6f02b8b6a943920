import DeskCore
import Foundation

/// ISO 8601 instants as the JSON contract writes them: seconds, with the
/// tenant's UTC offset (`2026-12-04T23:59:59+09:00`).
public enum ISO8601 {
    /// Formats `date` (to the whole second, fractions dropped) in `zone` with its
    /// offset. Written out by hand: an `ISO8601DateFormatter` builds an ICU formatter
    /// on every call with a zone set, which was three quarters of `queue --all
    /// --json`'s time on a large store (issue 11). `ISO8601Tests` holds it to
    /// Foundation's formatter over many instants and zones.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
        let local = seconds + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let date = LocalDate(dayNumber: Int(days))
        var text = date.iso
        text += "T"
        append(secondOfDay / 3600, width: 2, to: &text)
        text += ":"
        append(secondOfDay / 60 % 60, width: 2, to: &text)
        text += ":"
        append(secondOfDay % 60, width: 2, to: &text)
        let magnitude = abs(offset)
        text += offset < 0 ? "-" : "+"
        append(magnitude / 3600, width: 2, to: &text)
        text += ":"
        append(magnitude / 60 % 60, width: 2, to: &text)
        return text
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    /// Parses an instant with an offset (`…+09:00`, `…Z`), with or without fractional
    /// seconds, or a bare date-time taken as UTC.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // A date-time with no offset is ambiguous; accept it only in the strict UTC reading.
        return withOffset(trimmed) ?? local(trimmed, in: TimeZone(identifier: "UTC")!, allowingDate: false)
    }

    /// Parses an instant as a person writes it for one office: with an offset it is
    /// exact; without one (`2026-11-29T10:54:31`) it is the wall-clock time in `zone`;
    /// a bare date (`2026-12-01`) is the start of that day in `zone` (PRODUCT.md §9:
    /// "no offset: the tenant's local time").
    public static func parse(_ text: String, defaultZone zone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return withOffset(trimmed) ?? local(trimmed, in: zone, allowingDate: true)
    }

    static func withOffset(_ text: String) -> Date? {
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// A date-time without offset (or, `allowingDate`, a bare date) on the wall clock of `zone`.
    static func local(_ text: String, in zone: TimeZone, allowingDate: Bool) -> Date? {
        var text = text
        // `2026-12-08T09:00`: minutes without seconds is a time people write.
        if text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"#, options: .regularExpression) != nil { text += ":00" }
        // Foundation reads a bare-date form from the front of a longer text and ignores
        // the rest; only a text that is a date and nothing else is a date.
        let allowingDate = allowingDate && text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        var forms: [ISO8601DateFormatter.Options] = [
            [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        ]
        if allowingDate { forms.append([.withFullDate, .withDashSeparatorInDate]) }
        for options in forms {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
