import Foundation
import GRDB

/// A submission's booked review (table `review`).
public struct ReviewRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "review"
    public var submissionNumber: Int64
    public var reviewer: String
    public var start: Double
    public var end: Double
    /// Stable across every change: a calendar updates the event it already has.
    public var uid: String
    /// Raised on every change (RFC 5545 SEQUENCE).
    public var sequence: Int
    /// `booked`; `declined` (an invited person declined this time: the daemon books
    /// the next slot); or `cancelled` (stays so until a person books it again).
    public var state: String
    public var updatedAt: Double
    /// Each attendee's answer to the current version (iTIP PARTSTAT by lower-cased
    /// address, JSON); emptied when the review moves.
    public var answers: String = "{}"
    /// The SEQUENCE the partner was last sent (the notice, an update or the
    /// cancellation); nil while nobody was told. Below `sequence`: an update is owed.
    public var toldSequence: Int? = nil

    enum CodingKeys: String, CodingKey {
        case submissionNumber = "submission_number"
        case reviewer, start, end, uid, sequence, state, answers
        case updatedAt = "updated_at"
        case toldSequence = "told_sequence"
    }

    /// Records, inside the caller's transaction, that the partner was sent `sequence`.
    static func markTold(_ number: Int64, sequence: Int, in db: Database) throws {
        try db.execute(
            sql: "UPDATE review SET told_sequence = max(coalesce(told_sequence, -1), ?) WHERE submission_number = ?",
            arguments: [sequence, number])
    }

    public var startDate: Date { Date(timeIntervalSince1970: start) }
    public var endDate: Date { Date(timeIntervalSince1970: end) }

    /// The answers, by address, in address order.
    public var answerList: [(address: String, partstat: String)] {
        let map = (try? JSONDecoder().decode([String: String].self, from: Data(answers.utf8))) ?? [:]
        return map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// An answer to a review invitation (an iTIP `METHOD:REPLY`), applied with the
/// message that carried it, in the same transaction.
public struct ReviewAnswer: Sendable {
    public var number: Int64
    public var uid: String
    /// The `SEQUENCE` the answer is to: an answer to an older version changes nothing.
    public var sequence: Int
    /// The answers taken: lower-cased address → PARTSTAT.
    public var answers: [String: String]
    /// When someone whose decline frees the slot declined (the reviewer or the
    /// partner): the history's words for it (`review-declined`).
    public var declined: String?
    /// The office list's notice, queued only when this answer declines the booked review.
    public var noticeIfDeclined: PlannedMessage?

    public init(
        number: Int64, uid: String, sequence: Int, answers: [String: String], declined: String?,
        noticeIfDeclined: PlannedMessage?
    ) {
        self.number = number
        self.uid = uid
        self.sequence = sequence
        self.answers = answers
        self.declined = declined
        self.noticeIfDeclined = noticeIfDeclined
    }

    /// Records the answer on the review (inside the caller's transaction); what it did, for the history.
    func apply(_ db: Database, actor: String, at now: Date) throws -> String {
        guard var review = try ReviewRecord.fetchOne(db, key: number), review.uid == uid else {
            return "no review with this UID any more; nothing changed"
        }
        guard sequence >= review.sequence else {
            return "an answer to an earlier version (sequence \(sequence); the review is at \(review.sequence)); nothing changed"
        }
        guard sequence == review.sequence else {
            return "an answer to sequence \(sequence), which the desk never sent (the review is at \(review.sequence)); nothing changed"
        }
        guard review.state != "cancelled" else { return "the review is cancelled; nothing changed" }
        if try SubmissionRecord.fetchOne(db, key: number)?.closedAt != nil {
            return "the submission is closed; nothing changed"
        }
        var map = (try? JSONDecoder().decode([String: String].self, from: Data(review.answers.utf8))) ?? [:]
        for (address, partstat) in answers { map[address] = partstat }
        review.answers = String(decoding: (try? JSONEncoder().encode(map)) ?? Data("{}".utf8), as: UTF8.self)
        review.updatedAt = now.timeIntervalSince1970
        var said = "recorded on the review"
        if declined != nil, review.start <= now.timeIntervalSince1970 {
            said = "recorded on the review; the review's time has passed, so it is not booked again"
        } else if let declined, review.state == "booked" {
            review.state = "declined"
            said = "the review is released to be booked again"
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "review-declined", actor: actor,
                detail: declined)
            try event.insert(db)
            if let notice = noticeIfDeclined,
                try OutgoingRecord.filter(Column("message_id") == notice.messageID).fetchCount(db) == 0
            {
                var record = OutgoingRecord.pending(notice, at: now)
                try record.insert(db)
            }
        }
        try review.update(db)
        return said
    }
}

extension SubmissionStore {
    public func review(of number: Int64) throws(StoreError) -> ReviewRecord? {
        try read { db in try ReviewRecord.fetchOne(db, key: number) }
    }

    /// The reviews in `state` (`booked`, `declined`, `cancelled`), by start.
    public func reviews(inState state: String) throws(StoreError) -> [ReviewRecord] {
        try read { db in try ReviewRecord.filter(Column("state") == state).order(Column("start")).fetchAll(db) }
    }

    /// Booked reviews, by start; of one reviewer when given.
    public func bookedReviews(reviewer: String? = nil) throws(StoreError) -> [ReviewRecord] {
        try read { db in
            var request = ReviewRecord.filter(Column("state") == "booked")
            if let reviewer { request = request.filter(Column("reviewer") == reviewer) }
            return try request.order(Column("start")).fetchAll(db)
        }
    }

