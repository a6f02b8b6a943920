import DeskCore
import DeskStore
import DeskTesting
import Foundation
import GRDB
import Testing

@Suite struct SubmissionStoreTests {
    let folder: URL
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func record(sha: String, messageID: String?, subject: String = "s") -> SubmissionRecord {
        SubmissionRecord(
            number: nil, verdict: "triage", subject: subject, sender: "a@b.example", partner: nil, messageID: messageID,
            contentSHA256: sha, receivedAt: now.timeIntervalSince1970, receiptSource: "received-header",
            dateHeader: nil,
            dueDate: "2026-12-04", deadline: now.timeIntervalSince1970 + 86_400, respondedAt: nil, closedAt: nil,
            assignee: nil, ignoredReason: nil, problems: "[]", archivePath: "2026/11/\(sha)-m.eml",
            createdAt: now.timeIntervalSince1970)
    }

    /// A file whose body is the same whatever its bytes (a re-delivery adds header lines only).
    func file(_ name: String, sha: String, messageID: String?) -> IngestedFile {
        var submission = record(sha: sha, messageID: messageID)
        submission.bodySHA256 = "same-body"
        return IngestedFile(
            sourceName: name, size: 10, submission: submission,
            events: [("received", "received as \(name)")], actor: "test")
    }

