/// The arithmetic of one response deadline, day by day, so anyone can check it
/// against a wall calendar (`competency sla explain`).
///
/// It walks every calendar day from the local date of receipt to the due date and
/// says of each whether it counted and why not: the day of receipt never counts,
/// a weekend day or a named day off (a national holiday, 振替休日, an office
/// closure such as 年末年始休業) is skipped. Its due date is, by construction,
/// `BusinessCalendar.businessDay(_:after:)` of the same receipt date — the rule of
/// PRODUCT.md §6 and `ResponseDeadline` — which the tests hold it to.
public struct SLAExplanation: Sendable, Equatable {
    /// The tenant-local date of receipt: day 0, never counted.
    public let receiptDate: LocalDate
    /// N: the business days the office has to answer.
    public let businessDays: Int
    /// Every day from `receiptDate` to `dueDate`, both included, in order.
    public let days: [SLADay]
    /// The Nth business day after the receipt date.
    public let dueDate: LocalDate

    /// Walks `calendar` from `receiptDate` until `businessDays` business days have been counted.
    public init(receiptDate: LocalDate, businessDays: Int, calendar: BusinessCalendar) {
        self.receiptDate = receiptDate
        self.businessDays = businessDays
        var days = [SLADay(date: receiptDate, role: .receipt, calendar: calendar, count: nil)]
        var count = 0
        var current = receiptDate
        // The same guard as BusinessCalendar: a calendar with no business days for ten
        // years is refused by the config loader, so the bound is never reached in use.
        while count < businessDays, days.count < 3660 {
            current = current.adding(days: 1)
            if calendar.isBusinessDay(current) {
                count += 1
                days.append(SLADay(date: current, role: .counted, calendar: calendar, count: count))
            } else {
                days.append(SLADay(date: current, role: .skipped, calendar: calendar, count: nil))
            }
        }
        self.days = days
        // With N = 0 nothing is walked and the rule's roll-back decides (a closed receipt
        // day is due on the business day before it); config allows N ≥ 1 only.
        self.dueDate = businessDays > 0 ? current : calendar.businessDay(0, after: receiptDate)
    }
}

/// One calendar day of an `SLAExplanation`.
public struct SLADay: Sendable, Equatable {
    /// Why the day is in the walk.
    public enum Role: String, Sendable {
        /// The day the mail arrived: never counted (PRODUCT.md §6).
        case receipt
        /// A business day, counted.
        case counted
        /// A weekend day or a named day off, skipped.
        case skipped
    }

    public let date: LocalDate
    public let role: Role
    /// True when the day falls on one of the tenant's weekend days.
    public let isWeekend: Bool
    /// The name of the holiday or office closure on this day ("Thanksgiving Day", "こどもの日",
    /// "年末年始休業"), as the tenant's calendar names it; nil on other days.
    ///
    /// Japan's official list names both 振替休日 and 国民の休日 "休日"; such a day is
    /// shown with which one it is, "休日（振替休日）", when the calendar around it says
    /// so (a Sunday holiday before it, or a holiday on each side).
    public let dayOffName: String?
    /// The running count of business days on a counted day (1…N); nil otherwise.
    public let count: Int?

    public init(date: LocalDate, role: Role, calendar: BusinessCalendar, count: Int?) {
        self.date = date
        self.role = role
        self.isWeekend = calendar.weekend.contains(date.weekday)
        self.dayOffName = calendar.daysOff[date].map { Self.describing($0, on: date, in: calendar) }
        self.count = count
    }

    /// The Cabinet Office's "休日" with the rule that made it (国民の祝日に関する法律 Art. 3):
    /// 振替休日 when a run of holidays before it starts on a Sunday holiday (Art. 3(2));
    /// 国民の休日 when it lies between two holidays (Art. 3(3)). Other names are kept as they are.
    static func describing(_ name: String, on date: LocalDate, in calendar: BusinessCalendar) -> String {
        guard name == "休日" else { return name }
        var previous = date.adding(days: -1)
        while calendar.daysOff[previous] != nil {
            if previous.weekday == .sunday { return "休日（振替休日）" }
            previous = previous.adding(days: -1)
        }
        if calendar.daysOff[date.adding(days: -1)] != nil, calendar.daysOff[date.adding(days: 1)] != nil {
            return "休日（国民の休日）"
        }
        return name
    }

    public var counted: Bool { role == .counted }

    /// Why the day counted or not, in the tenant's language:
    /// "business day" / "営業日", "Saturday" / "土曜日", the holiday's own name, and
    /// "day of receipt, not counted" / "受付日（数えない）" (with the day's own reason
    /// when the receipt fell on a closed day). A holiday on a weekend names both.
    public func reason(in language: TextLanguage) -> String {
        var closed: [String] = []
        if isWeekend { closed.append(date.weekday.name(in: language)) }
        if let dayOffName { closed.append(dayOffName) }
        let closedText = closed.joined(separator: language == .ja ? "・" : "; ")
        switch role {
        case .receipt:
            let base = language == .ja ? "受付日（数えない）" : "day of receipt, not counted"
            return closed.isEmpty ? base : base + (language == .ja ? "・" : "; ") + closedText
        case .counted:
            return language == .ja ? "営業日" : "business day"
        case .skipped:
            return closedText
        }
    }
}

extension Weekday {
    /// "Saturday" in English, "土曜日" in Japanese.
    public func name(in language: TextLanguage) -> String {
        switch language {
        case .en: return name.prefix(1).uppercased() + name.dropFirst()
        case .ja: return ["日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"][rawValue]
        }
    }
}
