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

    enum CodingKeys: String, CodingKey {
        case submissionNumber = "submission_number"
        case reviewer, start, end, uid, sequence, state, answers
        case updatedAt = "updated_at"
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
        guard review.state != "cancelled" else { return "the review is cancelled; nothing changed" }
        var map = (try? JSONDecoder().decode([String: String].self, from: Data(review.answers.utf8))) ?? [:]
        for (address, partstat) in answers { map[address] = partstat }
        review.answers = String(decoding: (try? JSONEncoder().encode(map)) ?? Data("{}".utf8), as: UTF8.self)
        review.updatedAt = now.timeIntervalSince1970
        var said = "recorded on the review"
        if let declined, review.state == "booked" {
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
    public func bookReview(
        _ number: Int64, reviewer: String, start: Date, end: Date, uid: String, by actor: String, detail: String,
        at now: Date
    ) throws(StoreError) -> ReviewRecord {
        try write { db in
            let clash = try ReviewRecord.filter(
                sql: "state = 'booked' AND reviewer = ? AND submission_number <> ? AND start < ? AND \"end\" > ?",
                arguments: [reviewer, number, end.timeIntervalSince1970, start.timeIntervalSince1970]
            ).fetchOne(db)
            if let clash { throw StoreError.conflict("\(reviewer) has another review then (submission \(clash.submissionNumber))") }
            let previous = try ReviewRecord.fetchOne(db, key: number)
            let record = ReviewRecord(
                submissionNumber: number, reviewer: reviewer, start: start.timeIntervalSince1970,
                end: end.timeIntervalSince1970, uid: previous?.uid ?? uid, sequence: previous.map { $0.sequence + 1 } ?? 0,
                state: "booked", updatedAt: now.timeIntervalSince1970, answers: "{}")
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

    /// Queues one message about a submission with a history entry, in one transaction.
    public func queueMessage(_ message: PlannedMessage, on number: Int64, kind: String, by actor: String, at now: Date)
        throws(StoreError)
    {
        try write { db in
            var outgoing = OutgoingRecord.pending(message, submissions: [number], at: now)
            try outgoing.insert(db)
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: kind, actor: actor,
                detail: "\(message.purpose) <\(message.messageID)> to \(message.recipients.joined(separator: ", "))")
            try event.insert(db)
        }
    }
}
