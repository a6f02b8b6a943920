/// The US federal holidays, each on the day federal offices close for it.
///
/// The holidays are the legal public holidays of 5 U.S.C. § 6103(a), under the names the statute
/// gives them: New Year's Day (January 1), Birthday of Martin Luther King, Jr. (third Monday in
/// January, from 1986), Washington's Birthday (third Monday in February), Memorial Day (last Monday
/// in May), Juneteenth National Independence Day (June 19, from 2021), Independence Day (July 4),
/// Labor Day (first Monday in September), Columbus Day (second Monday in October), Veterans Day
/// (November 11), Thanksgiving Day (fourth Thursday in November) and Christmas Day (December 25).
///
/// A holiday on a Saturday is observed the Friday before (5 U.S.C. § 6103(b)) and one on a Sunday
/// the Monday after (Executive Order 11582, § 3(a)), as OPM's published schedules show; the moved
/// day is named with " (observed)" appended. Not included: Inauguration Day (a holiday only in the
/// Washington, DC area), one-off closures by executive order, and state holidays.
public enum USFederalHolidayRules {
    /// The years `holidays(in:)` answers for: the holidays have had their current days since
    /// Martin Luther King, Jr.'s birthday was first observed in 1986; Juneteenth joined them in 2021.
    public static let supportedYears: PartialRangeFrom<Int> = 1986...

    /// The federal holidays observed in `year`, sorted by date.
    ///
    /// This is about the days offices close, so it follows the observed dates across New Year: when
    /// January 1 of the next year is a Saturday, its observance on December 31 of `year` is included,
    /// and `year`'s own New Year's Day is left out when it is observed in the year before (2022's is
    /// in `holidays(in: 2021)`). Returns an empty array before 1986.
    public static func holidays(in year: Int) -> [Holiday] {
        guard supportedYears.contains(year) else { return [] }
        let candidates = legalHolidays(in: year) + [newYearsDay(of: year + 1)]
        return candidates.map(observance(of:)).filter { $0.date.year == year }.sorted { $0.date < $1.date }
    }

    /// The day `holiday` is observed on, renamed when it moves off a weekend.
    private static func observance(of holiday: Holiday) -> Holiday {
        let shift: Int
        switch holiday.date.weekday {
        case .saturday: shift = -1
        case .sunday: shift = 1
        default: return holiday
        }
        return Holiday(date: holiday.date.adding(days: shift), name: "\(holiday.name) (observed)")
    }

    private static func newYearsDay(of year: Int) -> Holiday {
        Holiday(date: date(year, 1, 1), name: "New Year's Day")
    }

    /// The holidays of `year` on their statutory days, before any weekend moves.
    private static func legalHolidays(in year: Int) -> [Holiday] {
        var holidays = [
            newYearsDay(of: year),
            Holiday(date: .nth(3, .monday, of: 1, in: year), name: "Birthday of Martin Luther King, Jr."),
            Holiday(date: .nth(3, .monday, of: 2, in: year), name: "Washington's Birthday"),
            Holiday(date: .last(.monday, of: 5, in: year), name: "Memorial Day"),
            Holiday(date: date(year, 7, 4), name: "Independence Day"),
            Holiday(date: .nth(1, .monday, of: 9, in: year), name: "Labor Day"),
            Holiday(date: .nth(2, .monday, of: 10, in: year), name: "Columbus Day"),
            Holiday(date: date(year, 11, 11), name: "Veterans Day"),
            Holiday(date: .nth(4, .thursday, of: 11, in: year), name: "Thanksgiving Day"),
            Holiday(date: date(year, 12, 25), name: "Christmas Day"),
        ]
        // Signed into law on 17 June 2021 and observed that year on Friday 18 June.
        if year >= 2021 {
            holidays.append(Holiday(date: date(year, 6, 19), name: "Juneteenth National Independence Day"))
        }
        return holidays
    }

    /// A fixed holiday's date; every month and day used here exists in every year.
    private static func date(_ year: Int, _ month: Int, _ day: Int) -> LocalDate {
        LocalDate(year: year, month: month, day: day)!
    }
}
