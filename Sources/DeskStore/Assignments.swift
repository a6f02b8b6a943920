import Foundation
import GRDB

/// Who reviews what (PRODUCT.md §7; issue 10, item 2): the store side.
extension SubmissionStore {
    /// Open submissions (not closed, not ignored) per assigned reviewer id.
    public func openReviewCounts() throws(StoreError) -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT assignee, count(*) AS n FROM submission
                    WHERE assignee IS NOT NULL AND closed_at IS NULL AND verdict <> 'ignored' GROUP BY assignee
                    """)
            {
                counts[row["assignee"]] = row["n"]
            }
            return counts
        }
    }

    /// The last time each reviewer was assigned anything.
    public func lastAssignedAt() throws(StoreError) -> [String: Date] {
        try read { db in
            var last: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reviewer, max(at) AS at FROM assignment GROUP BY reviewer") {
                last[row["reviewer"]] = Date(timeIntervalSince1970: row["at"])
            }
            return last
        }
    }

    /// Assigns `reviewer` to the submission, with a history entry naming who did it.
    /// `unlessAssigned`: only when nobody is assigned yet (the daemon's automatic
    /// choice must never override a person's); returns false when it changed nothing.
    @discardableResult
    public func assign(
        _ number: Int64, to reviewer: String, by actor: String, detail: String, unlessAssigned: Bool, at now: Date
    ) throws(StoreError) -> Bool {
        try write { db in
            guard let record = try SubmissionRecord.fetchOne(db, key: number) else {
                throw StoreError.noSuchSubmission(number)
            }
            if unlessAssigned && record.assignee != nil { return false }
            if record.assignee == reviewer { return false }
            try db.execute(sql: "UPDATE submission SET assignee = ? WHERE number = ?", arguments: [reviewer, number])
            try db.execute(
                sql: "INSERT INTO assignment (submission_number, reviewer, actor, at) VALUES (?, ?, ?, ?)",
                arguments: [number, reviewer, actor, now.timeIntervalSince1970])
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "assigned", actor: actor,
                detail: (record.assignee.map { "\($0) → \(reviewer)" } ?? reviewer) + (detail.isEmpty ? "" : "; \(detail)"))
            try event.insert(db)
            return true
        }
    }

    /// The submissions that have the notice `kind` already.
    public func noticedSubmissions(kind: String) throws(StoreError) -> Set<Int64> {
        try read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT submission_number FROM notice WHERE kind = ?", arguments: [kind]))
        }
    }

    /// Records a once-per-submission notice (and its messages, and a history entry) in
    /// one transaction; false, recording nothing, when it was recorded before.
    @discardableResult
    public func recordNotice(
        _ kind: String, on number: Int64, detail: String, messages: [PlannedMessage], at now: Date
    ) throws(StoreError) -> Bool {
        try write { db in
            let seen = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM notice WHERE submission_number = ? AND kind = ?", arguments: [number, kind]) ?? 0
            if seen > 0 { return false }
            try db.execute(
                sql: "INSERT INTO notice (submission_number, kind, created_at) VALUES (?, ?, ?)",
                arguments: [number, kind, now.timeIntervalSince1970])
            for planned in messages {
                var record = OutgoingRecord.pending(planned, at: now)
                try record.insert(db)
            }
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: kind, actor: "competencyd",
                detail: detail)
            try event.insert(db)
            return true
        }
    }
}
