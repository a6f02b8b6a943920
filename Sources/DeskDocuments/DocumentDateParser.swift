import DeskCore
import Foundation

/// Reads the date forms partners write (PRODUCT.md §4.1): `2026-03-01`, `2026/03/01`,
/// `2026年3月1日`, full-width digits, the Japanese eras 令和 and 平成, and an ISO 8601
/// date-time whose date part is taken as written.
enum DocumentDateParser {
    static func date(from written: String) -> LocalDate? {
        let text = written.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        var scanner = DigitScanner(text)
        if let era = scanner.era() {
            // 令和元年 is 2019, 平成元年 1989.
            guard let yearOfEra = scanner.number(maxDigits: 2) ?? (scanner.take("元") ? 1 : nil),
                scanner.take("年"), let month = scanner.number(maxDigits: 2), scanner.take("月"),
                let day = scanner.number(maxDigits: 2), scanner.take("日"), scanner.isAtEnd
            else { return nil }
            return LocalDate(year: era + yearOfEra - 1, month: month, day: day)
        }
        guard let year = scanner.number(maxDigits: 4, minDigits: 4) else { return nil }
        if scanner.take("年") {
            guard let month = scanner.number(maxDigits: 2), scanner.take("月"),
                let day = scanner.number(maxDigits: 2), scanner.take("日"), scanner.isAtEnd
            else { return nil }
            return LocalDate(year: year, month: month, day: day)
        }
        for separator: Character in ["-", "/", "."] where scanner.take(separator) {
            guard let month = scanner.number(maxDigits: 2), scanner.take(separator),
                let day = scanner.number(maxDigits: 2)
            else { return nil }
            // A time after the date (`2026-03-01T09:00:00Z`, `2026/03/01 0:00`) does not change the day written.
            guard scanner.isAtEnd || scanner.take("T") || scanner.take(" ") else { return nil }
            return LocalDate(year: year, month: month, day: day)
        }
        return nil
    }

    private struct DigitScanner {
        private let characters: [Character]
        private var index = 0

        init(_ text: String) { characters = Array(text) }

        var isAtEnd: Bool { index == characters.count }

        mutating func take(_ character: Character) -> Bool {
            guard index < characters.count, characters[index] == character else { return false }
            index += 1
            return true
        }

        mutating func number(maxDigits: Int, minDigits: Int = 1) -> Int? {
            var value = 0
            var digits = 0
            while index < characters.count, digits < maxDigits, let digit = characters[index].wholeNumberValue,
                characters[index].isASCII
            {
                value = value * 10 + digit
                digits += 1
                index += 1
            }
            return digits >= minDigits ? value : nil
        }

        /// The first year of an era named here, consuming its name.
        mutating func era() -> Int? {
            for (name, firstYear) in [("令和", 2019), ("平成", 1989)] {
                let nameCharacters = Array(name)
                if characters.count - index >= nameCharacters.count,
                    Array(characters[index..<index + nameCharacters.count]) == nameCharacters
                {
                    index += nameCharacters.count
                    return firstYear
                }
            }
            return nil
        }
    }
}
