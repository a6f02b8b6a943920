import DeskConfig
import DeskCore
import DeskOutgoing
import DeskStore
import Foundation

/// Who reviews a ready submission (PRODUCT.md §7; issue 10, item 2).
///
/// Contract — a reviewer is eligible when they are not away on the review's
/// earliest day (K business days after the verdict, or today if later), have no
/// conflict with the partner (APN ID or registry name) and have fewer open reviews
/// than their capacity. The choice: the fewest open reviews first, ties broken by
/// who was assigned longest ago (never first), then by id. The daemon assigns each
/// ready, unassigned submission after every sweep (`assignReady`), never replacing
/// a person's choice; with nobody eligible it records so once and tells the office
/// list once, and tries again on every later sweep (a SIGHUP with a changed pool
/// is picked up at once). `competency assign` checks the same rules (`reasons`).
public struct ReviewAssignment: Sendable {
    public let tenant: TenantConfiguration
    public let store: SubmissionStore
    public let registry: PartnerRegistry?

    public init(tenant: TenantConfiguration, store: SubmissionStore, registry: PartnerRegistry?) {
        self.tenant = tenant
        self.store = store
        self.registry = registry
    }

    /// Why `reviewer` may not take `record` on `day`; empty when they may.
    public func reasons(
        _ reviewer: Reviewer, for record: SubmissionRecord, on day: LocalDate, openReviews: [String: Int]
    ) -> [String] {
        var why: [String] = []
        let partner = registry?.partner(of: record)
        if reviewer.isConflicted(apnID: partner?.apnID, partnerName: partner?.name ?? record.partner) {
            why.append("conflict of interest with \(partner?.name ?? record.partner ?? "the partner")")
        }
        if reviewer.isAway(on: day) { why.append("away on \(day.iso)") }
        let open = openReviews[reviewer.id] ?? 0
        // A submission already theirs does not count against them.
        let own = record.assignee == reviewer.id ? 1 : 0
        if open - own >= reviewer.capacity {
            why.append("has \(open - own) open review\(open - own == 1 ? "" : "s") (capacity \(reviewer.capacity))")
        }
        return why
    }

    /// The reviewer the rules choose for `record` at `now`, or every reviewer's reasons.
    public func choose(_ record: SubmissionRecord, at now: Date) throws(StoreError) -> Result<
        Reviewer, NoReviewer
    > {
        choose(record, at: now, open: try store.openReviewCounts(), last: try store.lastAssignedAt())
    }

    /// `choose` with the pool's open reviews and last assignments read once by the caller.
    func choose(_ record: SubmissionRecord, at now: Date, open: [String: Int], last: [String: Date]) -> Result<
        Reviewer, NoReviewer
    > {
        // "Not away on the slot": the day the review would be at the earliest.
        let verdictDay = tenant.calendar.localDate(of: Date(timeIntervalSince1970: record.createdAt))
        let day = max(
            tenant.calendar.businessDay(tenant.review.businessDaysAfter, after: verdictDay),
            tenant.calendar.localDate(of: now))
        var refusals: [(Reviewer, [String])] = []
        var eligible: [Reviewer] = []
        for reviewer in tenant.reviewers {
            let why = reasons(reviewer, for: record, on: day, openReviews: open)
            if why.isEmpty { eligible.append(reviewer) } else { refusals.append((reviewer, why)) }
        }
        let best = eligible.min { a, b in
            let (openA, openB) = (open[a.id] ?? 0, open[b.id] ?? 0)
            if openA != openB { return openA < openB }
            let (lastA, lastB) = (last[a.id] ?? .distantPast, last[b.id] ?? .distantPast)
            if lastA != lastB { return lastA < lastB }
            return a.id < b.id
        }
        if let best { return .success(best) }
        return .failure(NoReviewer(reasons: refusals.map { ($0.0.id, $0.1.joined(separator: "; ")) }))
    }

    public struct NoReviewer: Error, Sendable {
        public var reasons: [(reviewer: String, why: String)]
        public var summary: String {
            reasons.isEmpty
                ? "the tenant has no reviewers: (add a reviewers: list to its file)"
                : reasons.map { "\($0.reviewer): \($0.why)" }.joined(separator: "; ")
        }
    }

    /// Assigns every open, ready, unassigned submission; returns (ID, reviewer id) for each
    /// assignment made. With nobody eligible: one `no-reviewer` notice (and a mail to the
    /// office list when the tenant sends mail).
    @discardableResult
    public func assignReady(at now: Date) throws(StoreError) -> [(String, String)] {
        // No pool configured: assignment is left to people (`competency assign` needs a pool too).
        guard !tenant.reviewers.isEmpty else { return [] }
        var made: [(String, String)] = []
        // Read once per pass and kept current as it assigns: a backlog of thousands of
        // ready submissions nobody may take costs reads, not a write each (issue 11).
        var open = try store.openReviewCounts()
        var last = try store.lastAssignedAt()
        let told = try store.noticedSubmissions(kind: "no-reviewer")
        for record in try store.openReadySubmissions() where record.assignee == nil {
            guard let number = record.number else { continue }
            switch choose(record, at: now, open: open, last: last) {
            case .success(let reviewer):
                if try store.assign(
                    number, to: reviewer.id, by: "competencyd", detail: "chosen by the rules (fewest open reviews)",
                    unlessAssigned: true, at: now)
                {
                    made.append(("\(tenant.id)-\(number)", reviewer.id))
                    open[reviewer.id, default: 0] += 1
                    last[reviewer.id] = now
                }
            case .failure(let none):
                guard !told.contains(number) else { continue }
                try store.recordNotice(
                    "no-reviewer", on: number, detail: "no reviewer is eligible: \(none.summary)",
                    messages: noReviewerMail(record, none, at: now), at: now)
            }
        }
        return made
    }

    func noReviewerMail(_ record: SubmissionRecord, _ none: NoReviewer, at now: Date) -> [PlannedMessage] {
        guard let mail = tenant.mail, !mail.officeList.isEmpty, let number = record.number else { return [] }
        let id = "\(tenant.id)-\(number)"
        let fields: [String: Any] = [
            "tenant": tenant.id, "office_name": mail.office.displayName ?? tenant.displayName, "id": id,
            "partner": OutgoingMail.partnerName(record, registry: registry, language: tenant.language),
            "subject": record.subject ?? "", "show_command": "competency show \(id)",
            "reasons": none.reasons.isEmpty
                ? [["reviewer": "-", "why": tenant.language == .ja ? "レビュアーが設定されていません" : "no reviewers are configured"]]
                : none.reasons.map { ["reviewer": $0.reviewer, "why": $0.why] },
        ]
        let kind = MessageTemplates.Kind.noReviewer
        return [
            OutgoingMail.compose(
                tenant: tenant, mail: mail, key: "\(kind.rawValue).\(number)", purpose: kind.rawValue, submissions: [number],
                to: mail.officeList,
                subject: OutgoingMail.subject(mail, kind, fields), body: OutgoingMail.body(mail, kind, fields), at: now)
        ]
    }
}
