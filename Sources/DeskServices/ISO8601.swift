import Foundation

/// ISO 8601 instants as the JSON contract writes them: seconds, with the
/// tenant's UTC offset (`2026-12-04T23:59:59+09:00`).
public enum ISO8601 {
    /// Formats `date` in `zone` with its offset.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        var text = formatter.string(from: date)
        // The contract asks for an offset; ISO8601DateFormatter writes UTC as "Z".
        if text.hasSuffix("Z") { text = String(text.dropLast()) + "+00:00" }
        return text
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
