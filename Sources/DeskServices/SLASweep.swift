import DeskConfig
import DeskCore
import DeskStore
import Foundation
import Logging

/// Asks, for every open submission of a tenant, "where does it stand at `now`?"
/// and records each state it newly entered in its history.
///
/// Contract — reads: open submissions with a deadline. Writes: one `sla-at-risk`
/// or `sla-breached` event per submission and state, never repeated across runs
/// or restarts. A submission first seen already breached gets `sla-breached`
/// only (PRODUCT.md §6). The alerts that go with these entries build on them.
public struct SLASweep: Sendable {
    public let tenant: TenantConfiguration
    public let store: SubmissionStore

    public init(tenant: TenantConfiguration, store: SubmissionStore) {
        self.tenant = tenant
        self.store = store
    }

    /// The latest deadline that can be at risk or breached at `now`: the end of the
    /// day one business day beyond the at-risk window (a submission is at risk from
    /// the start of the `at_risk_business_days`-th business day before its due date).
    /// Everything due later is on track, so the sweep and the alerts never read it.
    public static func candidateBound(for tenant: TenantConfiguration, at now: Date) -> Date {
        let today = tenant.calendar.localDate(of: now)
        let horizon = tenant.calendar.businessDay(tenant.sla.atRiskBusinessDays + 1, after: today)
        return tenant.calendar.startOfDay(horizon.adding(days: 1))
    }

    /// Runs one sweep; returns the (submission ID, state) pairs newly entered.
    /// Reads only the open submissions due by `candidateBound` that are not yet
    /// recorded as breached, and records what they entered in one transaction.
    @discardableResult
    public func sweep(at now: Date) throws(StoreError) -> [(String, SLAState)] {
        var entered: [(number: Int64, id: String, state: SLAState, detail: String)] = []
        let candidates = try store.openSubmissions(
            deadlineAtOrBefore: Self.candidateBound(for: tenant, at: now), notBreachedIn: .events)
        for record in candidates {
            guard let number = record.number else { continue }
            let view = SubmissionView(record: record, tenant: tenant, now: now)
            guard view.sla == .atRisk || view.sla == .breached, let deadline = view.deadline else { continue }
            let deadlineText = ISO8601.format(deadline.deadline, in: tenant.timeZone)
            let detail =
                view.sla == .breached
                ? "deadline \(deadlineText) passed without a response"
                : "the deadline \(deadlineText) is within \(tenant.sla.atRiskBusinessDays) business day(s)"
            entered.append((number, view.id, view.sla, detail))
        }
        // Only what is new is written: a submission at risk for days is not a write every minute.
        let known = try store.recordedSLAStates(among: entered.map(\.number))
        entered.removeAll { known.contains(SLAEntry(number: $0.number, state: $0.state.rawValue)) }
        guard !entered.isEmpty else { return [] }
        let recorded = try store.recordSLAStates(
            entered.map { (number: $0.number, state: $0.state.rawValue, detail: $0.detail) }, at: now)
        return entered.filter { recorded.contains(SLAEntry(number: $0.number, state: $0.state.rawValue)) }
            .map { ($0.id, $0.state) }
    }
}
