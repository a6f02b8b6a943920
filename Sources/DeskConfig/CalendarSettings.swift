import DeskCore
import Foundation

/// Builds a tenant's `BusinessCalendar` from its `calendar:` section:
///
/// ```yaml
/// calendar:
///   holidays: ../calendars/japan.yaml     # a shipped holiday file
///   weekend: [saturday, sunday]           # default
///   closures:                             # the office's own days off
///     - {from: 12-29, to: 01-03, name: 年末年始休業}   # every year
///     - {date: 2026-08-14, name: 夏季休業}             # once
/// ```
enum CalendarSettings {
    static func load(_ node: ConfigNode, timeZone: TimeZone) throws(ConfigError) -> BusinessCalendar {
        let mapping = try node.mapping(allowing: ["holidays", "weekend", "closures"])

        var weekend: Set<Weekday> = [.saturday, .sunday]
        if let weekendNode = mapping["weekend"] {
            weekend = []
            for dayNode in try weekendNode.sequence() {
                let name = try dayNode.string()
                guard let day = Weekday(name: name) else {
                    throw dayNode.error("\"\(name)\" is not a day of the week (monday … sunday)")
                }
                weekend.insert(day)
            }
            if weekend.count == 7 { throw weekendNode.error("a week with no business day cannot run an SLA") }
        }

        var daysOff: [LocalDate: String] = [:]
        var covered: ClosedRange<Int>?
        if let holidaysNode = mapping["holidays"] {
            let holidays = try HolidayFile.load(holidaysNode.path(), namedBy: holidaysNode)
            daysOff = holidays.days
            covered = holidays.years
        }

        if let closures = mapping["closures"] {
            // Recurring closures are laid over every covered year, plus the year after
            // so a deadline counted across New Year sees the office closed.
            // From the year before the first covered one, so 1–3 January of that year is closed too.
            let years = covered.map { ($0.lowerBound - 1)...($0.upperBound + 1) } ?? 2019...2040
            for closure in try closures.sequence() {
                let entry = try closure.mapping(allowing: ["date", "from", "to", "name"])
                let name = try entry["name"]?.string() ?? "closure"
                if let dateNode = entry["date"] {
                    let text = try dateNode.string()
                    guard let date = LocalDate(iso: text) else {
                        throw dateNode.error("\"\(text)\" is not a date (YYYY-MM-DD)")
                    }
                    daysOff[date] = daysOff[date] ?? name
                } else {
                    let fromNode = try entry.require("from")
                    let toNode = try entry.require("to")
                    let from = try monthDay(fromNode)
                    let to = try monthDay(toNode)
                    for year in years {
                        guard let start = LocalDate(year: year, month: from.month, day: from.day) else { continue }
                        // `to` earlier in the year than `from` wraps into the next year (29 Dec – 3 Jan).
                        let endYear = (to.month, to.day) < (from.month, from.day) ? year + 1 : year
                        guard let end = LocalDate(year: endYear, month: to.month, day: to.day) else { continue }
                        var day = start
                        while day <= end {
                            daysOff[day] = daysOff[day] ?? name
                            day = day.adding(days: 1)
                        }
                    }
                }
            }
        }
        return BusinessCalendar(timeZone: timeZone, weekend: weekend, daysOff: daysOff, coveredYears: covered)
    }

    private static func monthDay(_ node: ConfigNode) throws(ConfigError) -> (month: Int, day: Int) {
        let text = try node.string()
        let parts = text.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]),
            LocalDate(year: 2000, month: month, day: day) != nil
        else {
            throw node.error("\"\(text)\" is not a month and day (MM-DD, e.g. 12-29)")
        }
        return (month, day)
    }
}

/// A shipped holiday file such as `Config/calendars/japan.yaml`.
struct HolidayFile {
    var days: [LocalDate: String]
    var years: ClosedRange<Int>?

    static func load(_ url: URL, namedBy reference: ConfigNode) throws(ConfigError) -> HolidayFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw reference.error("the holiday file \(url.path) does not exist")
        }
        let file = ConfigFile(url: url)
        let root = try file.root().mapping(allowing: ["name", "country", "years", "holidays"])
        var days: [LocalDate: String] = [:]
        let holidays = try root.require("holidays")
        guard let pairs = holidays.node.mapping else {
            throw holidays.error("expected a mapping of YYYY-MM-DD dates to names")
        }
        for (keyNode, valueNode) in pairs {
            let entry = ConfigNode(node: keyNode, file: file, keyPath: "holidays")
            let text = try entry.string()
            guard let date = LocalDate(iso: text) else {
                throw entry.error("\"\(text)\" is not a date (YYYY-MM-DD)")
            }
            days[date] = try ConfigNode(node: valueNode, file: file, keyPath: "holidays.\(text)").string()
        }
        var years: ClosedRange<Int>?
        if let yearsNode = root["years"] {
            let text = try yearsNode.string()
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= parts[1] else {
                throw yearsNode.error("\"\(text)\" is not a year range (e.g. 2019-2030)")
            }
            years = parts[0]...parts[1]
        } else if let first = days.keys.min(), let last = days.keys.max() {
            years = first.year...last.year
        }
        return HolidayFile(days: days, years: years)
    }
}
