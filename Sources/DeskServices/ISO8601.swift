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
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        // A date-time with no offset is ambiguous; accept it only in the strict UTC reading.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.date(from: trimmed)
    }
}
