import DeskConfig
import DeskCore
import DeskDocuments
import DeskMail
import DeskOutgoing
import DeskStore
import Foundation

/// The first response to a partner (PRODUCT.md §6, §8; issue 9, item 5), drafted
/// from the submission as stored.
///
/// Contract:
/// - `incomplete` → the information request: every failing item with the
///   checklist's `ask` sentence (else its id and title), in the tenant's language;
/// - `triage` (no readable self-assessment) → the request for the document, with
///   the tenant's XLSX template attached when it has one checklist;
/// - `ready` → refused: its first response is the scheduling notice, not built yet;
///   `ignored`/closed → refused: no SLA, never answered.
/// Recipients: the sender, or its `Reply-To` when that domain is among the
/// partner's registry `sender_domains`; plus the document's `contact.email` when
/// its domain is too. A stored file without a sender (`competency ingest` of a bare
/// document) goes to `contact.email` under the same rule, else nobody: refused.
/// An address that is not a well-formed mailbox is never used. The draft threads
/// (`In-Reply-To`/`References`) to the partner's message.
public struct ResponseDrafter: Sendable {
    public let tenant: TenantConfiguration
    public let mail: MailSettings
    public let registry: PartnerRegistry?

    public init(tenant: TenantConfiguration, mail: MailSettings, registry: PartnerRegistry?) {
        self.tenant = tenant
        self.mail = mail
        self.registry = registry
    }

    public struct Draft: Sendable {
        public var kind: MessageTemplates.Kind
        public var to: [Mailbox]
        public var cc: [Mailbox] = []
        public var subject: String
        public var body: String
        public var inReplyTo: String?
        public var attachments: [OutgoingAttachment]
        /// Why each recipient was chosen, for `--dry-run` and the history.
        public var recipientReasons: [String]
    }

    /// Drafts the response; `originalHeaders` are the archived message's, when there is one.
    public func draft(
        _ view: SubmissionView, originalHeaders: MessageHeaders?, reviewer: String?, review: ReviewRecord? = nil,
        now: Date = Date()
    ) throws(DeskError) -> Draft {
        let record = view.record
        let kind: MessageTemplates.Kind
        switch record.verdict {
        case "incomplete": kind = .informationRequest
        case "triage": kind = .documentRequest
        case "ready":
            guard let review, review.state == "booked" else {
                throw .badArgument(
                    "\(view.id) is ready: its first response is the scheduling notice, and it has no booked review yet (competency schedule \(view.id)); nothing was sent"
                )
            }
            kind = .schedulingNotice
        default:
            throw .badArgument(
                "\(view.id) is \(record.verdict) (\(record.ignoredReason ?? "no SLA")): it is never answered; nothing was sent")
        }
        if record.closedAt != nil {
            throw .badArgument("\(view.id) is closed (\(record.ignoredReason ?? "closed")): it is never answered")
        }
        let (to, reasons, contactName) = try recipients(view, originalHeaders: originalHeaders)
        var fields = responseFields(view, contactName: contactName)
        if let reviewer = record.assignee ?? reviewer { fields["reviewer"] = reviewer }
        var attachments: [OutgoingAttachment] = []
        var cc: [Mailbox] = []
        switch kind {
        case .schedulingNotice:
            guard let review else { break }
            let pool = tenant.reviewers.first { $0.id == review.reviewer }
            fields["reviewer"] = pool?.name ?? review.reviewer
            fields["review_start"] = OutgoingMail.format(review.startDate, in: tenant)
            fields["review_end"] = OutgoingMail.format(review.endDate, in: tenant)
            let pdm = registry?.partner(of: record)?.pdmEmail.flatMap(Mailbox.parse) ?? mail.pdmFallback
            cc = Self.copies(pdm: pdm, reviewer: pool)
            attachments.append(invitation(view, review: review, reviewer: pool, partners: to, pdm: pdm, now: now).attachment())
        case .informationRequest:
            let items = askedItems(record)
            fields["items"] = items
            fields["has_items"] = !items.isEmpty
        default:
            if tenant.checklists.count == 1, let checklist = tenant.checklists.values.first,
                let bytes = try? SelfAssessmentTemplate.render(checklist: checklist, language: tenant.language, format: .xlsx)
            {
                let name = SelfAssessmentTemplate.fileName(for: checklist, format: .xlsx)
                fields["template_file"] = name
                attachments.append(
                    OutgoingAttachment(
                        filename: name, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        data: Data(bytes)))
            } else {
                fields["template_file"] = "competency template --tenant \(tenant.id) --format xlsx"
            }
        }
        let subject = OutgoingMail.subject(mail, kind, fields)
        return Draft(
            kind: kind, to: to, cc: cc, subject: subject,
            body: OutgoingMail.body(mail, kind, fields),
            inReplyTo: record.messageID.map(Self.bracketed), attachments: attachments, recipientReasons: reasons)
    }