    /// Books (or moves) the submission's review. Refused with `overlapping` when the
    /// reviewer has another booked review at that time — checked inside the write
    /// transaction, so two bookings racing for one slot cannot both win.
    /// What a booking expects to find, checked inside its transaction: a person's
    /// `schedule` books whatever is there (`.anything`); the daemon books only a
    /// submission without a review, or the very declined version it read, so that
    /// a person's cancel or move made meanwhile is never undone.
    public enum BookingExpectation: Sendable, Equatable {
        case anything
        case noReview
        case declined(sequence: Int)
    }

    public func bookReview(
        _ number: Int64, reviewer: String, start: Date, end: Date, uid: String, by actor: String, detail: String,
        expecting: BookingExpectation = .anything, at now: Date
    ) throws(StoreError) -> ReviewRecord {
        try write { db in
            let current = try ReviewRecord.fetchOne(db, key: number)
            switch expecting {
            case .anything: break
            case .noReview:
                if current != nil { throw StoreError.conflict("the review of \(tenant)-\(number) was booked meanwhile") }
            case .declined(let sequence):
                guard let current, current.state == "declined", current.sequence == sequence else {
                    throw StoreError.conflict("the review of \(tenant)-\(number) changed meanwhile")
                }
            }
            let clash = try ReviewRecord.filter(
                sql: "state = 'booked' AND reviewer = ? AND submission_number <> ? AND start < ? AND \"end\" > ?",
                arguments: [reviewer, number, end.timeIntervalSince1970, start.timeIntervalSince1970]
            ).fetchOne(db)
            if let clash { throw StoreError.conflict("\(reviewer) has another review then (submission \(clash.submissionNumber))") }
            let previous = try ReviewRecord.fetchOne(db, key: number)
            let record = ReviewRecord(
                submissionNumber: number, reviewer: reviewer, start: start.timeIntervalSince1970,
                end: end.timeIntervalSince1970, uid: previous?.uid ?? uid, sequence: previous.map { $0.sequence + 1 } ?? 0,
                state: "booked", updatedAt: now.timeIntervalSince1970, answers: "{}", toldSequence: previous?.toldSequence)
            try record.save(db)
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970,
                kind: previous == nil ? "review-booked" : "review-moved", actor: actor, detail: detail)
            try event.insert(db)
            return record
        }
    }

    /// Cancels the booked review; false when there is none.
    @discardableResult
    public func cancelReview(_ number: Int64, by actor: String, at now: Date) throws(StoreError) -> Bool {
        try write { db in
            guard var record = try ReviewRecord.fetchOne(db, key: number), record.state != "cancelled" else { return false }
            record.state = "cancelled"
            record.sequence += 1
            record.updatedAt = now.timeIntervalSince1970
            try record.update(db)
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "review-cancelled", actor: actor,
                detail: "the review with \(record.reviewer) is cancelled (sequence \(record.sequence))")
            try event.insert(db)
            return true
        }
    }
}

extension SubmissionStore {
    /// The newest message of one of `purposes` about the submission, if any.
    public func latestOutgoing(about number: Int64, purposes: [String]) throws(StoreError) -> OutgoingRecord? {
        try read { db in
            let marks = purposes.map { _ in "?" }.joined(separator: ", ")
            var arguments: [any DatabaseValueConvertible] = purposes
            arguments.append(number)
            return try OutgoingRecord.fetchOne(
                db,
                sql: """
                    SELECT * FROM outgoing WHERE purpose IN (\(marks))
                    AND EXISTS (SELECT 1 FROM json_each(outgoing.submissions) WHERE value = ?)
                    ORDER BY id DESC LIMIT 1
                    """, arguments: StatementArguments(arguments))
        }
    }

    /// Queues one message about a submission with a history entry, in one transaction;
    /// nothing when a message with its Message-ID is queued already (false). With
    /// `reviewSequence`, also records that the partner was sent that version.
    @discardableResult
    public func queueMessage(
        _ message: PlannedMessage, on number: Int64, kind: String, by actor: String, reviewSequence: Int? = nil,
        at now: Date
    ) throws(StoreError) -> Bool {
        try write { db in
            if try OutgoingRecord.filter(Column("message_id") == message.messageID).fetchCount(db) > 0 { return false }
            if let reviewSequence { try ReviewRecord.markTold(number, sequence: reviewSequence, in: db) }
            var outgoing = OutgoingRecord.pending(message, submissions: [number], at: now)
            try outgoing.insert(db)
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: kind, actor: actor,
                detail: "\(message.purpose) <\(message.messageID)> to \(message.recipients.joined(separator: ", "))")
            try event.insert(db)
            return true
        }
    }

    /// Reviews whose partner was told an earlier version than the current one
    /// (an update or a cancellation is owed), by submission.
    public func reviewsOwingAnUpdate() throws(StoreError) -> [ReviewRecord] {
        try read { db in
            try ReviewRecord.filter(sql: "told_sequence IS NOT NULL AND told_sequence < sequence AND state IN ('booked', 'cancelled')")
                .order(Column("submission_number")).fetchAll(db)
        }
    }

    /// How many times the review of `number` was declined (history `review-declined`).
    public func declineCount(of number: Int64) throws(StoreError) -> Int {
        try read { db in
            try EventRecord.filter(Column("submission_number") == number && Column("kind") == "review-declined").fetchCount(db)
        }
    }
}
