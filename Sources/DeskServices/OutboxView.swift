import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// `competency outbox`: what waits to be sent, what was sent and what failed.
public struct OutboxEntry: Sendable {
    public let tenant: TenantConfiguration
    public let record: OutgoingRecord

    public var json: JSONValue {
        let zone = tenant.timeZone
        func time(_ seconds: Double?) -> JSONValue {
            seconds.map { .string(ISO8601.format(Date(timeIntervalSince1970: $0), in: zone)) } ?? .null
        }
        return .object([
            ("tenant", .string(tenant.id)),
            ("message_id", .string(record.messageID)),
            ("purpose", .string(record.purpose)),
            ("submissions", .array(record.submissionNumbers.map { .string("\(tenant.id)-\($0)") })),
            ("recipients", .array(record.recipientList.map(JSONValue.string))),
            ("subject", .string(record.subject)),
            ("state", .string(record.state)),
            ("attempts", .number(Double(record.attempts))),
            ("created_at", time(record.createdAt)),
            ("sent_at", time(record.sentAt)),
            ("next_attempt_at", record.state == "pending" ? time(record.nextAttemptAt) : .null),
            ("last_error", .optionalString(record.lastError)),
            ("transport_detail", .optionalString(record.transportDetail)),
        ])
    }
}

extension Desk {
    /// Every readable tenant's outgoing queue (or one tenant's), newest first.
    public func outbox(tenant name: String?) throws(DeskError) -> (entries: [OutboxEntry], skipped: [DeskError]) {
        let tenants = try name.map { name throws(DeskError) in [try tenant(named: name)] } ?? configuration.tenants
        var entries: [OutboxEntry] = []
        var skipped: [DeskError] = []
        for tenant in tenants {
            do {
                let records = try store(for: tenant, access: .read)?.outgoing() ?? []
                entries += records.map { OutboxEntry(tenant: tenant, record: $0) }
            } catch let error as DeskError {
                if name != nil { throw error }
                skipped.append(error)
            } catch {
                throw .failed("\(error)")
            }
        }
        entries.sort { $0.record.createdAt > $1.record.createdAt }
        return (entries, skipped)
    }
}

extension Reports {
    /// The outgoing queue for people: state, when, to whom, what.
    public static func outbox(_ entries: [OutboxEntry], width: Int = 80) -> String {
        guard !entries.isEmpty else { return "Nothing sent or waiting.\n" }
        var out = TerminalText.pad("STATE", to: 9) + TerminalText.pad("WHEN", to: 30) + "TO / SUBJECT\n"
        for entry in entries {
            let record = entry.record
            let zone = entry.tenant.timeZone
            let when: Double = record.state == "sent" ? (record.sentAt ?? record.createdAt) : record.nextAttemptAt
            out += TerminalText.pad(record.state, to: 9)
            out += TerminalText.pad(HumanDates.dateTime(Date(timeIntervalSince1970: when), in: zone), to: 30)
            out += TerminalText.truncate(safe(record.recipientList.joined(separator: ", ")), to: max(10, width - 39)) + "\n"
            out += String(repeating: " ", count: 39)
                + TerminalText.truncate(safe(record.subject), to: max(10, width - 39)) + "\n"
            if record.state != "sent", let error = record.lastError {
                let attempts = "attempt \(record.attempts): "
                out += String(repeating: " ", count: 39)
                    + TerminalText.truncate(safe(attempts + error), to: max(10, width - 39)) + "\n"
            }
        }
        return out
    }
}
