import Foundation
import GRDB

/// One message the desk sends, as the store keeps it (table `outgoing`).
public struct OutgoingRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outgoing"
    public var id: Int64?
    /// Without angle brackets; unique, and the same on every attempt.
    public var messageID: String
    /// `alert-at-risk`, `alert-breached`, `alert-digest`, …
    public var purpose: String
    /// JSON array of the submission numbers the message concerns.
    public var submissions: String
    /// JSON array of recipient addresses.
    public var recipients: String
    public var subject: String
    /// The rendered RFC 5322 message, handed over byte for byte on every attempt.
    public var message: Data
    /// `pending`, `sent` or `failed` (a permanent failure; not retried).
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Double
    public var lastError: String?
    public var transportDetail: String?
    public var createdAt: Double
    public var sentAt: Double?

    enum CodingKeys: String, CodingKey {
        case id
        case messageID = "message_id"
        case purpose, submissions, recipients, subject, message, state, attempts
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case transportDetail = "transport_detail"
        case createdAt = "created_at"
        case sentAt = "sent_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// A planned message as a new pending row, due at once.
    static func pending(_ planned: PlannedMessage, submissions: [Int64]? = nil, at now: Date) -> OutgoingRecord {
        OutgoingRecord(
            id: nil, messageID: planned.messageID, purpose: planned.purpose,
            submissions: SubmissionStore.json(submissions ?? planned.submissions),
            recipients: SubmissionStore.json(planned.recipients), subject: planned.subject, message: planned.message,
            state: "pending", attempts: 0, nextAttemptAt: now.timeIntervalSince1970, lastError: nil, transportDetail: nil,
            createdAt: now.timeIntervalSince1970, sentAt: nil)
    }

    public var submissionNumbers: [Int64] {
        (try? JSONDecoder().decode([Int64].self, from: Data(submissions.utf8))) ?? []
    }
    public var recipientList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(recipients.utf8))) ?? []
    }
}

/// An SLA alert the desk decided to send: one per submission and state, ever.
public struct PlannedAlert: Sendable, Equatable {
    public var submission: Int64
    /// `at-risk` or `breached`.
    public var state: String
    public var recipients: [String]

    public init(submission: Int64, state: String, recipients: [String]) {
        self.submission = submission
        self.state = state
        self.recipients = recipients
    }
}

/// A message to record in the outgoing queue.
public struct PlannedMessage: Sendable, Equatable {
    public var messageID: String
    public var purpose: String
    public var submissions: [Int64]
    public var recipients: [String]
    public var subject: String
    public var message: Data

    public init(
        messageID: String, purpose: String, submissions: [Int64], recipients: [String], subject: String, message: Data
    ) {
        self.messageID = messageID
        self.purpose = purpose
        self.submissions = submissions
        self.recipients = recipients
        self.subject = subject
        self.message = message
    }
}

/// The outgoing queue: record first, hand over, then mark (PRODUCT.md §8, issue 9).
///
/// Contract: `queueAlerts` records the alerts, their messages and a history entry
/// per submission in one transaction, and records nothing if any of those alerts
/// already exists — so an alert is queued exactly once however often the sweep
/// runs, restarts or crashes. The deliverer takes `dueOutgoing`, hands each to the
/// transport, then `markSent` or `markFailed`; a crash between hand-over and mark
/// hands the same bytes (same Message-ID) over again on restart.
extension SubmissionStore {
    /// The (submission, state) pairs already alerted.
    /// The alerts recorded for `numbers` only (the planner's candidates).
    public func alertedStates(among numbers: [Int64]) throws(StoreError) -> Set<AlertKey> {
        guard !numbers.isEmpty else { return [] }
        return try read { db in
            Set(
                try Row.fetchAll(
                    db,
                    sql: "SELECT submission_number, state FROM alert WHERE submission_number IN (SELECT value FROM json_each(?))",
                    arguments: [Self.jsonList(numbers)]
                ).map { AlertKey(submission: $0["submission_number"], state: $0["state"]) })
        }
    }

