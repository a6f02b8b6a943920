import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// The review's slot (PRODUCT.md §7; issue 10, item 3).
///
/// Contract — the slot is at the tenant's `review.start` local time for
/// `review.minutes`, on the first business day at least `review.business_days_after`
/// business days after the verdict (the day the submission was stored ready), and
/// never in the past; a day is skipped when it is the tenant's holiday or closure,
/// the reviewer is away, or the reviewer has another booked review overlapping it.
/// The booking itself re-checks the overlap inside its transaction
/// (`SubmissionStore.bookReview`), so two submissions racing for one slot cannot
/// both have it. The daemon books every ready, assigned submission without a
/// review after each sweep, and books again a review someone declined (the first
/// free slot on a later day than the declined one); a cancelled review stays
/// cancelled until a person books it again (`competency schedule`).
public struct ReviewScheduling: Sendable {
    public let tenant: TenantConfiguration
    public let store: SubmissionStore

    public init(tenant: TenantConfiguration, store: SubmissionStore) {
        self.tenant = tenant
        self.store = store
    }

    /// A new review's UID: the submission, then 64 random bits (a UID that cannot be
    /// guessed from the submission's number is one more thing a forged answer must
    /// know), on the office's domain. Kept for every later version of the review.
    public func uid(_ number: Int64) -> String {
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "\(tenant.id)-\(number).\(token).review@\(tenant.mail?.messageIDDomain ?? "competency-desk.invalid")"
    }

    /// How many times the daemon books a declined review again by itself; after that
    /// a decline waits for a person (`competency schedule`), so an answering machine
    /// that declines every time cannot keep the desk moving the review.
    public static let automaticRebookings = 2

    /// The start instant of a review on `day` at the tenant's configured time.
    public func start(on day: LocalDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tenant.timeZone
        let components = DateComponents(
            year: day.year, month: day.month, day: day.day, hour: tenant.review.startMinute / 60,
            minute: tenant.review.startMinute % 60)
        return calendar.date(from: components) ?? tenant.calendar.startOfDay(day)
    }

    /// Why `reviewer` cannot have the review on `day` (nil: they can), `number` excluded from clashes.
    public func obstacle(
        _ reviewer: Reviewer, on day: LocalDate, for number: Int64, booked: [ReviewRecord]
    ) -> String? {
        if let closed = tenant.calendar.reasonClosed(day) { return "\(day.iso) is not a business day (\(closed))" }
        if reviewer.isAway(on: day) { return "\(reviewer.id) is away on \(day.iso)" }
        let start = start(on: day)
        let end = start.addingTimeInterval(Double(tenant.review.minutes) * 60)
        if let clash = booked.first(where: {
            $0.submissionNumber != number && $0.start < end.timeIntervalSince1970 && $0.end > start.timeIntervalSince1970
        }) {
            return "\(reviewer.id) has another review then (\(tenant.id)-\(clash.submissionNumber))"
        }
        return nil
    }

    /// The first possible slot for `reviewer`, looking at most 120 days ahead; on
    /// `notBefore` or later when given (after a declined time).
    public func firstSlot(
        for reviewer: Reviewer, record: SubmissionRecord, now: Date, notBefore: LocalDate? = nil
    ) throws(StoreError) -> (Date, Date)? {
        guard let number = record.number else { return nil }
        let verdictDay = tenant.calendar.localDate(of: Date(timeIntervalSince1970: record.createdAt))
        var day = tenant.calendar.businessDay(tenant.review.businessDaysAfter, after: verdictDay)
        let today = tenant.calendar.localDate(of: now)
        if day < today { day = today }
        if let notBefore, day < notBefore { day = notBefore }
        let booked = try store.bookedReviews(reviewer: reviewer.id)
        for _ in 0..<120 {
            if obstacle(reviewer, on: day, for: number, booked: booked) == nil && start(on: day) > now {
                let start = start(on: day)
                return (start, start.addingTimeInterval(Double(tenant.review.minutes) * 60))
            }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// What one booking pass did for one submission.
    public struct Booking: Sendable {
        public var id: String
        public var number: Int64
        public var start: Date
        /// A review someone had declined, now at its next time.
        public var rebooked: Bool
    }

    /// Books every open, ready, assigned submission that has no review row yet, and
    /// every declined review again (the reviewer's first free slot on a later day).
    @discardableResult
    public func bookAssigned(at now: Date) throws(StoreError) -> [Booking] {
        guard !tenant.reviewers.isEmpty else { return [] }
        var candidates: [(SubmissionRecord, ReviewRecord?)] = []
        // Ready and still unanswered, without a review yet.
        for record in try store.openReadySubmissions() {
            if let number = record.number, record.assignee != nil, try store.review(of: number) == nil {
                candidates.append((record, nil))
            }
        }
        // Declined: answered already (the notice was sent) or not, as long as it is not closed.
        for review in try store.reviews(inState: "declined") {
            if let record = try store.submission(number: review.submissionNumber), record.verdict == "ready",
                record.closedAt == nil
            {
                candidates.append((record, review))
            }
        }
        var booked: [Booking] = []
        for (record, declined) in candidates {
            guard let number = record.number else { continue }
            let assignee = record.assignee.flatMap { id in tenant.reviewers.first { $0.id == id } }
            if let declined {
                // A declined review the daemon may not or cannot book again: said once, left to a person.
                var why: String?
                if try store.declineCount(of: number) > Self.automaticRebookings {
                    why = "declined \(Self.automaticRebookings + 1) times"
                } else if assignee == nil {
                    why = "its reviewer \(declined.reviewer) is no longer in the pool"
                }
                if let why {
                    try store.recordNotice(
                        "review-left-to-a-person.\(declined.sequence)", on: number,
                        detail: "the review was \(why): the desk does not book it again by itself; book it with competency schedule \(tenant.id)-\(number)",
                        messages: [], at: now)
                    continue
                }
            }
            guard let reviewer = assignee else { continue }
            let after = declined.map { tenant.calendar.localDate(of: $0.startDate).adding(days: 1) }
            guard let (start, end) = try firstSlot(for: reviewer, record: record, now: now, notBefore: after) else {
                if let declined {
                    try store.recordNotice(
                        "review-left-to-a-person.\(declined.sequence)", on: number,
                        detail: "no free slot for \(reviewer.id) in the next 120 days: book the review with competency schedule \(tenant.id)-\(number)",
                        messages: [], at: now)
                }
                continue
            }
            let why = declined == nil ? "the first free slot" : "the first free slot after the declined time"
            do {
                _ = try store.bookReview(
                    number, reviewer: reviewer.id, start: start, end: end, uid: uid(number), by: "competencyd",
                    detail: "\(reviewer.id), \(ISO8601.format(start, in: tenant.timeZone)) for \(tenant.review.minutes) minutes (\(why))",
                    expecting: declined.map { .declined(sequence: $0.sequence) } ?? .noReview, at: now)
                booked.append(Booking(id: "\(tenant.id)-\(number)", number: number, start: start, rebooked: declined != nil))
            } catch StoreError.conflict {
                continue  // taken or changed meanwhile: the next sweep looks again
            }
        }
        return booked.sorted { $0.number < $1.number }
    }
}
