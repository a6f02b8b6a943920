/// Japan's national holidays (国民の祝日) and the days off derived from them (休日),
/// computed from the law, for the years in `supportedYears` (1980–2099).
///
/// The rules are those of the Act on National Holidays (国民の祝日に関する法律, Act No. 178 of 1948)
/// as amended, plus the special acts that added or moved single days:
///
/// - **Fixed days**: 元日 1/1, 建国記念の日 2/11, 憲法記念日 5/3, こどもの日 5/5, 文化の日 11/3,
///   勤労感謝の日 11/23; 4/29 is 天皇誕生日 until 1988, みどりの日 1989–2006 and 昭和の日 from 2007;
///   みどりの日 5/4 from 2007; 山の日 8/11 from 2016; 天皇誕生日 12/23 in 1989–2018, none in 2019,
///   2/23 from 2020.
/// - **Happy Monday days**: 成人の日 (1/15 → 2nd Monday of January from 2000), 体育の日 (10/10 →
///   2nd Monday of October from 2000; スポーツの日 from 2020), 海の日 (7/20 from 1996 → 3rd Monday
///   of July from 2003), 敬老の日 (9/15 → 3rd Monday of September from 2003).
/// - **春分の日 / 秋分の日**: the Act names the equinox day itself, which the National Astronomical
///   Observatory of Japan announces each February for the following year. It is predicted here with
///   the standard approximation `⌊20.8431 + 0.242194 (y − 1980) − ⌊(y − 1980) / 4⌋⌋` (March; 23.2488
///   for September), valid 1980–2099 and the reason for the supported range.
/// - **One-off days**: 大喪の礼 1989-02-24, 即位礼正殿の儀 1990-11-12, 結婚の儀 1993-06-09; in 2019
///   the 即位の日 (5/1) and the 即位礼正殿の儀 (10/22), which count as national holidays for the rules
///   below; the Tokyo Olympics moves of 海の日, スポーツの日 and 山の日 to 7/23, 7/24 and 8/10 in 2020
///   and to 7/22, 7/23 and 8/8 in 2021.
/// - **振替休日** (Art. 3(2)): a national holiday on a Sunday gives the next day off; from 2007, the
///   first following day that is not itself a national holiday.
/// - **国民の休日** (Art. 3(3), from 1986): a day that is not a national holiday but lies between
///   two of them is a day off; until 2006 a Sunday or a 振替休日 did not count.
///
/// Names are written as the Cabinet Office's list writes them (内閣府「国民の祝日について」,
/// https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv): both 振替休日 and 国民の休日 are
/// 休日, 2019's 5/1 and 10/22 are 休日（祝日扱い）, and 2019's 体育の日 is 体育の日（スポーツの日）.
/// For every year the list covers from 1980 on, the result equals the list, dates and names.
///
/// Years after the list's last year are predictions: they assume the Act is not amended again and
/// that the observatory's equinox days match the formula.
public enum JapaneseHolidayRules {
    /// The years `holidays(in:)` answers for: the equinox formula is not valid outside them.
    public static let supportedYears: ClosedRange<Int> = 1980...2099

    /// The national holidays and days off of `year`, sorted by date.
    ///
    /// Returns an empty array for a year outside `supportedYears` rather than guessing: a calendar
    /// built from it then visibly knows no holidays for that year.
    public static func holidays(in year: Int) -> [Holiday] {
        guard supportedYears.contains(year) else { return [] }
        let national = nationalHolidays(in: year)
        var daysOff = national

        for date in national.keys where date.weekday == .sunday {
            if let substitute = substituteHoliday(for: date, among: national) {
                daysOff[substitute] = dayOff
            }
        }

        // 国民の休日 was added to the Act in December 1985; 1986 is its first year.
        if year >= 1986 {
            for date in national.keys {
                let between = date.adding(days: 1)
                guard national[between] == nil, national[date.adding(days: 2)] != nil else { continue }
                // Until 2006 the Act excluded Sundays and 振替休日 from 国民の休日. A 振替休日 is
                // already off under the same name, so only the Sunday case changes the result.
                if year < 2007, between.weekday == .sunday { continue }
                daysOff[between] = dayOff
            }
        }

        return daysOff.map { Holiday(date: $0.key, name: $0.value) }.sorted { $0.date < $1.date }
    }

    /// The name the Cabinet Office gives both 振替休日 and 国民の休日.
    private static let dayOff = "休日"

