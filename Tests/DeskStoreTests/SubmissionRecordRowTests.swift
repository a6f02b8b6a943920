import DeskStore
import DeskTesting
import Foundation
import GRDB
import Testing

/// `SubmissionRecord.init(row:)` is written by hand (issue 11): a record with every
/// field set must read back equal, so a column it forgets fails here; the summary
/// projection must leave only the large columns empty.
@Suite struct SubmissionRecordRowTests {
    @Test func everyFieldReadsBack() throws {
        let folder = try TemporaryFolder("record-row")
        let store = try SubmissionStore(tenant: "retail-jp", url: folder.file("s.sqlite"))
        var record = SubmissionRecord(
            number: nil, verdict: "ready", subject: "件名", sender: "A <a@x.example>", partner: "P", messageID: "<m@x>",
            contentSHA256: "sha", receivedAt: 1.5, receiptSource: "received-header", dateHeader: "Mon, 30 Nov 2026",
            dueDate: "2026-12-07", deadline: 2.5, respondedAt: 3.5, closedAt: 4.5, assignee: "yamada",
            ignoredReason: "why", problems: "[\"p\"]", archivePath: "2026/11/a.eml", createdAt: 5.5)
        record.program = "retail-technology"
        record.documentName = "doc.xlsx"
        record.documentJSON = "{\"a\":1}"
        record.checks = "[{\"id\":\"PRE-1.1\"}]"
        record.applicationKey = "APN-1|retail-technology"
        record.revision = 3
        record.threadIDs = "[\"<t@x>\"]"
        record.senderAddress = "a@x.example"
        record.bodySHA256 = "body"
        let queue = try DatabaseQueue(path: folder.file("s.sqlite").path)
        defer { try? queue.close() }
        try queue.write { db in
            var earlier = record
            earlier.contentSHA256 = "sha0"
            earlier.messageID = "<m0@x>"
            try earlier.insert(db)
            record.previousNumber = earlier.number
            try record.insert(db)
        }
        let number = try #require(record.number)
        let read = try #require(try store.submission(number: number))
        #expect(read == record)

        // The lists' projection: only the columns stored before the document.
        var expected = record
        expected.documentJSON = nil
        expected.checks = "[]"
        expected.problems = "[]"
        expected.threadIDs = "[]"
        expected.senderAddress = nil
        expected.bodySHA256 = nil
        var linked = expected
        expected.applicationKey = nil
        expected.revision = 1
        expected.previousNumber = nil
        let summary = try #require(try store.submissionSummaries(includeClosed: true).first { $0.number == record.number })
        #expect(summary == expected)
        #expect(summary.senderMailbox == "a@x.example", "the address is still read from the sender")
        // The SLA report's: with the revision links.
        let withLinks = try #require(
            try store.submissionSummaries(includeClosed: true, revisionLinks: true).first { $0.number == record.number })
        linked.previousNumber = record.previousNumber
        #expect(withLinks == linked)
    }
}
