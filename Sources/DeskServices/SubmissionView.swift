import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// A submission as the queue and `show` present it, at one instant.
///
/// Encodes to the JSON of PRODUCT.md §9: absent values are `null`, never
/// missing keys, because scripts test for them.
public struct SubmissionView: Sendable {
    public let id: String
    public let tenant: String
    public let record: SubmissionRecord
    public let deadline: ResponseDeadline?
    public let sla: SLAState
    /// Business days from today to the due date (0 on the due date; negative once past).
    public let businessDaysLeft: Int?
    public let timeZone: TimeZone
    public let today: LocalDate

    public init(record: SubmissionRecord, tenant: TenantConfiguration, now: Date) {
        self.id = "\(tenant.id)-\(record.number ?? 0)"
        self.tenant = tenant.id
        self.record = record
        self.timeZone = tenant.timeZone
        let deadline = record.responseDeadline
        self.deadline = deadline
        let today = tenant.calendar.localDate(of: now)
        self.today = today
        self.sla = tenant.sla.state(
            deadline: deadline, respondedAt: record.respondedAt.map(Date.init(timeIntervalSince1970:)), at: now,
            calendar: tenant.calendar)
        if let due = deadline?.dueDate {
            businessDaysLeft =
                due >= today
                ? tenant.calendar.businessDays(after: today, through: due)
                : -tenant.calendar.businessDays(after: due, through: today)
        } else {
            businessDaysLeft = nil
        }
    }

    public var receivedAt: Date { Date(timeIntervalSince1970: record.receivedAt) }

    /// "due Fri 4 Dec, 3 business days left" — the deadline as a reviewer plans with it.
    public var dueDescription: String {
        guard let deadline, let left = businessDaysLeft else {
            return record.verdict == "ignored" ? "no SLA (\(record.ignoredReason ?? "ignored"))" : "no SLA"
        }
        let day = "due \(HumanDates.day(deadline.dueDate, withYear: deadline.dueDate.year != today.year))"
        if record.respondedAt != nil { return "\(day), answered" }
        if sla == .breached {
            return left < 0 ? "\(day), overdue by \(-left) business day\(left == -1 ? "" : "s")" : "\(day), overdue"
        }
        if deadline.dueDate == today { return "\(day), today is the last day" }
        return "\(day), \(left) business day\(left == 1 ? "" : "s") left"
    }

    /// The fields `queue --json` prints for each entry.
    public var summaryJSON: JSONValue {
        .object([
            ("id", .string(id)),
            ("tenant", .string(tenant)),
            ("partner", .optionalString(record.partner)),
            ("subject", .optionalString(record.subject)),
            ("message_id", .optionalString(record.messageID)),
            ("received_at", .string(ISO8601.format(receivedAt, in: timeZone))),
            ("due_date", .optionalString(deadline?.dueDate.iso)),
            ("due_at", deadline.map { .string(ISO8601.format($0.deadline, in: timeZone)) } ?? .null),
            ("business_days_left", businessDaysLeft.map { .number(Double($0)) } ?? .null),
            ("verdict", .string(record.verdict)),
            ("sla", .string(sla.rawValue)),
        ])
    }

    static func changesJSON(_ comparison: RevisionComparison) -> JSONValue {
        .object([
            (
                "checks",
                .array(
                    comparison.flipped.map {
                        .object([
                            ("id", .string($0.id)), ("from", .optionalString($0.from?.rawValue)),
                            ("to", .optionalString($0.to?.rawValue)),
                        ])
                    })
            ),
            (
                "fields",
                .array(
                    comparison.changed.map {
                        .object([("path", .string($0.path)), ("from", .optionalString($0.from)), ("to", .optionalString($0.to))])
                    })
            ),
        ])
    }

    static func reviewJSON(_ review: ReviewRecord?, in zone: TimeZone, reviewerZone: TimeZone?) -> JSONValue {
        guard let review else { return .null }
        let fields: [(String, JSONValue)] = [
            ("reviewer", .string(review.reviewer)),
            ("start", .string(ISO8601.format(review.startDate, in: zone))),
            ("end", .string(ISO8601.format(review.endDate, in: zone))),
            ("start_reviewer_time", .string(ISO8601.format(review.startDate, in: reviewerZone ?? zone))),
            ("state", .string(review.state)),
            ("uid", .string(review.uid)),
            ("sequence", .number(Double(review.sequence))),
            (
                "answers",
                .array(
                    review.answerList.map {
                        .object([("address", .string($0.address)), ("partstat", .string($0.partstat))])
                    })
            ),
        ]
        return .object(fields)
    }

    /// The fields `show --json` prints: the summary plus the detail.
    public func detailJSON(
        notes: [NoteRecord], previous: SubmissionRecord? = nil, review: ReviewRecord? = nil, reviewerZone: TimeZone? = nil
    ) -> JSONValue {
        guard case .object(var fields) = summaryJSON else { return summaryJSON }
        fields.append(contentsOf: [
            ("sender", .optionalString(record.sender)),
            ("date_header", .optionalString(record.dateHeader)),
            ("receipt_source", .string(record.receiptSource)),
            ("assignee", .optionalString(record.assignee)),
            ("review", Self.reviewJSON(review, in: timeZone, reviewerZone: reviewerZone)),
            ("ignored_reason", .optionalString(record.ignoredReason)),
            ("problems", .array(record.problemList.map(JSONValue.string))),
            ("archive_path", .string(record.archivePath)),
            ("program", .optionalString(record.program)),
            ("document", .optionalString(record.documentName)),
            (
                "checks",
                .array(
                    record.checkList.map {
                        .object([("id", .string($0.id)), ("status", .string($0.status.rawValue)), ("reason", .string($0.reason))])
                    })
            ),
            ("revision", .number(Double(record.revision))),
            ("previous_revision", previous?.number.map { .string("\(tenant)-\($0)") } ?? .null),
            ("changes_since_previous", previous.map { Self.changesJSON(RevisionComparison(previous: $0, current: record)) } ?? .null),
            (
                "notes",
                .array(
                    notes.map { note in
                        .object([
                            ("author", .string(note.author)),
                            ("at", .string(ISO8601.format(Date(timeIntervalSince1970: note.at), in: timeZone))),
                            ("text", .string(note.text)),
                        ])
                    })
            ),
        ])
        return .object(fields)
    }
}
