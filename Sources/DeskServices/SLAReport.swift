import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// `competency sla`: where every open submission stands against its deadline, and
/// how the office kept the promise of PRODUCT.md §6 over a period.
///
/// Contract: reads each tenant's store read-only (like `queue`; never writes, works
/// with the daemon stopped); a tenant the user may not read is skipped and reported,
/// unless it was asked for by name. Per tenant:
/// - **open**: every open submission with an SLA, by state (`on-track`, `at-risk`,
///   `breached`), most urgent first;
/// - **responses** over `[from, to]` (dates in the tenant's calendar; the receipt
///   date decides membership): how many were received with an SLA, how many have
///   had their first response, how many of those on time (`responded_at ≤ deadline`),
///   and the median and 90th percentile of business days from the receipt's local
///   date to the response's (the day of receipt not counted, as for the due date);
/// - the same per reviewer (`assignee`, else "unassigned").
///
/// A revision that carries an earlier revision's deadline (PRODUCT.md §6: a
/// follow-up does not move the deadline) is measured from that earlier receipt,
/// which started the clock; the superseded revision itself, closed without an
/// answer, is counted apart as `closed_without_response`, never twice.
public struct SLAReport: Sendable {
    public let generatedAt: Date
    public let tenants: [TenantSLA]

    /// The default period: the last `defaultPeriodDays` days, today included.
    public static let defaultPeriodDays = 90

    /// One tenant's part of the report.
    public struct TenantSLA: Sendable {
        public let tenant: TenantConfiguration
        public let period: ClosedRange<LocalDate>
        /// Open submissions with an SLA, keyed by `on-track`, `at-risk`, `breached`; most urgent first.
        public let open: [SLAState: [SubmissionView]]
        public let responses: ResponseStatistics
        /// One entry per reviewer, alphabetical, "unassigned" last.
        public let byReviewer: [ReviewerSLA]
    }

    /// One reviewer's open work and answers within a tenant.
    public struct ReviewerSLA: Sendable {
        public let reviewer: String
        /// Open submissions by state.
        public internal(set) var open: [SLAState: Int] = [:]
        public internal(set) var responses = ResponseStatistics()

        init(reviewer: String) { self.reviewer = reviewer }
    }

    /// The states an open submission can be in, in the order people read them.
    public static let openStates: [SLAState] = [.onTrack, .atRisk, .breached]
}

/// First-response performance over a set of submissions that share a period.
public struct ResponseStatistics: Sendable, Equatable {
    /// Submissions with an SLA whose clock started in the period (and that were not
    /// closed without an answer).
    public var received = 0
    /// Of those, answered (a first response was sent).
    public var responded = 0
    public var onTime = 0
    public var late = 0
    /// Received in the period but closed without a response of their own: superseded
    /// by a later revision (which carries the obligation) or closed by the office.
    public var closedWithoutResponse = 0
    /// Business days from receipt to first response, one per answered submission.
    public var businessDaysToRespond: [Int] = []

    public init() {}

    /// `onTime / responded`, nil when nothing was answered.
    public var onTimeRate: Double? { responded == 0 ? nil : Double(onTime) / Double(responded) }
    public var medianBusinessDays: Double? { Self.percentile(50, of: businessDaysToRespond) }
    public var p90BusinessDays: Double? { Self.percentile(90, of: businessDaysToRespond) }

    /// The `p`th percentile with linear interpolation between closest ranks
    /// (numpy's default `percentile(values, p)`): the median of [1, 2, 3, 10] is 2.5,
    /// its 90th percentile 7.9. Nil for no values.
    public static func percentile(_ p: Double, of values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted().map(Double.init)
        let rank = p / 100 * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = Int(rank.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
    }
}

// MARK: - Building the report

extension Desk {
    /// The SLA report at `now` for one tenant, or every tenant the user may read
    /// (the others are returned in `skipped`). `from`/`to` default to the last 90
    /// days up to today, each tenant's today in its own zone.
    public func slaReport(tenant name: String?, from: LocalDate?, to: LocalDate?, now: Date) throws(DeskError) -> (
        report: SLAReport, skipped: [DeskError]
    ) {
        if let from, let to, from > to {
            throw .badArgument("--from \(from.iso) is after --to \(to.iso); give the earlier date first")
        }
        let tenants = try name.map { name throws(DeskError) in [try tenant(named: name)] } ?? configuration.tenants
        var reports: [SLAReport.TenantSLA] = []
        var skipped: [DeskError] = []
        for tenant in tenants {
            do {
                let records = try store(for: tenant, access: .read)?.submissionSummaries(includeClosed: true, revisionLinks: true) ?? []
                let today = tenant.calendar.localDate(of: now)
                let end = to ?? today
                let start = from ?? end.adding(days: -(SLAReport.defaultPeriodDays - 1))
                guard start <= end else {
                    // Only --from was given, and it is in the future for this tenant.
                    throw DeskError.badArgument(
                        "--from \(start.iso) is after today (\(end.iso) in \(tenant.id)'s time zone); give a past date, or --to as well"
                    )
                }
                reports.append(Self.slaReport(for: tenant, records: records, period: start...end, now: now))
            } catch let error as DeskError {
                // A bad argument is the caller's, not the tenant's: never skipped.
                if case .badArgument = error { throw error }
                if name != nil { throw error }
                skipped.append(error)
            } catch {
                throw .failed("\(error)")
            }
        }
        return (SLAReport(generatedAt: now, tenants: reports), skipped)
    }