    /// The cancellation of a review the partner was told of: `METHOD:CANCEL` with the
    /// review's UID and its raised SEQUENCE, to the same people as the notice.
    public func cancellation(_ view: SubmissionView, originalHeaders: MessageHeaders?, review: ReviewRecord, now: Date)
        throws(DeskError) -> Draft
    {
        let record = view.record
        let (to, reasons, contactName) = try recipients(view, originalHeaders: originalHeaders)
        var fields = responseFields(view, contactName: contactName)
        fields["reviewer"] = tenant.reviewers.first { $0.id == review.reviewer }?.name ?? review.reviewer
        fields["review_start"] = OutgoingMail.format(review.startDate, in: tenant)
        fields["review_end"] = OutgoingMail.format(review.endDate, in: tenant)
        let pdm = registry?.partner(of: record)?.pdmEmail.flatMap(Mailbox.parse) ?? mail.pdmFallback
        let pool = tenant.reviewers.first { $0.id == review.reviewer }
        let invitation = invitation(view, review: review, reviewer: pool, partners: to, pdm: pdm, now: now, method: .cancel)
        let kind = MessageTemplates.Kind.reviewCancelled
        return Draft(
            kind: kind, to: to, cc: Self.copies(pdm: pdm, reviewer: pool),
            subject: OutgoingMail.subject(mail, kind, fields), body: OutgoingMail.body(mail, kind, fields),
            inReplyTo: record.messageID.map(Self.bracketed), attachments: [invitation.attachment()],
            recipientReasons: reasons)
    }

    /// The review's iCalendar invitation (RFC 5545/5546 `METHOD:REQUEST`): the reviewer,
    /// the partner's contacts and the PDM; the seed's recommended attendees in the text.
    public func invitation(
        _ view: SubmissionView, review: ReviewRecord, reviewer: Reviewer?, partners: [Mailbox], pdm: Mailbox?, now: Date,
        method: ReviewInvitation.Method = .request
    ) -> ReviewInvitation {
        let partner = OutgoingMail.partnerName(view.record, registry: registry, language: tenant.language)
        var attendees: [ReviewInvitation.Attendee] = []
        if let reviewer { attendees.append(.init(mailbox: Mailbox(reviewer.email.address, name: reviewer.name), role: "CHAIR")) }
        attendees += partners.map { ReviewInvitation.Attendee(mailbox: $0) }
        if let pdm { attendees.append(.init(mailbox: pdm, role: "OPT-PARTICIPANT")) }
        let (summary, description) = Self.reviewText(
            partner: partner, id: view.id, subject: view.record.subject, office: mail.office.displayName ?? tenant.displayName,
            language: tenant.language)
        return ReviewInvitation(
            method: method, uid: review.uid, sequence: review.sequence, stamp: now, start: review.startDate,
            end: review.endDate, timeZone: tenant.timeZone, organizer: mail.office, attendees: Self.distinct(attendees),
            summary: summary, description: description)
    }

    /// The review's `SUMMARY` and `DESCRIPTION`: the partner, the submission, and the
    /// seed's recommended attendees (PRODUCT.md §7), in the tenant's language.
    static func reviewText(partner: String, id: String, subject: String?, office: String, language: TextLanguage)
        -> (summary: String, description: String)
    {
        if language == .ja {
            return (
                "コンピテンシー審査: \(partner)（\(id)）",
                "\(partner) の自己評価（\(id)、件名「\(subject ?? "")」）の審査です。\n出席をお願いする方: AWS 認定資格を持つエンジニア、運用責任者、事業開発の責任者。\n主催: \(office)"
            )
        }
        return (
            "Competency review: \(partner) (\(id))",
            "The review of \(partner)'s self-assessment (\(id), \"\(subject ?? "")\").\nPlease attend: an AWS-certified engineer, the operations lead and a business-development executive.\nOrganised by \(office)"
        )
    }

    /// Who gets a copy of the scheduling notice, its update and its cancellation: the
    /// PDM, and the reviewer, so that both can answer the invitation from their own
    /// calendars (an accepted or declined invitation comes back to the desk).
    static func copies(pdm: Mailbox?, reviewer: Reviewer?) -> [Mailbox] {
        OutgoingMail.distinct((pdm.map { [$0] } ?? []) + (reviewer.map { [Mailbox($0.email.address, name: $0.name)] } ?? []))
    }

