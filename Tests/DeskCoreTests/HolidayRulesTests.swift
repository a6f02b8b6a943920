import DeskCore
import Foundation
import Testing

// MARK: - Japan

@Suite("Japanese holiday rules")
struct JapaneseHolidayRulesTests {
    /// The full years of Fixtures/syukujitsu.csv that the rules support. Widen the upper bound
    /// when the fixture is refreshed; `fixtureEndsWhereTheComparisonEnds` insists on it.
    static let cabinetOfficeYears = 1980...2027

    @Test("equals the Cabinet Office list, dates and names", arguments: cabinetOfficeYears)
    func matchesCabinetOfficeList(year: Int) throws {
        let list = try CabinetOfficeList.load()
        let expected = list.filter { $0.date.year == year }
        let actual = JapaneseHolidayRules.holidays(in: year)
        // Compared outside #expect so a failure reports the differing dates, not both whole lists.
        let equal = actual == expected
        #expect(equal, "\(year): \(differences(expected: expected, actual: actual, expectedSource: "Cabinet Office"))")
    }

    @Test func fixtureEndsWhereTheComparisonEnds() throws {
        let lastYear = try #require(CabinetOfficeList.load().last).date.year
        #expect(lastYear == Self.cabinetOfficeYears.upperBound)
    }

    @Test(
        "振替休日 and 国民の休日",
        arguments: [
            ("2019-05-06", "休日"),  // こどもの日 on a Sunday
            ("2020-02-24", "休日"),  // the first 2/23 天皇誕生日, on a Sunday
            ("2026-05-06", "休日"),  // 憲法記念日 on a Sunday: past みどりの日 and こどもの日
            ("2026-09-21", "敬老の日"),
            ("2026-09-22", "休日"),  // 国民の休日 between 敬老の日 and 秋分の日
            ("2026-09-23", "秋分の日"),
            ("2029-09-24", "休日"),  // a predicted year: 秋分の日 on a Sunday
            ("2009-09-22", "休日"),  // the first 国民の休日 in September
            ("2005-05-04", "休日"),  // 5/4 as 国民の休日 before it became みどりの日
            ("2008-05-06", "休日"),  // みどりの日 on a Sunday in its second year
            ("2021-08-09", "休日"),  // the moved 山の日 on a Sunday
        ]
    )
    func daysOff(iso: String, name: String) throws {
        let date = try #require(LocalDate(iso: iso))
        #expect(holiday(on: date) == name)
    }

    @Test(
        "春分の日 and 秋分の日 after the Cabinet Office list",
        arguments: [
            ("2028-03-20", "春分の日"), ("2029-03-20", "春分の日"), ("2030-03-20", "春分の日"),
            ("2028-09-22", "秋分の日"), ("2029-09-23", "秋分の日"), ("2030-09-23", "秋分の日"),
        ]
    )
    func equinoxes(iso: String, name: String) throws {
        let date = try #require(LocalDate(iso: iso))
        #expect(holiday(on: date) == name)
    }

    @Test(
        "Tokyo Olympics moves",
        arguments: [
            ("2020-07-23", "海の日"), ("2020-07-24", "スポーツの日"), ("2020-08-10", "山の日"),
            ("2021-07-22", "海の日"), ("2021-07-23", "スポーツの日"), ("2021-08-08", "山の日"),
        ]
    )
    func olympicMoves(iso: String, name: String) throws {
        let date = try #require(LocalDate(iso: iso))
        #expect(holiday(on: date) == name)
        // Moved, not added: the holiday happens once that year (its usual day is in `ordinaryDays`).
        #expect(JapaneseHolidayRules.holidays(in: date.year).filter { $0.name == name }.count == 1)
    }

    @Test(
        "ordinary days where a holiday might be expected",
        arguments: [
            "2020-07-20", "2020-10-12", "2020-08-11",  // the usual 海の日, スポーツの日, 山の日 in 2020
            "2021-07-19", "2021-10-11", "2021-08-11",  // and in 2021
            "2019-02-23", "2019-12-23",  // no 天皇誕生日 in 2019
            "2003-05-04",  // a Sunday between two national holidays before 2007 is not a 国民の休日
        ]
    )
    func ordinaryDays(iso: String) throws {
        let date = try #require(LocalDate(iso: iso))
        #expect(holiday(on: date) == nil)
    }

