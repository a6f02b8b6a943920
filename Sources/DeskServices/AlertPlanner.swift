import DeskConfig
import DeskCore
import DeskOutgoing
import DeskStore
import Foundation

/// Decides the SLA alerts (PRODUCT.md §6) after each sweep and records them in the
/// outgoing queue; `OutgoingDelivery` sends them.
///
/// Contract — for every open submission that is `at-risk` or `breached` now and
/// was never alerted in that state: one alert, to the partner's PDM (the registry
/// row's `pdm_email`, else the tenant's `pdm_fallback`) and to every address of
/// the office list. A submission first seen breached gets the breached alert only
/// (its at-risk moment has passed). Each recipient gets one message per alert, or
/// with `alerts.digest` one digest for all of an instant's alerts to them. The
/// alerts, their messages and a history entry are recorded in one transaction,
/// keyed by (submission, state), so a sweep that runs again, a restart or a crash
/// never alerts twice. With `alerts.at_risk_in_business_hours`, at-risk alerts wait
/// for the tenant's business hours on a business day; breached ones never wait.
/// Nothing is alerted for submissions without an SLA (ignored, closed, answered).
public struct AlertPlanner: Sendable {
    public let tenant: TenantConfiguration
    public let mail: MailSettings
    public let store: SubmissionStore
    public let registry: PartnerRegistry?

    public init(tenant: TenantConfiguration, mail: MailSettings, store: SubmissionStore, registry: PartnerRegistry?) {
        self.tenant = tenant
        self.mail = mail
        self.store = store
        self.registry = registry
    }

    /// One decided alert and the fields its templates are given.
    struct Decided {
        var number: Int64
        var state: SLAState
        var recipients: [Mailbox]
        var fields: [String: Any]
    }

    /// Plans and records the alerts due at `now`; returns the (submission ID, state) pairs queued.
    @discardableResult
    public func plan(at now: Date) throws(StoreError) -> [(String, String)] {
        var decided: [Decided] = []
        let candidates = try store.openSubmissions(
            deadlineAtOrBefore: SLASweep.candidateBound(for: tenant, at: now), notBreachedIn: .alerts)
        let alerted = try store.alertedStates(among: candidates.compactMap(\.number))
        for record in candidates {
            guard let number = record.number else { continue }
            let view = SubmissionView(record: record, tenant: tenant, now: now)
            guard view.sla == .atRisk || view.sla == .breached else { continue }
            if alerted.contains(AlertKey(submission: number, state: view.sla.rawValue)) { continue }
            if view.sla == .atRisk {
                if alerted.contains(AlertKey(submission: number, state: SLAState.breached.rawValue)) { continue }
                if mail.atRiskInBusinessHours && !inBusinessHours(now) { continue }
            }
            decided.append(
                Decided(
                    number: number, state: view.sla, recipients: recipients(for: record),
                    fields: fields(for: view)))
        }
        guard !decided.isEmpty else { return [] }
        let messages = compose(decided, at: now)
        let alerts = decided.map {
            PlannedAlert(submission: $0.number, state: $0.state.rawValue, recipients: $0.recipients.map(\.address))
        }
        guard try store.queueAlerts(alerts, messages: messages, at: now) else { return [] }
        return decided.map { ("\(tenant.id)-\($0.number)", $0.state.rawValue) }
    }

    /// The partner's PDM (or the fallback), then the office list; each address once.
    func recipients(for record: SubmissionRecord) -> [Mailbox] {
        let pdm = registry?.partner(of: record)?.pdmEmail.flatMap(Mailbox.parse) ?? mail.pdmFallback
        return OutgoingMail.distinct((pdm.map { [$0] } ?? []) + mail.officeList)
    }

    /// Whether `now` is inside the tenant's business hours on one of its business days.
    func inBusinessHours(_ now: Date) -> Bool {
        let today = tenant.calendar.localDate(of: now)
        guard tenant.calendar.isBusinessDay(today) else { return false }
        let minutes = Int(now.timeIntervalSince(tenant.calendar.startOfDay(today)) / 60)
        return mail.businessHours.contains(minutes)
    }

    /// The template fields of one alert (MessageTemplates.Kind.alertFields).
    func fields(for view: SubmissionView) -> [String: Any] {
        let record = view.record
        let ja = tenant.language == .ja
        let left = view.businessDaysLeft ?? 0
        let failing = OutgoingMail.failingItems(record, tenant: tenant)
        var fields: [String: Any] = [
            "tenant": tenant.id,
            "office_name": mail.office.displayName ?? tenant.displayName,
            "id": view.id,
            "partner": OutgoingMail.partnerName(record, registry: registry, language: tenant.language),
            "subject": record.subject ?? (ja ? "（件名なし）" : "(no subject)"),
            "sender": record.sender ?? record.senderAddress ?? (ja ? "（不明）" : "(unknown)"),
            "received_at": OutgoingMail.format(view.receivedAt, in: tenant),
            "due_date": view.deadline?.dueDate.iso ?? "",
            "deadline": view.deadline.map { OutgoingMail.format($0.deadline, in: tenant) } ?? "",
            "business_days_left": max(left, 0),
            "verdict": record.verdict,
            "state": view.sla == .breached ? (ja ? "期限超過" : "breached") : (ja ? "期限間近" : "at risk"),
            "failing_items": failing,
            "has_failing_items": !failing.isEmpty,
            "show_command": "competency show \(view.id)",
        ]
        // Absent (not 0) while not overdue, so a template can test it with {{#business_days_overdue}}.
        if view.sla == .breached { fields["business_days_overdue"] = max(-left, 1) }
        return fields
    }

    /// One message per recipient and alert, or one digest per recipient with several.
    func compose(_ decided: [Decided], at now: Date) -> [PlannedMessage] {
        var order: [String] = []
        var byRecipient: [String: (mailbox: Mailbox, alerts: [Decided])] = [:]
        for alert in decided {
            for recipient in alert.recipients {
                let key = recipient.address.lowercased()
                if byRecipient[key] == nil {
                    order.append(key)
                    byRecipient[key] = (recipient, [])
                }
                byRecipient[key]!.alerts.append(alert)
            }
        }
        let stamp = Int(now.timeIntervalSince1970)
        var messages: [PlannedMessage] = []
        for key in order {
            guard let (mailbox, alerts) = byRecipient[key] else { continue }
            if mail.digest && alerts.count > 1 {
                let fields: [String: Any] = [
                    "tenant": tenant.id, "office_name": mail.office.displayName ?? tenant.displayName,
                    "count": alerts.count, "alerts": alerts.map(\.fields),
                ]
                let numbers = alerts.map(\.number)
                messages.append(
                    OutgoingMail.compose(
                        tenant: tenant, mail: mail, key: "alert-digest.\(stamp).\(key)", purpose: "alert-digest",
                        submissions: numbers, to: [mailbox], subject: OutgoingMail.subject(mail, .alertDigest, fields),
                        body: OutgoingMail.body(mail, .alertDigest, fields), at: now))
            } else {
                for alert in alerts {
                    let kind: MessageTemplates.Kind = alert.state == .breached ? .alertBreached : .alertAtRisk
                    messages.append(
                        OutgoingMail.compose(
                            tenant: tenant, mail: mail, key: "\(kind.rawValue).\(alert.number).\(key)",
                            purpose: kind.rawValue, submissions: [alert.number], to: [mailbox],
                            subject: OutgoingMail.subject(mail, kind, alert.fields),
                            body: OutgoingMail.body(mail, kind, alert.fields), at: now))
                }
            }
        }
        return messages
    }
}
