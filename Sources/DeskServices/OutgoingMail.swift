import DeskConfig
import DeskCore
import DeskOutgoing
import DeskStore
import Foundation

/// What every message the desk writes has in common (PRODUCT.md §8): the office
/// as `From`, a stable Message-ID on the office's domain, `Auto-Submitted`, the
/// submission named in `X-Competency-Submission`, rendered once and recorded in
/// the outgoing queue byte for byte.
enum OutgoingMail {
    /// Renders one message for the queue. `key` names it uniquely within the
    /// tenant (e.g. `alert.at-risk.12.to.pdm@partner.example`); the Message-ID is
    /// made from it, so the same decision always gets the same ID.
    static func compose(
        tenant: TenantConfiguration, mail: MailSettings, key: String, purpose: String, submissions: [Int64],
        to: [Mailbox], cc: [Mailbox] = [], subject: String, body: String, at now: Date,
        inReplyTo: String? = nil, references: [String] = [], attachments: [OutgoingAttachment] = []
    ) -> PlannedMessage {
        let messageID = makeMessageID(local: "\(tenant.id).\(key)", domain: mail.messageIDDomain)
        var message = OutgoingMessage(
            from: mail.office, to: to, cc: cc, subject: subject, textBody: body, messageID: messageID, date: now,
            timeZone: tenant.timeZone)
        message.inReplyTo = inReplyTo
        message.references = references
        message.attachments = attachments
        // A message about no submission (a quarantined file) names none.
        message.extraHeaders =
            (submissions.isEmpty
                ? [] : [("X-Competency-Submission", submissions.map { "\(tenant.id)-\($0)" }.joined(separator: ", "))])
            + [("X-Competency-Purpose", purpose)]
        return PlannedMessage(
            messageID: messageID, purpose: purpose, submissions: submissions,
            recipients: message.recipients.map(\.address), subject: subject, message: message.rendered())
    }

    /// The subject a template renders, on one line whatever the template's line breaks.
    static func subject(_ mail: MailSettings, _ kind: MessageTemplates.Kind, _ fields: [String: Any]) -> String {
        mail.templates.subject(kind).render(fields)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The body a template renders, tidied (`tidyBody`).
    static func body(_ mail: MailSettings, _ kind: MessageTemplates.Kind, _ fields: [String: Any]) -> String {
        tidyBody(mail.templates.body(kind).render(fields))
    }

    /// A rendered body without the blank lines a leading template comment leaves,
    /// ending in one line break.
    static func tidyBody(_ text: String) -> String {
        let lines = text.components(separatedBy: "\n")
        let kept = lines.drop { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        var body = kept.joined(separator: "\n")
        while body.hasSuffix("\n\n") { body.removeLast() }
        if !body.hasSuffix("\n") { body += "\n" }
        return body
    }

    /// `2026-05-12 (火) 23:59 +09:00`: a time as the office reads it, in its language and zone.
    static func format(_ date: Date, in tenant: TenantConfiguration) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: tenant.language == .ja ? "ja_JP" : "en_US_POSIX")
        formatter.timeZone = tenant.timeZone
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "yyyy-MM-dd '('EEE')' HH:mm xxx"
        return formatter.string(from: date)
    }

    /// The partner's display name: the registry's, else the document's, else a placeholder.
    static func partnerName(_ record: SubmissionRecord, registry: PartnerRegistry?, language: TextLanguage) -> String {
        registry?.partner(of: record)?.name ?? record.partner
            ?? (language == .ja ? "（パートナー不明）" : "(unknown partner)")
    }

    /// Each recipient once, by address (case-insensitive), in order.
    static func distinct(_ mailboxes: [Mailbox]) -> [Mailbox] {
        var seen: Set<String> = []
        return mailboxes.filter { seen.insert($0.address.lowercased()).inserted }
    }

    /// The items of a submission that are not met, for the templates' `failing_items`.
    static func failingItems(_ record: SubmissionRecord, tenant: TenantConfiguration) -> [[String: Any]] {
        let checklist = record.program.flatMap { tenant.checklists[$0] }
        return record.checkList.filter { $0.status == .fail }.map { check in
            [
                "id": check.id,
                "title": checklist?.item(check.id)?.title.text(tenant.language) ?? check.id,
                "reason": check.reason,
            ]
        }
    }
}