    @Test func storesOnceAndRecognisesDuplicatesAndResumes() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        #expect(try store.recordIngestedFile(file("m1", sha: "aa", messageID: "<1@x>"), at: now) == .stored(number: 1))
        // The same file again (a restart after a crash before the inbox copy was removed).
        #expect(
            try store.recordIngestedFile(file("m1", sha: "aa", messageID: "<1@x>"), at: now)
                == .alreadyStored(number: 1))
        // Byte-identical content under another name, and a new file with the same Message-ID.
        #expect(try store.recordIngestedFile(file("m2", sha: "aa", messageID: "<1@x>"), at: now) == .duplicate(of: 1))
        #expect(try store.recordIngestedFile(file("m3", sha: "bb", messageID: "<1@x>"), at: now) == .duplicate(of: 1))
        // A different message is a new submission.
        #expect(try store.recordIngestedFile(file("m4", sha: "cc", messageID: "<2@x>"), at: now) == .stored(number: 2))
        // Mail without a Message-ID is matched by content only.
        #expect(try store.recordIngestedFile(file("m5", sha: "dd", messageID: nil), at: now) == .stored(number: 3))
        #expect(try store.recordIngestedFile(file("m6", sha: "ee", messageID: nil), at: now) == .stored(number: 4))

        #expect(try store.submissions(includeClosed: true).count == 4)
        let history = try store.events(on: 1).map(\.kind)
        #expect(history == ["received", "duplicate-received", "duplicate-received"])
        #expect(try store.hasIngested(sourceName: "m3", contentSHA256: "bb"))
        #expect(try !store.hasIngested(sourceName: "m3", contentSHA256: "aa"))
    }

    @Test func aReusedMessageIDIsADuplicateOnlyFromTheSameSenderWithTheSameBody() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        func mail(_ name: String, sha: String, sender: String, body: String) -> IngestedFile {
            var submission = record(sha: sha, messageID: "<1@x>")
            submission.sender = "Someone <\(sender)>"
            submission.senderAddress = sender
            submission.bodySHA256 = body
            return IngestedFile(sourceName: name, size: 10, submission: submission, events: [], actor: "test")
        }
        #expect(try store.recordIngestedFile(mail("m1", sha: "aa", sender: "a@b.example", body: "b1"), at: now) == .stored(number: 1))
        // Re-delivered: new Received: lines (other bytes), same sender and body.
        #expect(try store.recordIngestedFile(mail("m2", sha: "ab", sender: "a@b.example", body: "b1"), at: now) == .duplicate(of: 1))
        // Same sender, other body; other sender, same body: new submissions, each with the reason.
        #expect(try store.recordIngestedFile(mail("m3", sha: "ac", sender: "a@b.example", body: "b2"), at: now) == .stored(number: 2))
        #expect(try store.recordIngestedFile(mail("m4", sha: "ad", sender: "m@evil.example", body: "b1"), at: now) == .stored(number: 3))
        // A body nobody knows (a row from before v3 whose original is gone) is not the same body.
        var unknown = mail("m5", sha: "ae", sender: "a@b.example", body: "b1")
        unknown.submission.bodySHA256 = nil
        #expect(try store.recordIngestedFile(unknown, at: now) == .stored(number: 4))
        let second = try #require(try store.submission(number: 2))
        #expect(second.problemList.contains { $0.contains("retail-jp-1") && $0.contains("different body") })
        let third = try #require(try store.submission(number: 3))
        #expect(third.problemList.contains { $0.contains("retail-jp-1") && $0.contains("different sender") })
        #expect(try store.events(on: 3).contains { $0.kind == "problem" && $0.detail.contains("Message-ID") })
    }

    @Test func aReplyFromAnotherDomainDoesNotContinueTheThread() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        var first = record(sha: "aa", messageID: "<1@acme.example>")
        first.sender = "A <a@acme.example>"
        first.applicationKey = "APN-1|retail-technology"
        _ = try store.recordIngestedFile(IngestedFile(sourceName: "m1", size: 1, submission: first, events: [], actor: "t"), at: now)
        var stranger = record(sha: "bb", messageID: "<2@evil.example>")
        stranger.sender = "M <m@evil.example>"
        stranger.threadIDs = "[\"<1@acme.example>\"]"
        _ = try store.recordIngestedFile(IngestedFile(sourceName: "m2", size: 1, submission: stranger, events: [], actor: "t"), at: now)
        #expect(try store.submission(number: 2)?.revision == 1)
        #expect(try store.submission(number: 1)?.closedAt == nil)
        // The partner's own reply does continue it.
        var reply = record(sha: "cc", messageID: "<3@acme.example>")
        reply.sender = "B <b@mail.acme.example>".replacingOccurrences(of: "mail.", with: "")
        reply.threadIDs = "[\"<1@acme.example>\"]"
        _ = try store.recordIngestedFile(IngestedFile(sourceName: "m3", size: 1, submission: reply, events: [], actor: "t"), at: now)
        #expect(try store.submission(number: 3)?.revision == 2)
        #expect(try store.submission(number: 1)?.closedAt != nil)
    }

    @Test func aStoreFromANewerVersionIsRefusedWithTheReason() throws {
        let url = folder.appendingPathComponent("t.sqlite")
        _ = try SubmissionStore(tenant: "retail-jp", url: url)
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        try queue.close()
        #expect {
            _ = try SubmissionStore(tenant: "retail-jp", url: url)
        } throws: { error in
            guard case StoreError.cannotOpen(_, let reason) = error else { return false }
            return reason.contains("newer version") && reason.contains("v99-future")
        }
    }

    @Test func everyCommitIsOnDiskBeforeTheInboxFileGoes() throws {
        // synchronous = FULL on the writer connection (GRDB's WAL setup leaves NORMAL,
        // under which a committed transaction can roll back after a power failure).
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        #expect(try store.writerSynchronousMode() == 2)
    }

    @Test func notesCarryAuthorAndTimeAndEnterTheHistory() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        _ = try store.recordIngestedFile(file("m1", sha: "aa", messageID: nil), at: now)
        try store.recordNote("公開事例が1件しかない\nsecond line", on: 1, by: "hanako", at: now.addingTimeInterval(60))
        let notes = try store.notes(on: 1)
        #expect(notes.count == 1)
        #expect(notes[0].author == "hanako")
        #expect(notes[0].text == "公開事例が1件しかない\nsecond line")
        #expect(notes[0].at == now.timeIntervalSince1970 + 60)
        let last = try #require(try store.events(on: 1).last)
        #expect(last.kind == "note" && last.actor == "hanako" && last.detail == "公開事例が1件しかない")
        #expect(throws: StoreError.self) { try store.recordNote("x", on: 99, by: "hanako", at: now) }
    }

    @Test func historyIsAppendOnlyAndTheDatabaseIsWAL() throws {
        let url = folder.appendingPathComponent("t.sqlite")
        let store = try SubmissionStore(tenant: "retail-jp", url: url)
        _ = try store.recordIngestedFile(file("m1", sha: "aa", messageID: nil), at: now)
        let queue = try DatabaseQueue(path: url.path)
        #expect(throws: (any Error).self) {
            try queue.write { try $0.execute(sql: "UPDATE event SET detail = 'forged'") }
        }
        #expect(throws: (any Error).self) { try queue.write { try $0.execute(sql: "DELETE FROM event") } }
        let mode = try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let migrations = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1-submissions", "v2-checks-and-revisions", "v3-sender-and-body", "v4-outgoing-mail", "v5-assignments", "v6-review-answers", "v7-open-index", "v8-retention-purge"])
    }

    @Test func aStoreBelongsToOneTenant() throws {
        let url = folder.appendingPathComponent("t.sqlite")
        _ = try SubmissionStore(tenant: "retail-jp", url: url)
        #expect(throws: StoreError.self) { _ = try SubmissionStore(tenant: "retail-us", url: url) }
        _ = try SubmissionStore(tenant: "retail-jp", url: url)  // reopening for its own tenant is fine
    }

    @Test func openQueueLeavesOutIgnoredSubmissions() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        var ignored = file("bounce", sha: "ff", messageID: "<b@x>")
        ignored.submission.verdict = "ignored"
        ignored.submission.ignoredReason = "multipart/report"
        _ = try store.recordIngestedFile(ignored, at: now)
        _ = try store.recordIngestedFile(file("real", sha: "aa", messageID: "<r@x>"), at: now)
        #expect(try store.submissions(includeClosed: false).map(\.messageID) == ["<r@x>"])
        #expect(try store.submissions(includeClosed: true).count == 2)
    }

    @Test func aLaterSubmissionOfTheSameApplicationIsItsNextRevision() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        var first = file("m1", sha: "aa", messageID: "<1@x>")
        first.submission.applicationKey = "APN-310001|retail-technology"
        #expect(try store.recordIngestedFile(first, at: now) == .stored(number: 1))
        // Another partner's submission does not join the application.
        var other = file("m2", sha: "bb", messageID: "<2@x>")
        other.submission.applicationKey = "APN-310002|retail-technology"
        _ = try store.recordIngestedFile(other, at: now)
        var second = file("m3", sha: "cc", messageID: "<3@x>")
        second.submission.applicationKey = "APN-310001|retail-technology"
        #expect(try store.recordIngestedFile(second, at: now) == .stored(number: 3))

        let revised = try #require(try store.submission(number: 3))
        #expect(revised.revision == 2)
        #expect(revised.previousNumber == 1)
        let superseded = try #require(try store.submission(number: 1))
        #expect(superseded.closedAt != nil)
        #expect(try store.events(on: 1).last?.kind == "superseded")
        #expect(try store.submissions(includeClosed: false).compactMap(\.number) == [2, 3])
        #expect(try store.submission(number: 2)?.revision == 1)
    }

    @Test func aReplyInTheThreadIsARevisionEvenWithoutAKnownPartner() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        _ = try store.recordIngestedFile(file("m1", sha: "aa", messageID: "<first@x>"), at: now)
        var reply = file("m2", sha: "bb", messageID: "<reply@x>")
        reply.submission.threadIDs = "[\"<first@x>\"]"
        _ = try store.recordIngestedFile(reply, at: now)
        #expect(try store.submission(number: 2)?.revision == 2)
        #expect(try store.submission(number: 2)?.previousNumber == 1)
    }

    @Test func checksRoundTripThroughTheStore() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        var checked = file("m1", sha: "aa", messageID: nil)
        let checks = [CheckResult(id: "PRE-1.1", status: .pass, reason: "ok"), CheckResult(id: "TECH-1.25", status: .notApplicable, reason: "no card data")]
        checked.submission.checks = String(decoding: try JSONEncoder().encode(checks), as: UTF8.self)
        _ = try store.recordIngestedFile(checked, at: now)
        #expect(try store.submission(number: 1)?.checkList == checks)
    }

    @Test func anAutomaticReplyInTheThreadIsNeverARevision() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        _ = try store.recordIngestedFile(file("m1", sha: "aa", messageID: "<first@x>"), at: now)
        var outOfOffice = file("m2", sha: "bb", messageID: "<oof@x>")
        outOfOffice.submission.verdict = "ignored"
        outOfOffice.submission.threadIDs = "[\"<first@x>\"]"
        _ = try store.recordIngestedFile(outOfOffice, at: now)
        #expect(try store.submission(number: 2)?.revision == 1)
        #expect(try store.submission(number: 1)?.closedAt == nil, "the submission it answered stays open")
    }

    @Test func aFollowUpDoesNotMoveAnUnansweredDeadlineOut() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.appendingPathComponent("t.sqlite"))
        var first = file("m1", sha: "aa", messageID: "<1@x>")
        first.submission.applicationKey = "APN-1|retail-technology"
        first.submission.dueDate = "2026-12-04"
        first.submission.deadline = 1_000
        _ = try store.recordIngestedFile(first, at: now)
        var followUp = file("m2", sha: "bb", messageID: "<2@x>")
        followUp.submission.applicationKey = "APN-1|retail-technology"
        followUp.submission.dueDate = "2026-12-11"
        followUp.submission.deadline = 2_000
        _ = try store.recordIngestedFile(followUp, at: now)
        let revised = try #require(try store.submission(number: 2))
        #expect(revised.dueDate == "2026-12-04")
        #expect(revised.deadline == 1_000)
        #expect(try store.events(on: 1).last?.detail.contains("deadline stays 2026-12-04") == true)
    }
}