    @Test func emperorsBirthdayMovesFromDecemberToFebruary() {
        #expect(holiday(on: LocalDate(year: 2018, month: 12, day: 23)!) == "天皇誕生日")
        #expect(JapaneseHolidayRules.holidays(in: 2019).allSatisfy { $0.name != "天皇誕生日" })
        #expect(holiday(on: LocalDate(year: 2020, month: 2, day: 23)!) == "天皇誕生日")
    }

    @Test("2019 Golden Week is ten days off in a row")
    func goldenWeek2019() {
        let first = LocalDate(year: 2019, month: 4, day: 27)!
        let days = (0..<10).map { first.adding(days: $0) }
        #expect(days.last?.iso == "2019-05-06")
        let holidays = Dictionary(
            JapaneseHolidayRules.holidays(in: 2019).map { ($0.date, $0.name) }, uniquingKeysWith: { first, _ in first })
        for day in days where !isWeekend(day) {
            #expect(holidays[day] != nil, "\(day) (\(day.weekday.name)) is a working day")
        }
        // Six of the ten days are weekdays, and the run sits between an ordinary Friday and Tuesday.
        #expect(days.filter { !isWeekend($0) }.count == 6)
        #expect(holidays[first.adding(days: -1)] == nil)
        #expect(holidays[first.adding(days: 10)] == nil)
        #expect(holidays[LocalDate(year: 2019, month: 5, day: 1)!] == "休日（祝日扱い）")
        #expect(holidays[LocalDate(year: 2019, month: 4, day: 30)!] == "休日")
        #expect(holidays[LocalDate(year: 2019, month: 5, day: 2)!] == "休日")
    }

    @Test("sorted, one entry per date, every year of the supported range")
    func sortedAndUnique() {
        for year in JapaneseHolidayRules.supportedYears {
            let dates = JapaneseHolidayRules.holidays(in: year).map(\.date)
            #expect(zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 }, "\(year) is not strictly increasing")
            #expect(dates.allSatisfy { $0.year == year }, "\(year) has a date outside the year")
            #expect(dates.first?.iso == "\(year)-01-01", "\(year) does not start with 元日")
        }
    }

    @Test("no guesses outside the supported years", arguments: [1979, 2100])
    func unsupportedYears(year: Int) {
        #expect(JapaneseHolidayRules.holidays(in: year).isEmpty)
    }

    @Test(
        "agrees with holiday-jp's holidays.yml, 2019–2030",
        .enabled(if: holidayJPFile != nil, "needs ../shared/corpus/holiday-jp/holidays.yml beside the checkout")
    )
    func matchesHolidayJP() throws {
        let url = try #require(holidayJPFile)
        let years = 2019...2030
        let theirs = try String(contentsOf: url, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
            .compactMap { line -> LocalDate? in
                // `YYYY-MM-DD: name` lines; its names differ by design ("X 振替休日"), so only dates count.
                guard line.dropFirst(10).hasPrefix(":") else { return nil }
                return LocalDate(iso: line.prefix(10))
            }
            .filter { years.contains($0.year) }
        let ours = years.flatMap(JapaneseHolidayRules.holidays(in:)).map(\.date)
        let missing = Set(theirs).subtracting(ours).sorted().map(\.iso)
        let extra = Set(ours).subtracting(theirs).sorted().map(\.iso)
        let equal = ours == theirs.sorted()
        #expect(equal, "only in holiday-jp: \(missing); only in the rules: \(extra)")
    }

    private func holiday(on date: LocalDate) -> String? {
        JapaneseHolidayRules.holidays(in: date.year).first { $0.date == date }?.name
    }

    private func isWeekend(_ date: LocalDate) -> Bool {
        date.weekday == .saturday || date.weekday == .sunday
    }
}

// MARK: - United States

@Suite("US federal holiday rules")
struct USFederalHolidayRulesTests {
    @Test(
        "observed days",
        arguments: [
            ("2021-12-24", "Christmas Day (observed)"),
            ("2021-12-31", "New Year's Day (observed)"),  // 2022's, in holidays(in: 2021)
            ("2023-01-02", "New Year's Day (observed)"),
            ("2021-06-18", "Juneteenth National Independence Day (observed)"),  // its first year
            ("2022-06-20", "Juneteenth National Independence Day (observed)"),
            ("2026-07-03", "Independence Day (observed)"),
            ("2023-11-10", "Veterans Day (observed)"),
            ("2026-01-19", "Birthday of Martin Luther King, Jr."),
            ("2026-02-16", "Washington's Birthday"),
            ("2026-05-25", "Memorial Day"),
            ("2026-06-19", "Juneteenth National Independence Day"),
            ("2026-09-07", "Labor Day"),
            ("2026-10-12", "Columbus Day"),
            ("2026-11-26", "Thanksgiving Day"),
            ("2026-12-25", "Christmas Day"),
        ]
    )
    func observedDays(iso: String, name: String) throws {
        let date = try #require(LocalDate(iso: iso))
        #expect(USFederalHolidayRules.holidays(in: date.year).contains(Holiday(date: date, name: name)))
    }