    /// One tenant's report from its rows: pure, so it is the same whoever asks.
    static func slaReport(
        for tenant: TenantConfiguration, records: [SubmissionRecord], period: ClosedRange<LocalDate>, now: Date
    ) -> SLAReport.TenantSLA {
        let byNumber = Dictionary(records.compactMap { r in r.number.map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        let calendar = tenant.calendar
        var open: [SLAState: [SubmissionView]] = [:]
        var total = ResponseStatistics()
        var reviewers: [String: SLAReport.ReviewerSLA] = [:]

        for record in records where record.verdict != "ignored" && record.deadline != nil {
            let reviewer = record.assignee ?? "unassigned"
            if record.isOpen {
                let view = SubmissionView(record: record, tenant: tenant, now: now)
                if SLAReport.openStates.contains(view.sla) {
                    open[view.sla, default: []].append(view)
                    reviewers[reviewer, default: .init(reviewer: reviewer)].open[view.sla, default: 0] += 1
                }
            }
            let start = clockStart(of: record) { byNumber[$0] }
            guard period.contains(calendar.localDate(of: start)) else { continue }
            count(record, clockStartedAt: start, calendar: calendar, into: &total)
            count(
                record, clockStartedAt: start, calendar: calendar,
                into: &reviewers[reviewer, default: .init(reviewer: reviewer)].responses)
        }
        for state in open.keys { open[state]?.sort(by: moreUrgent) }
        let names = reviewers.keys.sorted { a, b in
            // "unassigned" last: the reviewers are who the table is for.
            a == "unassigned" ? false : b == "unassigned" ? true : a < b
        }
        return SLAReport.TenantSLA(
            tenant: tenant, period: period, open: open, responses: total,
            byReviewer: names.compactMap { reviewers[$0] })
    }

    /// Adds one submission received in the period to `stats`.
    static func count(
        _ record: SubmissionRecord, clockStartedAt start: Date, calendar: BusinessCalendar,
        into stats: inout ResponseStatistics
    ) {
        guard let respondedAt = record.respondedAt, let deadline = record.deadline else {
            if record.closedAt != nil { stats.closedWithoutResponse += 1 } else { stats.received += 1 }
            return
        }
        stats.received += 1
        stats.responded += 1
        if respondedAt <= deadline { stats.onTime += 1 } else { stats.late += 1 }
        stats.businessDaysToRespond.append(
            calendar.businessDays(
                after: calendar.localDate(of: start),
                through: calendar.localDate(of: Date(timeIntervalSince1970: respondedAt))))
    }

    /// When the clock of `record`'s deadline started: its own receipt, or the receipt of
    /// the earlier unanswered revision whose deadline it carries (the store keeps the
    /// earlier deadline for a follow-up and closes that revision as superseded).
    static func clockStart(of record: SubmissionRecord, lookUp: (Int64) -> SubmissionRecord?) -> Date {
        clockOrigin(of: record, lookUp: lookUp).receivedAtDate
    }

    /// The revision whose receipt started `record`'s deadline (`record` itself when it carries none).
    static func clockOrigin(of record: SubmissionRecord, lookUp: (Int64) -> SubmissionRecord?) -> SubmissionRecord {
        var origin = record
        var seen: Set<Int64> = []
        while let previousNumber = origin.previousNumber, seen.insert(previousNumber).inserted,
            let previous = lookUp(previousNumber), previous.deadline == origin.deadline,
            previous.closedAt != nil, previous.respondedAt == nil
        {
            origin = previous
        }
        return origin
    }
}

extension SubmissionRecord {
    fileprivate var receivedAtDate: Date { Date(timeIntervalSince1970: receivedAt) }
}

// MARK: - JSON (`sla --json`)

extension SLAReport {
    /// One object: `generated_at`, `tenants` (each with `period`, `open` by state,
    /// `responses`, `by_reviewer`) and, as PRODUCT.md §9 asks, every tenant's open
    /// submissions together by state under the top-level `open`.
    public var json: JSONValue {
        var everyOpen: [SLAState: [SubmissionView]] = [:]
        for tenant in tenants {
            for (state, views) in tenant.open { everyOpen[state, default: []] += views }
        }
        for state in everyOpen.keys { everyOpen[state]?.sort(by: Desk.moreUrgent) }
        return .object([
            ("generated_at", .string(ISO8601.format(generatedAt, in: TimeZone(identifier: "UTC")!))),
            ("tenants", .array(tenants.map(\.json))),
            ("open", Self.openJSON(everyOpen)),
        ])
    }

    static func openJSON(_ open: [SLAState: [SubmissionView]]) -> JSONValue {
        .object(openStates.map { state in (state.rawValue, .array((open[state] ?? []).map(openEntryJSON))) })
    }

    /// One open submission: who, when it is due, and how much room is left (or how late it is).
    static func openEntryJSON(_ view: SubmissionView) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(view.id)),
            ("tenant", .string(view.tenant)),
            ("partner", .optionalString(view.record.partner)),
            ("subject", .optionalString(view.record.subject)),
            ("assignee", .optionalString(view.record.assignee)),
            ("verdict", .string(view.record.verdict)),
            ("received_at", .string(ISO8601.format(view.receivedAt, in: view.timeZone))),
            ("due_date", .optionalString(view.deadline?.dueDate.iso)),
            ("due_at", view.deadline.map { .string(ISO8601.format($0.deadline, in: view.timeZone)) } ?? .null),
        ]
        let left = view.businessDaysLeft ?? 0
        if view.sla == .breached {
            fields.append(("business_days_overdue", .number(Double(max(0, -left)))))
        } else {
            fields.append(("business_days_left", .number(Double(max(0, left)))))
        }
        return .object(fields)
    }

