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
    /// `booked` or `cancelled`.
    public var state: String
    public var updatedAt: Double

    enum CodingKeys: String, CodingKey {
        case submissionNumber = "submission_number"
        case reviewer, start, end, uid, sequence, state
        case updatedAt = "updated_at"
    }

    public var startDate: Date { Date(timeIntervalSince1970: start) }
    public var endDate: Date { Date(timeIntervalSince1970: end) }
}

extension SubmissionStore {
    public func review(of number: Int64) throws(StoreError) -> ReviewRecord? {
        try read { db in try ReviewRecord.fetchOne(db, key: number) }
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
                state: "booked", updatedAt: now.timeIntervalSince1970)
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
            guard var record = try ReviewRecord.fetchOne(db, key: number), record.state == "booked" else { return false }
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
