import DeskCore
import Foundation
import GRDB

/// What an operator's view of one tenant's store holds (`competency status`, the
/// metrics file): counts only, read in one read transaction, never a whole row.
public struct StoreCounts: Sendable, Equatable {
    /// Every submission stored, by verdict (`ready`, `incomplete`, `triage`, `ignored`).
    public var byVerdict: [String: Int] = [:]
    /// The open submissions' deadlines (the queue): due date and deadline, nil when
    /// there is no SLA. The SLA state at a given instant is the caller's to compute.
    public var openDeadlines: [ResponseDeadline?] = []
    /// Outgoing messages by purpose and state (`pending`, `sent`, `failed`).
    public var outgoing: [OutgoingCount] = []

    public init() {}

    /// Open submissions: owed an answer, not closed.
    public var open: Int { openDeadlines.count }
    /// Messages still to be handed over.
    public var outgoingPending: Int { outgoing.filter { $0.state == "pending" }.reduce(0) { $0 + $1.count } }
}

/// How many outgoing messages of one purpose are in one state.
public struct OutgoingCount: Sendable, Equatable {
    public var purpose: String
    public var state: String
    public var count: Int
}

extension SubmissionStore {
    /// The counts of `StoreCounts`, from one consistent snapshot. Open rows are read
    /// through the `submission_open` index, two columns each.
    public func operationsCounts() throws(StoreError) -> StoreCounts {
        try read { db in
            var counts = StoreCounts()
            for row in try Row.fetchAll(db, sql: "SELECT verdict, count(*) AS n FROM submission GROUP BY verdict") {
                counts.byVerdict[row["verdict"]] = row["n"]
            }
            counts.openDeadlines = try Row.fetchAll(
                db, sql: "SELECT due_date, deadline FROM submission WHERE \(Self.openCondition)"
            ).map { row -> ResponseDeadline? in
                let dueText: String? = row["due_date"]
                let deadline: Double? = row["deadline"]
                guard let dueText, let due = LocalDate(iso: dueText), let deadline else { return nil }
                return ResponseDeadline(dueDate: due, deadline: Date(timeIntervalSince1970: deadline))
            }
            counts.outgoing = try Row.fetchAll(
                db,
                sql:
                    "SELECT purpose, state, count(*) AS n FROM outgoing GROUP BY purpose, state ORDER BY purpose, state"
            ).map { OutgoingCount(purpose: $0["purpose"], state: $0["state"], count: $0["n"]) }
            return counts
        }
    }

    /// Records a message to the office that concerns no submission (a file put in
    /// quarantine): pending at once, once per Message-ID — recording the same
    /// message again (a retried pass) does nothing. Returns whether it was new.
    @discardableResult
    public func queueOfficeMessage(_ message: PlannedMessage, at now: Date) throws(StoreError) -> Bool {
        try write { db in
            guard try OutgoingRecord.filter(Column("message_id") == message.messageID).fetchCount(db) == 0 else {
                return false
            }
            var record = OutgoingRecord.pending(message, submissions: [], at: now)
            try record.insert(db)
            return true
        }
    }
}