    /// Each attendee once (by address), the first mention winning.
    static func distinct(_ attendees: [ReviewInvitation.Attendee]) -> [ReviewInvitation.Attendee] {
        var seen: Set<String> = []
        return attendees.filter { seen.insert($0.mailbox.address.lowercased()).inserted }
    }

    static func bracketed(_ id: String) -> String {
        let bare = id.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        return "<\(bare)>"
    }

    /// The fields every response template has (MessageTemplates.Kind.responseFields, less `reviewer`).
    func responseFields(_ view: SubmissionView, contactName: String?) -> [String: Any] {
        let ja = tenant.language == .ja
        return [
            "tenant": tenant.id,
            "office_name": mail.office.displayName ?? tenant.displayName,
            "id": view.id,
            "partner": OutgoingMail.partnerName(view.record, registry: registry, language: tenant.language),
            "subject": view.record.subject ?? (ja ? "（件名なし）" : "(no subject)"),
            "received_at": OutgoingMail.format(view.receivedAt, in: tenant),
            "due_date": view.deadline?.dueDate.iso ?? "",
            "contact_name": contactName ?? (ja ? "ご担当者" : "Partner team"),
        ]
    }

    /// The failing items and what to ask for each.
    func askedItems(_ record: SubmissionRecord) -> [[String: Any]] {
        let checklist = record.program.flatMap { tenant.checklists[$0] } ?? tenant.checklists.values.first
        return record.checkList.filter { $0.status == .fail }.map { check in
            let item = checklist?.item(check.id)
            let title = item?.title.text(tenant.language) ?? check.id
            let ask = item?.ask?.text(tenant.language) ?? check.reason
            return ["id": check.id, "title": title, "ask": ask]
        }
    }

    /// Who may be written to, and why; the contact's name when the document gives one.
    func recipients(_ view: SubmissionView, originalHeaders: MessageHeaders?) throws(DeskError) -> (
        [Mailbox], [String], String?
    ) {
        let record = view.record
        let domains = Set((registry?.partner(of: record)?.senderDomains ?? []).map { $0.lowercased() })
        func allowed(_ mailbox: Mailbox) -> Bool { domains.contains(mailbox.domain.lowercased()) }
        var to: [Mailbox] = []
        var reasons: [String] = []
        var senderName: String?
        if let address = record.senderMailbox ?? record.senderAddress, let sender = Mailbox.parse(address) {
            senderName = record.sender.flatMap(Mailbox.parse)?.displayName
            let replyTo = originalHeaders?["Reply-To"].flatMap { MailAddress.parseList($0).first }
                .flatMap(Mailbox.init(validating:))
            if let replyTo, replyTo.address.lowercased() != sender.address.lowercased() {
                if allowed(replyTo) {
                    to.append(replyTo)
                    reasons.append("\(replyTo.address): the message's Reply-To, a partner domain")
                } else {
                    to.append(sender)
                    reasons.append(
                        "\(sender.address): the sender (Reply-To \(replyTo.address) is outside the partner's sender_domains, not used)")
                }
            } else {
                to.append(sender)
                reasons.append("\(sender.address): the sender")
            }
        }
        let contact = Self.contact(in: record.documentJSON)
        if let email = contact.email {
            if let mailbox = Mailbox.parse(email), allowed(mailbox) {
                if !to.contains(where: { $0.address.lowercased() == mailbox.address.lowercased() }) {
                    to.append(Mailbox(mailbox.address, name: contact.name))
                    reasons.append("\(mailbox.address): the document's contact, a partner domain")
                }
            } else {
                reasons.append("\(email): the document's contact, not used (not a partner sender domain)")
            }
        }
        guard !to.isEmpty else {
            throw .badArgument(
                "\(view.id) has nobody it may be written to: no sender address, and the document's contact.email is missing or outside the partner's sender_domains; nothing was sent"
            )
        }
        return (OutgoingMail.distinct(to), reasons, contact.name ?? senderName)
    }

    /// `contact.name` and `contact.email` of the stored document, if any.
    static func contact(in documentJSON: String?) -> (name: String?, email: String?) {
        guard let documentJSON,
            let object = try? JSONSerialization.jsonObject(with: Data(documentJSON.utf8)) as? [String: Any],
            let contact = (object["partner"] as? [String: Any])?["contact"] as? [String: Any]
                ?? object["contact"] as? [String: Any]
        else { return (nil, nil) }
        let name = (contact["name"] as? String).map { SafeText.escapingControls($0) }
        let email = (contact["email"] as? String)?.trimmingCharacters(in: .whitespaces)
        return (name?.isEmpty == true ? nil : name, email?.isEmpty == true ? nil : email)
    }
}
