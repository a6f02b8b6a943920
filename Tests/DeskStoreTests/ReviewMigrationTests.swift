import DeskTesting
import Foundation
import GRDB
import Testing

@testable import DeskStore

/// Store v6 makes the `review` table again (a CHECK cannot be changed in SQLite):
/// rows booked and cancelled under v5 must come through whole, with no answers and
/// nobody told, and the database must stay consistent.
@Suite struct ReviewMigrationTests {
    @Test func v5ReviewsSurviveTheRebuild() throws {
        let folder = try TemporaryFolder("review-v6")
        let path = folder.file("s.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try SubmissionStore.migrator.migrate(queue, upTo: "v5-assignments")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('tenant', 'retail-jp')")
            for number in 1...2 {
                try db.execute(
                    sql: """
                        INSERT INTO submission (number, verdict, content_sha256, received_at, receipt_source, archive_path, created_at)
                        VALUES (?, 'ready', ?, 0, 'mtime', 'a', 0)
                        """, arguments: [number, "sha\(number)"])
            }
            try db.execute(
                sql: """
                    INSERT INTO review (submission_number, reviewer, start, "end", uid, sequence, state, updated_at) VALUES
                    (1, 'yamada', 100, 200, 'retail-jp-1.review@x', 0, 'booked', 5),
                    (2, 'suzuki', 300, 400, 'retail-jp-2.review@x', 3, 'cancelled', 6)
                    """)
        }
        try queue.close()

        let store = try SubmissionStore(tenant: "retail-jp", url: folder.file("s.sqlite"))
        let one = try #require(try store.review(of: 1))
        #expect(one.reviewer == "yamada" && one.start == 100 && one.end == 200 && one.state == "booked")
        #expect(one.uid == "retail-jp-1.review@x" && one.sequence == 0 && one.answers == "{}" && one.toldSequence == nil)
        let two = try #require(try store.review(of: 2))
        #expect(two.state == "cancelled" && two.sequence == 3 && two.updatedAt == 6)
        #expect(try store.bookedReviews().map(\.submissionNumber) == [1])

        let check = try DatabaseQueue(path: path)
        defer { try? check.close() }
        try check.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'review'")
            #expect(Set(indexes).isSuperset(of: ["review_on_reviewer", "review_on_state"]), "\(indexes)")
            // The new state is allowed, an unknown one still refused.
            #expect(throws: (any Error).self) {
                try db.execute(sql: "UPDATE review SET state = 'maybe' WHERE submission_number = 1")
            }
        }
    }

    /// A booking that expects what it read refuses when a person changed the review meanwhile.
    @Test func theDaemonsBookingNeverUndoesAPersonsChange() throws {
        let folder = try TemporaryFolder("review-cas")
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.file("s.sqlite"))
        let queue = try DatabaseQueue(path: folder.file("s.sqlite").path)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO submission (number, verdict, content_sha256, received_at, receipt_source, archive_path, created_at)
                    VALUES (1, 'ready', 'sha1', 0, 'mtime', 'a', 0)
                    """)
        }
        try queue.close()
        let now = Date(timeIntervalSince1970: 1_000)
        let first = try store.bookReview(
            1, reviewer: "a", start: now, end: now.addingTimeInterval(3600), uid: "u", by: "competencyd", detail: "",
            expecting: .noReview, at: now)
        #expect(first.sequence == 0)
        // Booked already: the daemon's "first booking" is refused.
        #expect(throws: StoreError.self) {
            try store.bookReview(
                1, reviewer: "a", start: now, end: now.addingTimeInterval(3600), uid: "u", by: "competencyd", detail: "",
                expecting: .noReview, at: now)
        }
        // A person cancels after the daemon read a decline at sequence 0: the rebooking is refused.
        #expect(try store.cancelReview(1, by: "person", at: now))
        #expect(throws: StoreError.self) {
            try store.bookReview(
                1, reviewer: "a", start: now, end: now.addingTimeInterval(3600), uid: "u", by: "competencyd", detail: "",
                expecting: .declined(sequence: 0), at: now)
        }
        #expect(try store.review(of: 1)?.state == "cancelled")
        // A person's own booking goes through whatever is there.
        let moved = try store.bookReview(
            1, reviewer: "a", start: now, end: now.addingTimeInterval(3600), uid: "u", by: "person", detail: "", at: now)
        #expect(moved.state == "booked" && moved.sequence == 2)
    }
}