    @Test("a Saturday New Year's Day belongs to the year before")
    func saturdayNewYear() {
        // 2022-01-01 was a Saturday: observed on 2021-12-31, so 2022 itself has no New Year's Day.
        let holidays2022 = USFederalHolidayRules.holidays(in: 2022)
        #expect(holidays2022.allSatisfy { !$0.name.hasPrefix("New Year's Day") })
        #expect(holidays2022.first?.date.iso == "2022-01-17")
        #expect(holidays2022.count == 10)
        #expect(USFederalHolidayRules.holidays(in: 2021).count == 12)
    }

    @Test func juneteenthStartsIn2021() {
        #expect(USFederalHolidayRules.holidays(in: 2020).allSatisfy { !$0.name.hasPrefix("Juneteenth") })
        #expect(USFederalHolidayRules.holidays(in: 2020).count == 10)
        #expect(USFederalHolidayRules.holidays(in: 2021).contains { $0.name.hasPrefix("Juneteenth") })
    }

    @Test("sorted, within the year and never on a weekend")
    func observedOnWeekdays() {
        for year in 1986...2099 {
            let dates = USFederalHolidayRules.holidays(in: year).map(\.date)
            #expect(zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 }, "\(year) is not strictly increasing")
            #expect(dates.allSatisfy { $0.year == year }, "\(year) has a date outside the year")
            #expect(dates.allSatisfy { $0.weekday != .saturday && $0.weekday != .sunday }, "\(year) has a weekend day")
        }
        #expect(USFederalHolidayRules.holidays(in: 1985).isEmpty)
    }
}

// MARK: - Shipped data

@Suite("Shipped holiday files")
struct ShippedHolidayFileTests {
    /// A holiday file under Config/calendars/ and what it must contain.
    enum ShippedFile: String, CaseIterable, Sendable {
        case japan = "japan.yaml"
        case usFederal = "us-federal.yaml"

        static let years = 2019...2030

        var header: [String: String] {
            switch self {
            case .japan: ["name": "日本の国民の祝日・休日", "country": "jp", "years": "2019-2030"]
            case .usFederal: ["name": "United States federal holidays (observed)", "country": "us", "years": "2019-2030"]
            }
        }

        var rules: [Holiday] {
            switch self {
            case .japan: Self.years.flatMap(JapaneseHolidayRules.holidays(in:))
            case .usFederal: Self.years.flatMap(USFederalHolidayRules.holidays(in:))
            }
        }
    }

    @Test("equal the rules for 2019–2030", arguments: ShippedFile.allCases)
    func matchesRules(file shipped: ShippedFile) throws {
        let root = try #require(repositoryRoot, "no directory with Package.swift and Config/ above \(#filePath)")
        let url = root.appending(components: "Config", "calendars", shipped.rawValue)
        let file = try HolidayFileContents(contentsOf: url)
        #expect(file.header == shipped.header)
        let equal = file.holidays == shipped.rules
        #expect(
            equal,
            "\(shipped.rawValue): \(differences(expected: shipped.rules, actual: file.holidays, expectedSource: "rules", actualSource: "file"))"
        )
    }
}

