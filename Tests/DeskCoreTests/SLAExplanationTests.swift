import DeskCore
import Foundation
import Testing

/// `SLAExplanation`: the day-by-day walk behind a due date, on calendars built from
/// the holiday rules (the shipped calendar files are generated from the same rules)
/// plus the Japanese office's year-end closure.
@Suite struct SLAExplanationTests {
    static func japan() -> BusinessCalendar {
        var daysOff: [LocalDate: String] = [:]
        for year in 2025...2028 {
            for holiday in JapaneseHolidayRules.holidays(in: year) { daysOff[holiday.date] = holiday.name }
            // As CalendarSettings lays a recurring closure: a holiday keeps its own name.
            var day = LocalDate(year: year, month: 12, day: 29)!
            while day <= LocalDate(year: year + 1, month: 1, day: 3)! {
                daysOff[day] = daysOff[day] ?? "年末年始休業"
                day = day.adding(days: 1)
            }
        }
        return BusinessCalendar(timeZone: TimeZone(identifier: "Asia/Tokyo")!, daysOff: daysOff)
    }

    static func us() -> BusinessCalendar {
        var daysOff: [LocalDate: String] = [:]
        for year in 2025...2028 {
            for holiday in USFederalHolidayRules.holidays(in: year) { daysOff[holiday.date] = holiday.name }
        }
        return BusinessCalendar(timeZone: TimeZone(identifier: "America/New_York")!, daysOff: daysOff)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let japanese: Bool
        let received: String
        let due: String
        /// Every skipped day after the receipt, with its reason in the tenant's language.
        let skipped: [String: String]
        let why: String
        var testDescription: String { "\(received) → \(due) (\(why))" }
    }

    static let cases: [Case] = [
        Case(
            japanese: true, received: "2026-11-27", due: "2026-12-04",
            skipped: ["2026-11-28": "土曜日", "2026-11-29": "日曜日"], why: "a weekend"),
        Case(
            japanese: true, received: "2026-04-30", due: "2026-05-12",
            skipped: [
                "2026-05-02": "土曜日", "2026-05-03": "日曜日・憲法記念日", "2026-05-04": "みどりの日",
                "2026-05-05": "こどもの日", "2026-05-06": "休日（振替休日）", "2026-05-09": "土曜日", "2026-05-10": "日曜日",
            ], why: "Golden Week with 振替休日"),
        Case(
            japanese: true, received: "2026-09-18", due: "2026-09-30",
            skipped: [
                "2026-09-19": "土曜日", "2026-09-20": "日曜日", "2026-09-21": "敬老の日", "2026-09-22": "休日（国民の休日）",
                "2026-09-23": "秋分の日", "2026-09-26": "土曜日", "2026-09-27": "日曜日",
            ], why: "Silver Week with 国民の休日"),
        Case(
            japanese: true, received: "2026-12-28", due: "2027-01-08",
            skipped: [
                "2026-12-29": "年末年始休業", "2026-12-30": "年末年始休業", "2026-12-31": "年末年始休業",
                "2027-01-01": "元日", "2027-01-02": "土曜日・年末年始休業", "2027-01-03": "日曜日・年末年始休業",
            ], why: "the year-end closure"),
        Case(
            japanese: false, received: "2026-11-25", due: "2026-12-03",
            skipped: ["2026-11-26": "Thanksgiving Day", "2026-11-28": "Saturday", "2026-11-29": "Sunday"],
            why: "Thanksgiving"),
        Case(
            japanese: false, received: "2026-12-24", due: "2027-01-04",
            skipped: [
                "2026-12-25": "Christmas Day", "2026-12-26": "Saturday", "2026-12-27": "Sunday",
                "2027-01-01": "New Year's Day", "2027-01-02": "Saturday", "2027-01-03": "Sunday",
            ], why: "Christmas and New Year"),
    ]

    @Test(arguments: cases)
    func walksEveryDayToTheDueDate(_ example: Case) throws {
        let calendar = example.japanese ? Self.japan() : Self.us()
        let language: TextLanguage = example.japanese ? .ja : .en
        let receipt = try #require(LocalDate(iso: example.received))
        let walk = SLAExplanation(receiptDate: receipt, businessDays: 5, calendar: calendar)

        #expect(walk.dueDate.iso == example.due)
        #expect(walk.dueDate == calendar.businessDay(5, after: receipt), "the walk is the deadline rule")
        // Every calendar day, none missed, from the receipt to the due date.
        #expect(
            walk.days.map(\.date) == (0...(walk.dueDate.dayNumber - receipt.dayNumber)).map { receipt.adding(days: $0) }
        )
        #expect(walk.days.first?.role == .receipt)
        #expect(walk.days.first?.count == nil)
        #expect(walk.days.last?.count == 5)
        #expect(walk.days.compactMap(\.count) == [1, 2, 3, 4, 5])

        let skipped = Dictionary(
            uniqueKeysWithValues: walk.days.filter { $0.role == .skipped }.map {
                ($0.date.iso, $0.reason(in: language))
            })
        #expect(skipped == example.skipped)
        for day in walk.days where day.counted {
            #expect(day.reason(in: language) == (example.japanese ? "営業日" : "business day"))
        }
    }

    @Test func aReceiptOnAClosedDayIsNotCountedAndSaysWhyItIsClosed() throws {
        let saturday = try #require(LocalDate(iso: "2026-11-28"))
        let ja = SLAExplanation(receiptDate: saturday, businessDays: 5, calendar: Self.japan())
        #expect(ja.days[0].reason(in: .ja) == "受付日（数えない）・土曜日")
        #expect(ja.dueDate.iso == "2026-12-04", "as if received the Friday before (roll backward)")
        let thanksgiving = try #require(LocalDate(iso: "2026-11-26"))
        let en = SLAExplanation(receiptDate: thanksgiving, businessDays: 5, calendar: Self.us())
        #expect(en.days[0].reason(in: .en) == "day of receipt, not counted; Thanksgiving Day")
        let monday = try #require(LocalDate(iso: "2026-11-30"))
        #expect(
            SLAExplanation(receiptDate: monday, businessDays: 5, calendar: Self.us()).days[0].reason(in: .en)
                == "day of receipt, not counted")
    }

    @Test(arguments: [
        (Weekday.sunday, "日曜日", "Sunday"), (.monday, "月曜日", "Monday"), (.wednesday, "水曜日", "Wednesday"),
        (.saturday, "土曜日", "Saturday"),
    ])
    func weekdayNamesInBothLanguages(day: Weekday, ja: String, en: String) {
        #expect(day.name(in: .ja) == ja)
        #expect(day.name(in: .en) == en)
    }

    /// Every receipt date of two years, on both calendars: the walk never disagrees with the rule.
    @Test func agreesWithTheDeadlineRuleOnEveryDayOfTwoYears() throws {
        for calendar in [Self.japan(), Self.us()] {
            var day = try #require(LocalDate(iso: "2026-01-01"))
            while day.year < 2028 {
                for n in [1, 5, 10] {
                    let walk = SLAExplanation(receiptDate: day, businessDays: n, calendar: calendar)
                    #expect(walk.dueDate == calendar.businessDay(n, after: day), "\(day.iso) + \(n)")
                    #expect(walk.days.filter(\.counted).count == n)
                }
                day = day.adding(days: 1)
            }
        }
    }
}
