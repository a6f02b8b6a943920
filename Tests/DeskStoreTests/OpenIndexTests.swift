import DeskStore
import DeskTesting
import Foundation
import GRDB
import Testing

/// The open submissions are found through the `submission_open` index, so the
/// sweep, the alerts and the queue do not grow with the answered and closed
/// submissions of years (issue 11).
@Suite struct OpenIndexTests {
    @Test func theSweepQueryUsesTheOpenIndex() throws {
        let folder = try TemporaryFolder("sweep-plan")
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.file("s.sqlite"))
        _ = store
        let queue = try DatabaseQueue(path: folder.file("s.sqlite").path)
        defer { try? queue.close() }
        let plan = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT * FROM submission WHERE responded_at IS NULL AND closed_at IS NULL
                    AND verdict <> 'ignored' AND deadline <= 1 AND NOT EXISTS (SELECT 1 FROM event
                    WHERE event.kind = 'sla-breached' AND event.submission_number = submission.number)
                    """
            ).map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("USING INDEX submission_open") }, "\(plan)")
        #expect(plan.contains { $0.contains("event_on_kind") || $0.contains("event_on_submission") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN submission") }, "\(plan)")
    }

    @Test func theQueueAndTheReadyListUseTheOpenIndex() throws {
        let folder = try TemporaryFolder("queue-plan")
        _ = try SubmissionStore(tenant: "retail-jp", url: folder.file("s.sqlite"))
        let queue = try DatabaseQueue(path: folder.file("s.sqlite").path)
        defer { try? queue.close() }
        for sql in [
            "SELECT number FROM submission WHERE responded_at IS NULL AND closed_at IS NULL AND verdict <> 'ignored'",
            "SELECT number FROM submission WHERE responded_at IS NULL AND closed_at IS NULL AND verdict <> 'ignored' AND verdict = 'ready'",
        ] {
            let plan = try queue.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String? ?? "" }
            }
            #expect(plan.contains { $0.contains("submission_open") }, "\(sql): \(plan)")
        }
    }
}
