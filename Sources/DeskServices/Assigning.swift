import DeskConfig
import DeskCore
import DeskStore
import Foundation
import Logging

extension Desk {
    /// `competency assign ID REVIEWER [--force]` (issue 10, item 2): the tenant's rules
    /// (not away today, no conflict, under capacity) unless `force`, which is recorded
    /// with what it overrode.
    func assign(_ id: String, to name: String, by actor: String, force: Bool, now: Date) throws(DeskError) -> DeskOutcome {
        guard let (tenant, _) = configuration.resolve(submissionID: id) else {
            throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id))
        }
        guard !tenant.reviewers.isEmpty else {
            throw .badArgument(
                "tenant \(tenant.id) has no reviewer pool: add a reviewers: list to \(tenant.sourceFile.lastPathComponent)")
        }
        guard let reviewer = tenant.reviewers.first(where: { $0.isNamed(name) }) else {
            throw .badArgument(
                "no reviewer \"\(SafeText.escapingControls(name))\" in tenant \(tenant.id) (its reviewers: \(tenant.reviewers.map(\.id).joined(separator: ", ")))")
        }
        let (view, store) = try submission(id, now: now, access: .write)
        let record = view.record
        if record.closedAt != nil || record.verdict == "ignored" {
            throw .badArgument("\(id) is \(record.closedAt != nil ? "closed" : "ignored"): there is nothing to review")
        }
        if record.assignee == reviewer.id { throw .badArgument("\(id) is already assigned to \(reviewer.id)") }
        let registry: PartnerRegistry? = try partnerRegistry(of: tenant, failure: "the partner registry cannot be read, so conflicts cannot be checked")
        let rules = ReviewAssignment(tenant: tenant, store: store, registry: registry)
        let why: [String]
        do {
            why = rules.reasons(
                reviewer, for: record, on: tenant.calendar.localDate(of: now), openReviews: try store.openReviewCounts())
        } catch {
            throw .failed(error.description)
        }
        if !why.isEmpty && !force {
            throw .badArgument(
                "\(reviewer.id) may not review \(id): \(why.joined(separator: "; ")); not assigned (add --force to assign anyway, recorded)")
        }
        let forced = why.isEmpty ? nil : why.joined(separator: "; ")
        do {
            try store.assign(
                record.number ?? 0, to: reviewer.id, by: actor, detail: forced.map { "forced despite: \($0)" } ?? "",
                unlessAssigned: false, at: now)
        } catch {
            throw .failed(error.description)
        }
        return .assigned(submission: id, reviewer: reviewer.id, by: actor, forced: forced)
    }
}
