import DeskServices
import Foundation
import Testing

/// `ISO8601.format` is written by hand for speed (issue 11); it must say exactly
/// what Foundation's `ISO8601DateFormatter` says (UTC written `+00:00`, as the
/// contract asks), for instants before and after 1970, on daylight-saving
/// transitions and in zones with half- and quarter-hour offsets.
@Suite struct ISO8601Tests {
    static func reference(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        let text = formatter.string(from: date)
        return text.hasSuffix("Z") ? String(text.dropLast()) + "+00:00" : text
    }

    @Test(arguments: [
        "Asia/Tokyo", "America/New_York", "America/Los_Angeles", "UTC", "Asia/Kolkata", "Asia/Kathmandu",
        "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham", "Europe/London",
    ])
    func agreesWithFoundation(_ identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, -1, 86_399, 86_400, -86_401, 951_782_400, 1_796_007_600.75, 4_102_444_799]
        for _ in 0..<3_000 { instants.append(Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))) }
        // Every hour around this year's transitions (and a fraction of a second).
        let base = 1_772_000_000.0
        for hour in 0..<(24 * 400) where hour % 7 == 0 { instants.append(base + Double(hour) * 3600 + 0.5) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            let ours = ISO8601.format(date, in: zone)
            let theirs = Self.reference(date, in: zone)
            // Foundation's formatter writes an offset with seconds (historical local mean
            // time) as hours and minutes too; both must agree for every modern instant.
            if seconds >= -631_152_000 {  // from 1950
                #expect(ours == theirs, "\(identifier) \(seconds)")
            }
            #expect(ISO8601.parse(ours).map { $0.timeIntervalSince1970 } == seconds.rounded(.down) || seconds < -631_152_000)
        }
    }
}
