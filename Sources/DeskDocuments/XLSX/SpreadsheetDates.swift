import DeskCore
import Foundation

/// Spreadsheet dates: serial day numbers in the workbook's date system, and the
/// number formats that say a number cell is a date.
enum SpreadsheetDates {
    /// The date of a serial day number; the fraction (the time of day) is dropped.
    ///
    /// The 1900 system counts 1900-01-01 as 1 and, as Lotus 1-2-3 did, has a
    /// 29 February 1900 (serial 60) that never existed: serials after it are one
    /// day ahead of a plain count. The 1904 system (old Mac Excel, `date1904` in
    /// workbook.xml) counts 1904-01-01 as 0.
    static func date(serial: Double, date1904: Bool) -> LocalDate? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let day = Int(serial.rounded(.down))
        if date1904 { return LocalDate(year: 1904, month: 1, day: 1)?.adding(days: day) }
        guard day >= 1, day != 60 else { return nil }
        let origin = day < 60 ? LocalDate(year: 1899, month: 12, day: 31) : LocalDate(year: 1899, month: 12, day: 30)
        return origin?.adding(days: day)
    }

    /// Whether a number format shows a date: the built-in date formats (14–17, 22,
    /// and the East Asian 27–36 and 50–58), or a custom code with day, month-with-no-time,
    /// year or era parts outside quotes, escapes and brackets.
    static func isDateFormat(id: Int, code: String?) -> Bool {
        if let code { return isDateCode(code) }
        switch id {
        case 14...17, 22, 27...36, 50...58: return true
        default: return false
        }
    }

    static func isDateCode(_ code: String) -> Bool {
        var plain = ""
        var iterator = code.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"":
                while let next = iterator.next(), next != "\"" {}
            case "\\", "_", "*":
                // An escaped literal, a space as wide as the next character, a fill character.
                _ = iterator.next()
            case "[":
                while let next = iterator.next(), next != "]" {}
            default:
                plain.append(character)
            }
        }
        let lower = plain.lowercased().replacingOccurrences(of: "general", with: "")
        if lower.contains("e+") || lower.contains("e-") { return false }  // scientific notation
        if lower.contains(where: { "ydge".contains($0) }) { return true }
        // `m` alone is a month; next to `h` or `s` it is minutes.
        return lower.contains("m") && !lower.contains("h") && !lower.contains("s")
    }
}