    /// Records `alerts` and `messages` at once; returns false (recording nothing) when
    /// one of the alerts was already recorded.
    @discardableResult
    public func queueAlerts(_ alerts: [PlannedAlert], messages: [PlannedMessage], at now: Date) throws(StoreError)
        -> Bool
    {
        guard !alerts.isEmpty else { return true }
        return try write { db in
            for alert in alerts {
                let seen = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM alert WHERE submission_number = ? AND state = ?",
                    arguments: [alert.submission, alert.state]) ?? 0
                if seen > 0 { return false }
            }
            for alert in alerts {
                try db.execute(
                    sql: "INSERT INTO alert (submission_number, state, recipients, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [alert.submission, alert.state, Self.json(alert.recipients), now.timeIntervalSince1970])
            }
            var messageIDs: [Int64: [String]] = [:]
            for planned in messages {
                var record = OutgoingRecord.pending(planned, at: now)
                try record.insert(db)
                for number in planned.submissions { messageIDs[number, default: []].append(planned.messageID) }
            }
            for alert in alerts {
                var event = EventRecord(
                    id: nil, submissionNumber: alert.submission, at: now.timeIntervalSince1970, kind: "alert-queued",
                    actor: "competencyd",
                    detail:
                        "\(alert.state) alert to \(alert.recipients.joined(separator: ", ")) (message \((messageIDs[alert.submission] ?? []).map { "<\($0)>" }.joined(separator: ", ")))"
                )
                try event.insert(db)
            }
            return true
        }
    }

    /// Pending messages whose next attempt is due at `now`, oldest first.
    public func dueOutgoing(at now: Date, limit: Int = 100) throws(StoreError) -> [OutgoingRecord] {
        try read { db in
            try OutgoingRecord.filter(sql: "state = 'pending' AND next_attempt_at <= ?", arguments: [now.timeIntervalSince1970])
                .order(Column("id")).limit(limit).fetchAll(db)
        }
    }