    static func countsJSON(_ open: [SLAState: Int]) -> JSONValue {
        .object(openStates.map { ($0.rawValue, .number(Double(open[$0] ?? 0))) })
    }
}

extension SLAReport.TenantSLA {
    var json: JSONValue {
        .object([
            ("tenant", .string(tenant.id)),
            ("time_zone", .string(tenant.timeZone.identifier)),
            ("period", .object([("from", .string(period.lowerBound.iso)), ("to", .string(period.upperBound.iso))])),
            ("open", SLAReport.openJSON(open)),
            ("responses", responses.json),
            (
                "by_reviewer",
                .array(
                    byReviewer.map { reviewer in
                        .object([
                            ("reviewer", .string(reviewer.reviewer)),
                            ("open", SLAReport.countsJSON(reviewer.open)),
                            ("responses", reviewer.responses.json),
                        ])
                    })
            ),
        ])
    }
}

extension ResponseStatistics {
    var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return .object([
            ("received", .number(Double(received))),
            ("responded", .number(Double(responded))),
            ("on_time", .number(Double(onTime))),
            ("late", .number(Double(late))),
            ("closed_without_response", .number(Double(closedWithoutResponse))),
            ("on_time_rate", number(onTimeRate)),
            ("median_business_days", number(medianBusinessDays)),
            ("p90_business_days", number(p90BusinessDays)),
        ])
    }
}

// MARK: - Text (`sla`)

extension Reports {
    /// The SLA report for people: per tenant, the open counts, the breached and
    /// at-risk lists (the queue has the rest), the period's first responses and
    /// one line per reviewer. Partner names are padded by display width, so
    /// Japanese names line up with Latin ones.
    ///
    /// ```
    /// retail-jp  (Asia/Tokyo)  open: 1 breached, 1 at risk, 2 on track
    ///   Breached
    ///     retail-jp-2  株式会社サクラ小売テック   due Fri 4 Dec   2 business days overdue
    /// ```
    public static func sla(_ report: SLAReport, width: Int = 80) -> String {
        guard !report.tenants.isEmpty else { return "No tenants to report on.\n" }
        var out = ""
        for (index, tenant) in report.tenants.enumerated() {
            if index > 0 { out += "\n" }
            out += slaTenant(tenant, width: width)
        }
        return out
    }

