import DeskConfig
import DeskCore
import DeskOutgoing
import DeskStore
import Foundation

extension IngestPipeline {
    /// The office list's notice that one of the desk's messages bounced (issue 9,
    /// item 6): one per bounced message, however many reports come back for it (its
    /// Message-ID is made from the original's, and the queue keeps one of each).
    /// Never for a report about a notice of this kind: a loop stops there.
    func deliveryNotices(about original: OutgoingRecord, submissions: [Int64], status: String, mail: MailSettings)
        -> [PlannedMessage]
    {
        guard original.purpose != MessageTemplates.Kind.deliveryFailed.rawValue, !mail.officeList.isEmpty else {
            return []
        }
        let ids = submissions.map(submissionID)
        let fields: [String: Any] = [
            "tenant": tenant.id,
            "office_name": mail.office.displayName ?? tenant.displayName,
            "ids": ids.joined(separator: ", "),
            "purpose": original.purpose,
            "message_id": original.messageID,
            "original_subject": original.subject,
            "recipients": original.recipientList.joined(separator: ", "),
            "status": status,
            "show_command": ids.first.map { "competency history \($0)" } ?? "competency outbox",
        ]
        let kind = MessageTemplates.Kind.deliveryFailed
        return [
            OutgoingMail.compose(
                tenant: tenant, mail: mail, key: "\(kind.rawValue).\(original.messageID)", purpose: kind.rawValue,
                submissions: submissions, to: mail.officeList, subject: OutgoingMail.subject(mail, kind, fields),
                body: OutgoingMail.body(mail, kind, fields), at: Date())
        ]
    }
}
