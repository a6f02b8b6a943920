import DeskConfig
import DeskCore
import DeskStore
import Foundation
import Logging

extension Desk {
    /// `competency schedule ID [--at ISO8601] [--reviewer R] [--cancel]` (issue 10, item 3).
    /// `--reviewer` assigns first (the pool's rules apply, as with `assign`); `--at` books
    /// that time (refused on a closed day, an away day or over another review, with
    /// the reason); neither books the first free slot. `--cancel` cancels the booking.
    func schedule(
        _ id: String, at: String?, reviewer name: String?, cancel: Bool, by actor: String, now: Date
    ) throws(DeskError) -> DeskOutcome {
        guard let (tenant, _) = configuration.resolve(submissionID: id) else {
            throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id))
        }
        let (view, store) = try submission(id, now: now, access: .write)
        guard let number = view.record.number else { throw .unknownSubmission(id, knownTenants: []) }
        let scheduling = ReviewScheduling(tenant: tenant, store: store)
        if cancel {
            if at != nil || name != nil { throw .badArgument("--cancel takes no --at or --reviewer") }
            let done: Bool
            do { done = try store.cancelReview(number, by: actor, at: now) } catch { throw .failed(error.description) }
            guard done else { throw .badArgument("\(id) has no booked review to cancel") }
            return .scheduled(submission: id, summary: "The review of \(id) is cancelled.")
        }
        guard view.record.verdict == "ready", view.record.closedAt == nil else {
            throw .badArgument("\(id) is \(view.record.verdict): only a ready submission is reviewed")
        }
        if let name, !(tenant.reviewers.first { $0.isNamed(name) }.map { $0.id == view.record.assignee } ?? false) {
            _ = try assign(id, to: name, by: actor, force: false, now: now)
        }
        let (current, _) = try submission(id, now: now, access: .write)
        guard let assignee = current.record.assignee, let reviewer = tenant.reviewers.first(where: { $0.id == assignee })
        else {
            throw .badArgument("\(id) has no reviewer from the pool yet; add --reviewer R")
        }
        let start: Date
        if let at {
            guard let parsed = ISO8601.parse(at, defaultZone: tenant.timeZone) else {
                throw .badArgument("--at \"\(SafeText.escapingControls(at))\" is not an ISO 8601 time (2026-12-08T10:00, or with an offset)")
            }
            guard parsed > now else { throw .badArgument("--at \(at) is in the past") }
            let day = tenant.calendar.localDate(of: parsed)
            if let closed = tenant.calendar.reasonClosed(day) {
                throw .badArgument("\(day.iso) is not a business day (\(closed)); not booked")
            }
            if reviewer.isAway(on: day) { throw .badArgument("\(reviewer.id) is away on \(day.iso); not booked") }
            start = parsed
        } else {
            let slot: (Date, Date)?
            do { slot = try scheduling.firstSlot(for: reviewer, record: current.record, now: now) } catch {
                throw .failed(error.description)
            }
            guard let slot else { throw .badArgument("no free slot for \(reviewer.id) in the next 120 days") }
            start = slot.0
        }
        let end = start.addingTimeInterval(Double(tenant.review.minutes) * 60)
        let record: ReviewRecord
        do {
            record = try store.bookReview(
                number, reviewer: reviewer.id, start: start, end: end, uid: scheduling.uid(number), by: actor,
                detail: "\(reviewer.id), \(ISO8601.format(start, in: tenant.timeZone)) for \(tenant.review.minutes) minutes",
                at: now)
        } catch StoreError.conflict(let why) {
            throw .badArgument("\(why); not booked")
        } catch {
            throw .failed(error.description)
        }
        var summary = "The review of \(id) is booked with \(reviewer.id): \(HumanDates.dateTime(start, in: tenant.timeZone))"
        if let zone = reviewer.timeZone, zone.identifier != tenant.timeZone.identifier {
            summary += " (\(HumanDates.dateTime(start, in: zone)) for \(reviewer.id))"
        }
        summary += ", \(tenant.review.minutes) minutes (sequence \(record.sequence))."
        return .scheduled(submission: id, summary: summary)
    }

    /// The booked reviews of every tenant the caller may read (`competency reviews`).
    public func reviews(tenant only: String?) throws(DeskError) -> [(TenantConfiguration, ReviewRecord)] {
        var rows: [(TenantConfiguration, ReviewRecord)] = []
        for tenant in configuration.tenants where only == nil || tenant.id == only {
            guard let store = try store(for: tenant, access: .read) else { continue }
            do { rows += try store.bookedReviews().map { (tenant, $0) } } catch { throw .failed(error.description) }
        }
        return rows.sorted { $0.1.start < $1.1.start }
    }
}