    static func slaTenant(_ report: SLAReport.TenantSLA, width: Int) -> String {
        let counts = SLAReport.openStates.reversed().map { state in
            "\(report.open[state]?.count ?? 0) \(state == .onTrack ? "on track" : state == .atRisk ? "at risk" : "breached")"
        }
        var out =
            "\(report.tenant.id)  (\(report.tenant.timeZone.identifier))  open: \(counts.joined(separator: ", "))\n"
        let listed = [SLAState.breached, .atRisk].flatMap { report.open[$0] ?? [] }
        func due(_ view: SubmissionView) -> String {
            view.deadline.map { HumanDates.day($0.dueDate, withYear: $0.dueDate.year != view.today.year) } ?? ""
        }
        let idWidth = max(listed.map { TerminalText.width($0.id) }.max() ?? 0, 2) + 2
        // A 26-cell name (株式会社ツバメ流通システム) fits whole, and the line stays within 80.
        let partnerWidth = min(max(listed.map { TerminalText.width(safe(partnerName($0))) }.max() ?? 0, 7) + 2, 28)
        let dueWidth = (listed.map { TerminalText.width(due($0)) }.max() ?? 0) + 2
        if !listed.isEmpty {
            out +=
                "    " + TerminalText.pad("ID", to: idWidth) + TerminalText.pad("PARTNER", to: partnerWidth)
                + "DUE\n"
        }
        for state in [SLAState.breached, .atRisk] {
            guard let views = report.open[state], !views.isEmpty else { continue }
            out += state == .breached ? "  Breached\n" : "  At risk\n"
            for view in views {
                let left = view.businessDaysLeft ?? 0
                let room =
                    state == .breached
                    ? "\(max(0, -left)) business day\(left == -1 ? "" : "s") overdue"
                    : view.deadline?.dueDate == view.today
                        ? "today is the last day"
                        : "\(left) business day\(left == 1 ? "" : "s") left"
                let line =
                    "    " + TerminalText.pad(view.id, to: idWidth)
                    + TerminalText.pad(
                        TerminalText.truncate(safe(partnerName(view)), to: partnerWidth - 2), to: partnerWidth)
                    + TerminalText.pad(due(view), to: dueWidth) + room
                out += TerminalText.truncate(line, to: max(width, 40)) + "\n"
            }
        }
        let period = "\(HumanDates.day(report.period.lowerBound)) – \(HumanDates.day(report.period.upperBound))"
        out += "  First responses, received \(period):\n"
        out += "    " + responsesLine(report.responses) + "\n"
        if !report.byReviewer.isEmpty {
            // One row per reviewer; numbers right-aligned under their headings.
            let nameWidth = min(
                max(report.byReviewer.map { TerminalText.width(safe($0.reviewer)) }.max() ?? 0, 8) + 2, 20)
            let headings = ["OPEN", "AT RISK", "BREACHED", "ANSWERED", "ON TIME", "MEDIAN", "P90"]
            out += "  " + TerminalText.pad("REVIEWER", to: nameWidth + 2)
            out += headings.map { right($0, $0.count + 2) }.joined() + "\n"
            for reviewer in report.byReviewer {
                let stats = reviewer.responses
                let openCount: Int = SLAReport.openStates.reduce(0) { $0 + (reviewer.open[$1] ?? 0) }
                let rate: String = stats.onTimeRate.map { "\(Int(($0 * 100).rounded()))%" } ?? "-"
                let median: String = stats.medianBusinessDays.map(days) ?? "-"
                let p90: String = stats.p90BusinessDays.map(days) ?? "-"
                let cells: [String] = [
                    String(openCount), String(reviewer.open[.atRisk] ?? 0), String(reviewer.open[.breached] ?? 0),
                    String(stats.responded), rate, median, p90,
                ]
                var line =
                    "    "
                    + TerminalText.pad(TerminalText.truncate(safe(reviewer.reviewer), to: nameWidth - 2), to: nameWidth)
                line += zip(cells, headings).map { right($0, $1.count + 2) }.joined()
                out += TerminalText.truncate(line, to: max(width, 40)) + "\n"
            }
        }
        return out
    }

    static func right(_ text: String, _ columns: Int) -> String {
        String(repeating: " ", count: max(0, columns - TerminalText.width(text))) + text
    }