    /// When the next pending message is due, if any.
    public func nextOutgoingAttempt() throws(StoreError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM outgoing WHERE state = 'pending'")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// The transport took the message.
    public func markSent(_ id: Int64, detail: String, at now: Date) throws(StoreError) {
        try write { db in
            guard let record = try OutgoingRecord.fetchOne(db, key: id) else { return }
            try db.execute(
                sql: "UPDATE outgoing SET state = 'sent', sent_at = ?, transport_detail = ?, attempts = attempts + 1 WHERE id = ?",
                arguments: [now.timeIntervalSince1970, detail, id])
            for number in record.submissionNumbers {
                var event = EventRecord(
                    id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "mail-sent", actor: "competencyd",
                    detail: "\(record.purpose) <\(record.messageID)> to \(record.recipientList.joined(separator: ", ")): \(detail)")
                try event.insert(db)
            }
        }
    }

    /// The transport refused the message: retried at `retryAt`, or never when nil (permanent).
    public func markFailed(_ id: Int64, error: String, retryAt: Date?, at now: Date) throws(StoreError) {
        try write { db in
            guard let record = try OutgoingRecord.fetchOne(db, key: id) else { return }
            try db.execute(
                sql: """
                    UPDATE outgoing SET attempts = attempts + 1, last_error = ?, state = ?, next_attempt_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    error, retryAt == nil ? "failed" : "pending", (retryAt ?? now).timeIntervalSince1970, id,
                ])
            let what =
                retryAt.map { "attempt \(record.attempts + 1) failed, retrying at \(ISO8601DateFormatter().string(from: $0))" }
                ?? "failed permanently after \(record.attempts + 1) attempt(s)"
            for number in record.submissionNumbers {
                var event = EventRecord(
                    id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "mail-failed",
                    actor: "competencyd", detail: "\(record.purpose) <\(record.messageID)>: \(what): \(error)")
                try event.insert(db)
            }
        }
    }

    /// The queue for `competency outbox`: newest first.
    public func outgoing(limit: Int = 1000) throws(StoreError) -> [OutgoingRecord] {
        try read { db in try OutgoingRecord.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

/// A submission and an SLA state.
public struct AlertKey: Hashable, Sendable {
    public var submission: Int64
    public var state: String
    public init(submission: Int64, state: String) {
        self.submission = submission
        self.state = state
    }
}

/// What recording a response did.
public enum ResponseOutcome: Sendable, Equatable {
    /// Queued; `first` when it is the submission's first response (the SLA is then met).
    case queued(first: Bool)
    /// The submission was already answered at this time; nothing was recorded.
    case alreadyAnswered(at: Date)
}

extension SubmissionStore {
    /// Records a response to the partner: the message in the outgoing queue and, when
    /// it is the first, the first-response time (the SLA becomes `met`) — in one
    /// transaction. A second response needs `again`; without it nothing is recorded.
    public func queueResponse(
        _ message: PlannedMessage, on number: Int64, by actor: String, again: Bool, detail: String,
        reviewSequence: Int? = nil, at now: Date
    ) throws(StoreError) -> ResponseOutcome {
        try write { db in
            guard let record = try SubmissionRecord.fetchOne(db, key: number) else {
                throw StoreError.noSuchSubmission(number)
            }
            if let answered = record.respondedAt, !again {
                return .alreadyAnswered(at: Date(timeIntervalSince1970: answered))
            }
            var outgoing = OutgoingRecord.pending(message, submissions: [number], at: now)
            try outgoing.insert(db)
            // The scheduling notice carries the review: the partner now knows this version.
            if let reviewSequence { try ReviewRecord.markTold(number, sequence: reviewSequence, in: db) }
            let first = record.respondedAt == nil
            if first {
                try db.execute(
                    sql: "UPDATE submission SET responded_at = ? WHERE number = ?",
                    arguments: [now.timeIntervalSince1970, number])
            }
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970,
                kind: first ? "first-response" : "response", actor: actor,
                detail: "\(message.purpose) <\(message.messageID)> to \(message.recipients.joined(separator: ", ")); \(detail)")
            try event.insert(db)
            return .queued(first: first)
        }
    }

    /// Takes a pending message for delivery for `lease` seconds, so that two
    /// processes (the daemon's loop and an operator's direct command, or a request
    /// handler) never hand the same message over at once. False when someone else
    /// holds it or it is no longer pending. A holder that dies releases it when
    /// the lease ends (the message is then retried).
    public func claimOutgoing(_ id: Int64, lease: TimeInterval, at now: Date) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE outgoing SET next_attempt_at = ?
                    WHERE id = ? AND state = 'pending' AND next_attempt_at <= ?
                    """,
                arguments: [now.timeIntervalSince1970 + lease, id, now.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    /// One outgoing message by its Message-ID.
    public func outgoing(messageID: String) throws(StoreError) -> OutgoingRecord? {
        try read { db in try OutgoingRecord.filter(Column("message_id") == messageID).fetchOne(db) }
    }
}

extension SubmissionStore {
    /// Closes what is not a submission at all (spam, a question): SLA `none` from
    /// now on, recorded with who closed it and what it was before. Returns false
    /// when it was already closed.
    public func closeSubmission(_ number: Int64, reason: String, by actor: String, at now: Date) throws(StoreError) -> Bool {
        try write { db in
            guard let record = try SubmissionRecord.fetchOne(db, key: number) else {
                throw StoreError.noSuchSubmission(number)
            }
            if record.closedAt != nil || record.verdict == "ignored" { return false }
            try db.execute(
                sql: """
                    UPDATE submission SET verdict = 'ignored', ignored_reason = ?, closed_at = ?, deadline = NULL,
                    due_date = NULL WHERE number = ?
                    """,
                arguments: ["closed by \(actor): \(reason)", now.timeIntervalSince1970, number])
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "closed", actor: actor,
                detail: "\(reason) (was \(record.verdict), due \(record.dueDate ?? "none"); no SLA from now on)")
            try event.insert(db)
            return true
        }
    }
}
