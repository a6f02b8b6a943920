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

    /// Runs one sweep; returns the (submission ID, state) pairs newly entered.
    @discardableResult
    public func sweep(at now: Date) throws(StoreError) -> [(String, SLAState)] {
        var entered: [(String, SLAState)] = []
        for record in try store.submissions(includeClosed: false) {
            guard let number = record.number else { continue }
            let view = SubmissionView(record: record, tenant: tenant, now: now)
            guard view.sla == .atRisk || view.sla == .breached, let deadline = view.deadline else { continue }
            let deadlineText = ISO8601.format(deadline.deadline, in: tenant.timeZone)
            let detail =
                view.sla == .breached
                ? "deadline \(deadlineText) passed without a response"
                : "the deadline \(deadlineText) is within \(tenant.sla.atRiskBusinessDays) business day(s)"
            if try store.recordSLAState(view.sla.rawValue, on: number, detail: detail, at: now) {
                entered.append((view.id, view.sla))
            }
        }
        return entered
    }
}