    /// "12 received, 8 answered: 7 on time (88%), 1 late; median 3, p90 5 business days"
    static func responsesLine(_ stats: ResponseStatistics) -> String {
        var line = "\(stats.received) received, \(stats.responded) answered"
        if let rate = stats.onTimeRate {
            line += ": \(stats.onTime) on time (\(Int((rate * 100).rounded()))%), \(stats.late) late"
        }
        if let median = stats.medianBusinessDays, let p90 = stats.p90BusinessDays {
            line += "; median \(days(median)), p90 \(days(p90)) business days"
        }
        if stats.closedWithoutResponse > 0 { line += "; \(stats.closedWithoutResponse) closed unanswered" }
        return line
    }

    static func days(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func partnerName(_ view: SubmissionView) -> String {
        view.record.partner ?? view.record.sender.map(displayName) ?? "unknown sender"
    }
}

// MARK: - `sla explain ID`

/// Why a submission is due when it is: every day from the receipt's local date to
/// the due date, counted or skipped, in the tenant's language.
///
/// The walk is recomputed from the tenant's calendar (`SLAExplanation`), which is
/// what `competency calendar due` answers for the same receipt time; when it differs
/// from the due date stored at receipt (the calendar or the SLA length changed since),
/// `note` says so, and the stored date is the one the desk holds the office to.
public struct DeadlineExplanation: Sendable {
    public let view: SubmissionView
    public let language: TextLanguage
    /// The revision whose receipt started the clock: this submission, or an earlier
    /// unanswered revision whose deadline it carries.
    public let clockOriginID: String
    public let clockStartedAt: Date
    /// The day-by-day count; nil when the submission has no SLA.
    public let walk: SLAExplanation?
    /// The end of the walk's due date in the tenant's zone.
    public let deadline: Date?
    /// Why there is no walk, or how the walk and the stored due date disagree; nil when all agree.
    public let note: String?

    /// When the first response went out, if it has.
    public var respondedAt: Date? { view.record.respondedAt.map(Date.init(timeIntervalSince1970:)) }
    /// Whether that response met the stored deadline (PRODUCT.md §6: `met` keeps whether it was on time).
    public var onTime: Bool? {
        guard let responded = view.record.respondedAt, let deadline = view.record.deadline else { return nil }
        return responded <= deadline
    }