    /// The day a national holiday that falls on a Sunday gives off, if any.
    private static func substituteHoliday(for sunday: LocalDate, among national: [LocalDate: String]) -> LocalDate? {
        var next = sunday.adding(days: 1)
        // Until 2006 only the Monday itself could become the 振替休日; if it was a national holiday
        // already, nothing was added. From 2007 the day moves on past any run of national holidays
        // (5/3 on a Sunday gives 5/6 off).
        guard sunday.year >= 2007 else { return national[next] == nil ? next : nil }
        while national[next] != nil { next = next.adding(days: 1) }
        return next
    }

    /// The days the Act, or a special act treated as part of it, makes national holidays in `year`:
    /// everything except 振替休日 and 国民の休日.
    private static func nationalHolidays(in year: Int) -> [LocalDate: String] {
        var days: [LocalDate: String] = [:]
        func on(_ month: Int, _ day: Int, _ name: String) {
            // Every month and day passed below exists in every year (none is 29 February), and the
            // equinox days fall on 19–21 March and 22–23 September across the supported years.
            days[LocalDate(year: year, month: month, day: day)!] = name
        }
        func onMonday(_ n: Int, ofMonth month: Int, _ name: String) {
            days[LocalDate.nth(n, .monday, of: month, in: year)] = name
        }

        on(1, 1, "元日")
        if year >= 2000 { onMonday(2, ofMonth: 1, "成人の日") } else { on(1, 15, "成人の日") }
        on(2, 11, "建国記念の日")
        if year >= 2020 { on(2, 23, "天皇誕生日") }
        on(3, vernalEquinoxDay(in: year), "春分の日")
        switch year {
        case ..<1989: on(4, 29, "天皇誕生日")
        case ..<2007: on(4, 29, "みどりの日")
        default: on(4, 29, "昭和の日")
        }
        on(5, 3, "憲法記念日")
        if year >= 2007 { on(5, 4, "みどりの日") }
        on(5, 5, "こどもの日")

        switch year {
        case 2020: on(7, 23, "海の日")
        case 2021: on(7, 22, "海の日")
        case 2003...: onMonday(3, ofMonth: 7, "海の日")
        case 1996...: on(7, 20, "海の日")
        default: break
        }

        switch year {
        case 2020: on(8, 10, "山の日")
        case 2021: on(8, 8, "山の日")
        case 2016...: on(8, 11, "山の日")
        default: break
        }

        if year >= 2003 { onMonday(3, ofMonth: 9, "敬老の日") } else { on(9, 15, "敬老の日") }
        on(9, autumnalEquinoxDay(in: year), "秋分の日")

        switch year {
        case 2020: on(7, 24, "スポーツの日")
        case 2021: on(7, 23, "スポーツの日")
        case 2022...: onMonday(2, ofMonth: 10, "スポーツの日")
        // The rename was enacted in 2018 to take effect in 2020; the Cabinet Office list
        // announces it on 2019's date.
        case 2019: onMonday(2, ofMonth: 10, "体育の日（スポーツの日）")
        case 2000...: onMonday(2, ofMonth: 10, "体育の日")
        default: on(10, 10, "体育の日")
        }

        on(11, 3, "文化の日")
        on(11, 23, "勤労感謝の日")
        if (1989...2018).contains(year) { on(12, 23, "天皇誕生日") }

        switch year {
        case 1989: on(2, 24, "大喪の礼")
        case 1990: on(11, 12, "即位礼正殿の儀")
        case 1993: on(6, 9, "結婚の儀")
        case 2019:
            // Made days off by a special act that also deems them national holidays, which is
            // why 4/30 and 5/2, between them and 昭和の日 / 憲法記念日, became 国民の休日.
            on(5, 1, "休日（祝日扱い）")
            on(10, 22, "休日（祝日扱い）")
        default: break
        }
        return days
    }

    /// The day of March that is 春分日 in `year`.
    private static func vernalEquinoxDay(in year: Int) -> Int {
        equinoxDay(in: year, base: 20_843_100)
    }

    /// The day of September that is 秋分日 in `year`.
    private static func autumnalEquinoxDay(in year: Int) -> Int {
        equinoxDay(in: year, base: 23_248_800)
    }

    /// `⌊base + 0.242194 (y − 1980) − ⌊(y − 1980) / 4⌋⌋` with `base` in millionths of a day.
    ///
    /// Integer millionths keep the result exact: in floating point, a year whose equinox lands just
    /// after midnight could round onto the wrong day.
    private static func equinoxDay(in year: Int, base: Int) -> Int {
        // Non-negative within `supportedYears`, so integer division is the floor the formula asks for.
        let elapsed = year - 1980
        return (base + 242_194 * elapsed - 1_000_000 * (elapsed / 4)) / 1_000_000
    }
}