// MARK: - Helpers

/// The checkout this file belongs to: the nearest directory above it holding both `Package.swift`
/// and `Config/`. Symlinks are resolved first, so a scratch package that links this test directory
/// in still finds the real checkout rather than stopping at its own Package.swift.
private let repositoryRoot: URL? = {
    let fileManager = FileManager.default
    var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
    while true {
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: directory.appending(component: "Package.swift").path),
            fileManager.fileExists(atPath: directory.appending(component: "Config").path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return directory
        }
        let parent = directory.deletingLastPathComponent()
        if parent.path == directory.path { return nil }
        directory = parent
    }
}()

/// holiday-jp's list in the shared corpus next to the checkout, when there is one.
private let holidayJPFile: URL? = repositoryRoot.flatMap { root in
    let url = root.deletingLastPathComponent().appending(components: "shared", "corpus", "holiday-jp", "holidays.yml")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

private struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Fixtures/syukujitsu.csv: the Cabinet Office list, `YYYY/M/D,name` after a header row.
private enum CabinetOfficeList {
    static func load() throws -> [Holiday] {
        guard let url = Bundle.module.url(forResource: "syukujitsu", withExtension: "csv", subdirectory: "Fixtures") else {
            throw FixtureError(description: "Fixtures/syukujitsu.csv is missing from the test bundle")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        // The list uses CRLF; "\r\n" is a single Character in Swift, and a newline.
        var lines = text.split(whereSeparator: \.isNewline)[...]
        guard lines.popFirst() == "国民の祝日・休日月日,国民の祝日・休日名称" else {
            throw FixtureError(description: "syukujitsu.csv does not start with the Cabinet Office header")
        }
        return try lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let parts = fields.first?.split(separator: "/").compactMap { Int($0) } ?? []
            guard fields.count == 2, parts.count == 3, !fields[1].isEmpty,
                let date = LocalDate(year: parts[0], month: parts[1], day: parts[2])
            else { throw FixtureError(description: "syukujitsu.csv: unreadable row \"\(line)\"") }
            return Holiday(date: date, name: String(fields[1]))
        }
    }
}

/// A shipped holiday file read with plain string handling (this target has no YAML parser):
/// top-level `key: value` lines, then `holidays:` and its `  YYYY-MM-DD: name` lines.
private struct HolidayFileContents {
    var header: [String: String] = [:]
    var holidays: [Holiday] = []

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var inHolidays = false
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let location = "\(url.lastPathComponent):\(index + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line == "holidays:" {
                inHolidays = true
            } else if inHolidays {
                guard line.hasPrefix("  "), let separator = line.firstRange(of: ": "),
                    let date = LocalDate(iso: line[line.index(line.startIndex, offsetBy: 2)..<separator.lowerBound])
                else { throw FixtureError(description: "\(location): not a \"  YYYY-MM-DD: name\" line") }
                holidays.append(Holiday(date: date, name: String(line[separator.upperBound...])))
            } else {
                guard let separator = line.firstRange(of: ": ") else {
                    throw FixtureError(description: "\(location): not a \"key: value\" line")
                }
                header[String(line[..<separator.lowerBound])] = String(line[separator.upperBound...])
            }
        }
    }
}

/// One line per date on which two holiday lists disagree, for a failure message.
private func differences(
    expected: [Holiday], actual: [Holiday], expectedSource: String, actualSource: String = "rules"
) -> String {
    let expectedNames = Dictionary(expected.map { ($0.date, [$0.name]) }, uniquingKeysWith: +)
    let actualNames = Dictionary(actual.map { ($0.date, [$0.name]) }, uniquingKeysWith: +)
    let lines = Set(expectedNames.keys).union(actualNames.keys).sorted().compactMap { date -> String? in
        let want = expectedNames[date] ?? []
        let got = actualNames[date] ?? []
        guard want != got else { return nil }
        func show(_ names: [String]) -> String { names.isEmpty ? "—" : names.joined(separator: " + ") }
        return "\(date.iso) \(expectedSource) \(show(want)), \(actualSource) \(show(got))"
    }
    return lines.isEmpty ? "same days, different order" : lines.joined(separator: "; ")
}
