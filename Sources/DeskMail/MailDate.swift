import DeskCore
import Foundation

/// Reads the dates mail carries (`Date:`, the stamp after `;` in `Received:`).
///
/// A hand parser rather than `DateFormatter`: real headers mix RFC 5322 with
/// its obsolete forms and plain mistakes (`Sun, 29 Nov 2026 10:54:31 +0900 (JST)`,
/// `29 Nov 26 10:54 JST`, `Sun Nov 29 10:54:31 2026`, extra spaces, comments),
/// and a formatter accepts one pattern at a time and depends on locale settings.
public enum MailDate {
    /// Parses a mail date; nil when no day, month, year and time can be found
    /// or they do not make a real moment. A missing zone is read as UTC (RFC
    /// 5322's `-0000`, "no zone information").
    public static func parse(_ text: some StringProtocol) -> Date? {
        let tokens = tokenize(withoutComments(String(text)))
        var month: Int?
        var numbers: [(value: Int, digits: Int)] = []
        var time: (hour: Int, minute: Int, second: Int)?
        var offsetMinutes: Int?

        for token in tokens {
            if let parsed = parseTime(token) {
                guard time == nil else { continue }
                time = (parsed.hour, parsed.minute, parsed.second)
                if let zone = parsed.zone { offsetMinutes = zone }
            } else if let zone = parseZone(token) {
                if offsetMinutes == nil { offsetMinutes = zone }
            } else if token.first == "+" || token.first == "-" {
                return nil  // a numeric zone that is out of range: the stamp is damaged
            } else if let monthNumber = monthNumber(token) {
                if month == nil { month = monthNumber }
            } else if token.allSatisfy(\.isASCIIDigit), let value = Int(token) {
                numbers.append((value, token.count))
            } else if let isoDate = parseISODate(token) {
                month = isoDate.month
                numbers = [(isoDate.day, 2), (isoDate.year, 4)]
            }
            // Anything else (weekday names, "at", stray words) carries no date.
        }

        guard let month, let time, numbers.count >= 2 else { return nil }
        // Day before year (RFC 5322, and `Nov 29 2026`), unless the first
        // number can only be a year (`2026 Nov 29`).
        let (dayToken, yearToken) =
            numbers[0].value > 31 || numbers[0].digits > 2 ? (numbers[1], numbers[0]) : (numbers[0], numbers[1])
        let year = fullYear(yearToken.value, digits: yearToken.digits)
        // A year outside four digits is damage, not a date; it would also overflow the
        // seconds arithmetic below (found by the fuzzer: `Date:9 Apr 2008888888888 3:0`).
        guard (1000...9999).contains(year), let date = LocalDate(year: year, month: month, day: dayToken.value),
            (0...23).contains(time.hour), (0...59).contains(time.minute), (0...60).contains(time.second)
        else { return nil }
        let seconds =
            date.dayNumber * 86_400 + time.hour * 3600 + time.minute * 60 + time.second - (offsetMinutes ?? 0) * 60
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// RFC 5322 §4.3: two-digit years 00–49 are 2000–2049, 50–99 are 1950–1999;
    /// three-digit years count from 1900.
    private static func fullYear(_ value: Int, digits: Int) -> Int {
        switch digits {
        case ...2: return value < 50 ? 2000 + value : 1900 + value
        case 3: return 1900 + value
        default: return value
        }
    }

    /// The text with `(comments)` replaced by spaces (they nest).
    private static func withoutComments(_ text: String) -> String {
        var result = ""
        var depth = 0
        for character in text {
            if character == "(" {
                depth += 1
            } else if character == ")" {
                depth = max(0, depth - 1)
                result.append(" ")
            } else if depth == 0 {
                result.append(character)
            }
        }
        return result
    }

    /// Splits on whitespace and commas; `29-Nov-2026` is split on its dashes.
    private static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        for piece in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" || $0 == "\n" }) {
            // `2026-11-29T10:54:31+09:00`: date and time as two tokens.
            if piece.count > 11, let t = piece.firstIndex(of: "T"), piece.distance(from: piece.startIndex, to: t) == 10
            {
                tokens.append(String(piece[..<t]))
                tokens.append(String(piece[piece.index(after: t)...]))
                continue
            }
            let parts = piece.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 3, parts.allSatisfy({ !$0.isEmpty }), parts.contains(where: { $0.allSatisfy(\.isLetter) })
            {
                tokens.append(contentsOf: parts.map(String.init))
            } else {
                tokens.append(String(piece))
            }
        }
        return tokens
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `Nov`, `November`, `nov.` → 11.
    private static func monthNumber(_ token: String) -> Int? {
        let letters = token.lowercased().filter(\.isLetter)
        guard letters.count >= 3, letters.count == token.filter({ $0 != "." }).count else { return nil }
        guard let index = months.firstIndex(of: String(letters.prefix(3))) else { return nil }
        return index + 1
    }