    /// `{"id", "tenant", "received_at", "receipt_local_date", "due_date", "deadline",
    /// "business_days", "days": [{"date", "weekday", "counted", "count", "reason"}]}`
    /// plus the SLA state, the stored due date and any note.
    public var json: JSONValue {
        let zone = view.timeZone
        return .object([
            ("id", .string(view.id)),
            ("tenant", .string(view.tenant)),
            ("time_zone", .string(zone.identifier)),
            ("received_at", .string(ISO8601.format(view.receivedAt, in: zone))),
            ("clock_started_by", .string(clockOriginID)),
            ("clock_started_at", .string(ISO8601.format(clockStartedAt, in: zone))),
            ("receipt_local_date", .string(view.record.receivedAtLocalDate(in: zone, or: walk))),
            ("due_date", .optionalString(walk?.dueDate.iso)),
            ("deadline", deadline.map { .string(ISO8601.format($0, in: zone)) } ?? .null),
            ("stored_due_date", .optionalString(view.record.dueDate)),
            ("business_days", walk.map { .number(Double($0.businessDays)) } ?? .null),
            ("sla", .string(view.sla.rawValue)),
            ("responded_at", respondedAt.map { .string(ISO8601.format($0, in: zone)) } ?? .null),
            ("on_time", onTime.map(JSONValue.bool) ?? .null),
            ("reason", .optionalString(note)),
            (
                "days",
                .array(
                    (walk?.days ?? []).map { day in
                        .object([
                            ("date", .string(day.date.iso)),
                            ("weekday", .string(day.date.weekday.name(in: language))),
                            ("counted", .bool(day.counted)),
                            ("count", day.count.map { .number(Double($0)) } ?? .null),
                            ("reason", .string(day.reason(in: language))),
                        ])
                    })
            ),
        ])
    }
}

extension SubmissionRecord {
    /// The local date the walk starts from, else (no SLA) the receipt's own local date.
    fileprivate func receivedAtLocalDate(in zone: TimeZone, or walk: SLAExplanation?) -> String {
        if let walk { return walk.receiptDate.iso }
        return BusinessCalendar(timeZone: zone).localDate(of: receivedAtDate).iso
    }
}

extension Desk {
    /// `competency sla explain ID`: the day-by-day arithmetic of one submission's deadline.
    public func explainDeadline(of id: String, now: Date) throws(DeskError) -> DeadlineExplanation {
        let (view, store) = try submission(id, now: now)
        let tenant = try tenant(named: view.tenant)
        let record = view.record
        guard let stored = record.responseDeadline else {
            let why =
                record.verdict == "ignored"
                ? "no SLA: \(record.ignoredReason ?? "not a submission") (ignored; nothing is owed)"
                : "no SLA: this submission has no response deadline"
            return DeadlineExplanation(
                view: view, language: tenant.language, clockOriginID: view.id, clockStartedAt: view.receivedAt,
                walk: nil, deadline: nil, note: why)
        }
        var lookUpFailure: DeskError?
        let origin = Self.clockOrigin(of: record) { number in
            do { return try store.submission(number: number) } catch let error as StoreError {
                lookUpFailure = .failed(error.description)
                return nil
            } catch {
                lookUpFailure = .failed("\(error)")
                return nil
            }
        }
        if let lookUpFailure { throw lookUpFailure }
        let calendar = tenant.calendar
        let originID = "\(tenant.id)-\(origin.number ?? 0)"
        let walk = SLAExplanation(
            receiptDate: calendar.localDate(of: origin.receivedAtDate), businessDays: tenant.sla.businessDays,
            calendar: calendar)
        var note: String?
        if walk.dueDate != stored.dueDate {
            note =
                "the stored due date is \(stored.dueDate.iso), but \(tenant.id)'s calendar now gives \(walk.dueDate.iso): the calendar or the SLA length changed after receipt; the stored date is the one the desk holds the office to"
        } else if origin.number != record.number {
            note =
                "the deadline is \(originID)'s: this revision followed it before it was answered, and a follow-up does not move the deadline"
        }
        return DeadlineExplanation(
            view: view, language: tenant.language, clockOriginID: originID, clockStartedAt: origin.receivedAtDate,
            walk: walk, deadline: calendar.endOfDay(walk.dueDate), note: note)
    }
}

extension Reports {
    /// `sla explain` for people: one line a day, the count running down the side.
    ///
    /// ```
    /// retail-jp-1  received Mon 30 Nov 2026 09:15 +09:00 (Asia/Tokyo)
    /// due Mon 7 Dec 2026: the 5th business day after the day of receipt
    /// deadline 2026-12-07T23:59:59+09:00
    ///
    ///   2026-11-30  月曜日   -  受付日（数えない）
    ///   2026-12-01  火曜日   1  営業日
    /// ```
    public static func explanation(_ explained: DeadlineExplanation) -> String {
        let view = explained.view
        var out =
            "\(view.id)  received \(HumanDates.dateTime(view.receivedAt, in: view.timeZone)) (\(view.timeZone.identifier))\n"
        if explained.clockOriginID != view.id {
            out +=
                "clock started by \(explained.clockOriginID), received \(HumanDates.dateTime(explained.clockStartedAt, in: view.timeZone))\n"
        }
        guard let walk = explained.walk, let deadline = explained.deadline else {
            return out + safe(explained.note ?? "no SLA") + "\n"
        }
        out +=
            "due \(HumanDates.day(walk.dueDate)): the \(ordinal(walk.businessDays)) business day after the day of receipt\n"
        out += "deadline \(ISO8601.format(deadline, in: view.timeZone))  (SLA now: \(view.sla.rawValue))\n"
        if let respondedAt = explained.respondedAt {
            out +=
                "first response \(HumanDates.dateTime(respondedAt, in: view.timeZone)), \(explained.onTime == true ? "on time" : "late")\n"
        }
        if let note = explained.note { out += "note: \(safe(note))\n" }
        out += "\n"
        let names = walk.days.map { $0.date.weekday.name(in: explained.language) }
        let nameWidth = (names.map(TerminalText.width).max() ?? 0) + 2
        let countWidth = String(walk.businessDays).count + 2
        for (day, name) in zip(walk.days, names) {
            let count = day.count.map(String.init) ?? "-"
            out += "  \(day.date.iso)  " + TerminalText.pad(name, to: nameWidth)
            out += String(repeating: " ", count: max(0, countWidth - 2 - count.count)) + count + "  "
            out += safe(day.reason(in: explained.language)) + "\n"
        }
        out +=
            "\nCheck it: competency calendar due --tenant \(view.tenant) --received \(ISO8601.format(explained.clockStartedAt, in: view.timeZone))\n"
        return out
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}
