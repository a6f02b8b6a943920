import DeskConfig
import DeskCore
import DeskOutgoing
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
            let told = try tellPartner(id, tenant: tenant, store: store, number: number, by: actor, now: now)
            return .scheduled(submission: id, summary: "The review of \(id) is cancelled." + (told.map { " \($0)" } ?? ""))
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
            do {
                // A declined time is not offered again: the first free slot on a later day.
                let declined = try store.review(of: number).flatMap { $0.state == "declined" ? $0 : nil }
                let after = declined.map { tenant.calendar.localDate(of: $0.startDate).adding(days: 1) }
                slot = try scheduling.firstSlot(for: reviewer, record: current.record, now: now, notBefore: after)
            } catch {
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
        if record.sequence > 0, let told = try tellPartner(id, tenant: tenant, store: store, number: number, by: actor, now: now) {
            summary += " " + told
        }
        return .scheduled(submission: id, summary: summary)
    }

    /// After a move or a cancellation: when the partner was sent an earlier version of
    /// the review (`told_sequence` below its SEQUENCE), the update (`METHOD:REQUEST`,
    /// the same UID, the higher SEQUENCE) or the cancellation (`METHOD:CANCEL`) to the
    /// same people, handed over at once. Nil when nobody is owed one. Idempotent: the
    /// message's ID is made from the review's number and SEQUENCE and is queued once,
    /// so the daemon, which looks for owed updates at every sweep, and a person's
    /// command never send one version twice, and a crash between the booking and the
    /// update loses nothing.
    func tellPartner(_ id: String, tenant: TenantConfiguration, store: SubmissionStore, number: Int64, by actor: String, now: Date)
        throws(DeskError) -> String?
    {
        guard let mail = tenant.mail else { return nil }
        let review: ReviewRecord?
        do { review = try store.review(of: number) } catch { throw .failed(error.description) }
        guard let review, let told = review.toldSequence, told < review.sequence, review.state != "declined" else {
            return nil
        }
        let registry: PartnerRegistry? = try partnerRegistry(of: tenant, failure: "the partner registry cannot be read")
        let (view, _) = try submission(id, now: now)
        let drafter = ResponseDrafter(tenant: tenant, mail: mail, registry: registry)
        let headers = originalHeaders(view.record, tenant: tenant)
        let draft =
            review.state == "cancelled"
            ? try drafter.cancellation(view, originalHeaders: headers, review: review, now: now)
            : try drafter.draft(view, originalHeaders: headers, reviewer: actor, review: review, now: now)
        let purpose = review.state == "cancelled" ? "review-cancelled" : "scheduling-update"
        let planned = OutgoingMail.compose(
            tenant: tenant, mail: mail, key: "\(purpose).\(number).\(review.sequence)", purpose: purpose,
            submissions: [number], to: draft.to, cc: draft.cc, subject: draft.subject, body: draft.body, at: now,
            inReplyTo: draft.inReplyTo, references: draft.inReplyTo.map { [$0] } ?? [], attachments: draft.attachments)
        do {
            guard try store.queueMessage(planned, on: number, kind: purpose, by: actor, reviewSequence: review.sequence, at: now)
            else { return nil }
            if let record = try store.outgoing(messageID: planned.messageID) {
                _ = try OutgoingDelivery(store: store, transport: OutgoingDelivery.transport(for: mail)).deliver(record, at: now)
            }
        } catch { throw .failed(error.description) }
        return review.state == "cancelled"
            ? "The partner, the PDM and the reviewer were sent the cancellation (sequence \(review.sequence))."
            : "The partner, the PDM and the reviewer were sent the update (sequence \(review.sequence))."
    }

    /// The booked reviews of every tenant the caller may read (`competency reviews`):
    /// of one reviewer when `reviewer` is given (id, OS user, email or name, matched
    /// in each tenant's pool), starting on `from` through `to` (dates in each
    /// tenant's own time) when given.
    public func reviews(
        tenant only: String?, reviewer: String? = nil, from: LocalDate? = nil, to: LocalDate? = nil
    ) throws(DeskError) -> [(TenantConfiguration, ReviewRecord)] {
        if let only { _ = try tenant(named: only) }
        var rows: [(TenantConfiguration, ReviewRecord)] = []
        var knownReviewer = reviewer == nil
        for tenant in configuration.tenants where only == nil || tenant.id == only {
            var id: String?
            if let reviewer {
                guard let match = tenant.reviewers.first(where: { $0.isNamed(reviewer) }) else { continue }
                id = match.id
                knownReviewer = true
            }
            guard let store = try store(for: tenant, access: .read) else { continue }
            let booked: [ReviewRecord]
            do { booked = try store.bookedReviews(reviewer: id) } catch { throw .failed(error.description) }
            rows += booked.filter { review in
                let day = tenant.calendar.localDate(of: review.startDate)
                return (from.map { day >= $0 } ?? true) && (to.map { day <= $0 } ?? true)
            }.map { (tenant, $0) }
        }
        if let reviewer, !knownReviewer {
            throw .badArgument(
                "no reviewer \"\(SafeText.escapingControls(reviewer))\" in the pool of \(only ?? "any tenant") (an id, OS user, email or name from reviewers:)")
        }
        return rows.sorted { $0.1.start < $1.1.start }
    }

    /// The reviews as one calendar to subscribe to (`competency reviews --ics`): each
    /// review with its invitation's UID and SEQUENCE, its time in its tenant's zone,
    /// the office as organizer (a published event has no attendees).
    public func reviewCalendar(
        _ rows: [(TenantConfiguration, ReviewRecord)], name: String, tenant only: String? = nil, now: Date
    ) throws(DeskError) -> ReviewCalendar {
        var events: [ReviewInvitation] = []
        var registries: [String: PartnerRegistry?] = [:]
        for (tenant, review) in rows {
            let id = "\(tenant.id)-\(review.submissionNumber)"
            let record: SubmissionRecord?
            let store = try store(for: tenant, access: .read)
            do { record = try store?.submission(number: review.submissionNumber) } catch { throw .failed(error.description) }
            if registries[tenant.id] == nil {
                registries[tenant.id] = .some(try? partnerRegistry(of: tenant, failure: ""))
            }
            let registry = registries[tenant.id] ?? nil
            let partner = record.map { OutgoingMail.partnerName($0, registry: registry, language: tenant.language) } ?? id
            let pool = tenant.reviewers.first { $0.id == review.reviewer }
            let office =
                tenant.mail?.office ?? pool.map { Mailbox($0.email.address, name: $0.name) }
                ?? Mailbox("competency-desk@\(tenant.id).invalid")
            let text = ResponseDrafter.reviewText(
                partner: partner, id: id, subject: record?.subject, office: office.displayName ?? tenant.displayName,
                language: tenant.language)
            events.append(
                ReviewInvitation(
                    uid: review.uid, sequence: review.sequence, stamp: Date(timeIntervalSince1970: review.updatedAt),
                    start: review.startDate, end: review.endDate, timeZone: tenant.timeZone, organizer: office,
                    attendees: [], summary: text.summary, description: text.description))
        }
        let zone = (only.flatMap { configuration.tenant($0) } ?? configuration.tenants.first)?.timeZone
        return ReviewCalendar(name: name, events: events, emptyZone: zone ?? TimeZone(identifier: "UTC") ?? .current)
    }
}
