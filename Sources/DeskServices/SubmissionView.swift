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

    /// The fields `show --json` prints: the summary plus the detail.
    public func detailJSON(notes: [NoteRecord]) -> JSONValue {
        guard case .object(var fields) = summaryJSON else { return summaryJSON }
        fields.append(contentsOf: [
            ("sender", .optionalString(record.sender)),
            ("date_header", .optionalString(record.dateHeader)),
            ("receipt_source", .string(record.receiptSource)),
            ("assignee", .optionalString(record.assignee)),
            ("ignored_reason", .optionalString(record.ignoredReason)),
            ("problems", .array(record.problemList.map(JSONValue.string))),
            ("archive_path", .string(record.archivePath)),
            // The checklist is evaluated once documents are read; until then no check has run.
            ("checks", .array([])),
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

/// A JSON value with ordered keys, so output reads in the contract's order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    /// Pretty-printed JSON text with two-space indentation.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return Self.quote(value)
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n"
                + fields.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n")
                + "\n\(indent)}"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