    /// `10:54:31`, `10:54`, `1:05:00`, optionally glued to a zone
    /// (`10:54:31+0900`, `10:54:31Z`).
    private static func parseTime(_ token: String) -> (hour: Int, minute: Int, second: Int, zone: Int?)? {
        guard token.contains(":"), let firstCharacter = token.first, firstCharacter.isASCIIDigit else { return nil }
        var timePart = Substring(token)
        var zone: Int?
        if let zoneStart = token.firstIndex(where: { $0 == "+" || $0 == "-" || $0.isLetter }) {
            guard let parsedZone = parseZone(String(token[zoneStart...])) else { return nil }
            zone = parsedZone
            timePart = token[..<zoneStart]
        }
        let fields = timePart.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3 else { return nil }
        var values: [Int] = []
        for field in fields {
            // Fractional seconds (`31.25`) are dropped, as RFC 5322 has none.
            let whole = field.split(separator: ".", maxSplits: 1).first ?? ""
            guard (1...2).contains(whole.count), whole.allSatisfy(\.isASCIIDigit), let value = Int(whole) else {
                return nil
            }
            values.append(value)
        }
        return (values[0], values[1], values.count == 3 ? values[2] : 0, zone)
    }

    /// Obsolete zone names (RFC 5322 §4.3) and a few more that Japanese,
    /// European and Asian servers write, as minutes east of UTC.
    private static let zoneNames: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
        "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
        "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
        "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120,
        "WEST": 60, "BST": 60, "EET": 120, "EEST": 180, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    ]

    /// `+0900`, `-0500`, `+09:00`, `+09`, `JST`, `GMT+0900`, `UTC+9` → minutes east of UTC.
    private static func parseZone(_ token: String) -> Int? {
        let upper = token.uppercased()
        if let known = zoneNames[upper] { return known }
        // `GMT+0900`: a name then an explicit offset; the offset wins.
        if let signIndex = upper.firstIndex(where: { $0 == "+" || $0 == "-" }), signIndex != upper.startIndex {
            let name = String(upper[..<signIndex])
            guard zoneNames[name] != nil else { return nil }
            return parseZone(String(upper[signIndex...]))
        }
        guard let sign = upper.first, sign == "+" || sign == "-" else {
            // RFC 5322 says single-letter military zones were defined backwards
            // and must be read as "unknown"; treat them as UTC like `-0000`.
            if upper.count == 1, let letter = upper.first, letter.isLetter, letter != "J" { return 0 }
            return nil
        }
        let digits = upper.dropFirst().filter { $0 != ":" }
        guard digits.allSatisfy(\.isASCIIDigit), !digits.isEmpty else { return nil }
        let hours: Int
        let minutes: Int
        switch digits.count {
        case 1, 2:
            guard let value = Int(digits) else { return nil }
            (hours, minutes) = (value, 0)
        case 4:
            guard let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)) else { return nil }
            (hours, minutes) = (h, m)
        default:
            return nil
        }
        guard hours <= 23, minutes <= 59 else { return nil }
        let total = hours * 60 + minutes
        return sign == "-" ? -total : total
    }

    /// `2026-11-29` (ISO 8601 dates in broken mailers' Date headers).
    private static func parseISODate(_ token: String) -> (year: Int, month: Int, day: Int)? {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2].prefix(2)), parts[2].count == 2
        else { return nil }
        return (year, month, day)
    }
}

extension Character {
    /// An ASCII digit (`Character.isNumber` also accepts ① and 五).
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
