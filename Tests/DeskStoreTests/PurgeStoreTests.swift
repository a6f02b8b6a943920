import DeskCore
import DeskStore
import DeskTesting
import Foundation
import GRDB
import Testing

/// The store's side of the retention purge: which submissions are candidates, what
/// one transaction blanks and keeps, the audit row, and that the history's
/// append-only triggers are back in force afterwards.
@Suite struct PurgeStoreTests {
    let url: URL
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "purge-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent("t.sqlite")
    }

    func file(_ name: String, sha: String, responded: Bool) -> IngestedFile {
        var submission = SubmissionRecord(
            number: nil, verdict: "ready", subject: "Subject \(name)", sender: "Hanako <h@acme.example>",
            partner: "Acme", messageID: "<\(name)@acme.example>", contentSHA256: sha,
            receivedAt: now.timeIntervalSince1970, receiptSource: "received-header", dateHeader: "Mon, 30 Nov 2026",
            dueDate: "2026-12-04", deadline: now.timeIntervalSince1970 + 86_400,
            respondedAt: responded ? now.timeIntervalSince1970 + 3_600 : nil, closedAt: nil, assignee: "yamada",
            ignoredReason: nil, problems: "[\"from h@acme.example\"]", archivePath: "2026/11/\(sha)-\(name)",
            createdAt: now.timeIntervalSince1970)
        submission.documentJSON = "{\"partner\":{\"contact\":{\"email\":\"h@acme.example\"}}}"
        submission.checks = "[{\"id\":\"PRE-1.1\",\"status\":\"pass\",\"reason\":\"Hanako read it\"}]"
        submission.senderAddress = "h@acme.example"
        return IngestedFile(
            sourceName: name, size: 10, submission: submission, events: [("received", "received as \(name)")],
            actor: "competencyd")
    }

    @Test func aPurgeBlanksPersonalDataKeepsTheFactsAndLeavesTheHistoryAppendOnly() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: url)
        #expect(try store.recordIngestedFile(file("m1", sha: "aa", responded: true), at: now) == .stored(number: 1))
        #expect(try store.recordIngestedFile(file("m2", sha: "bb", responded: false), at: now) == .stored(number: 2))
        try store.recordNote("called h@acme.example", on: 1, by: "hanako", at: now)

        // Only the answered one, and only once nothing has happened to it since the cut-off.
        #expect(try store.purgeCandidates(before: now).isEmpty, "its response came after the cut-off")
        let later = now.addingTimeInterval(86_400)
        let candidates = try store.purgeCandidates(before: later)
        #expect(candidates.map(\.number) == [1])
        #expect(candidates.first?.archivePaths == ["2026/11/aa-m1"])

        let recorded = try #require(
            try store.recordPurge([1], filesRemoved: 1, bytesRemoved: 10, before: "2026-12-01", by: "root", at: later))
        #expect(recorded.numbers == [1])
        let purged = try #require(try store.submission(number: 1))
        #expect(purged.subject == nil && purged.sender == nil && purged.senderAddress == nil && purged.messageID == nil)
        #expect(purged.documentJSON == nil && purged.dateHeader == nil && purged.problems == "[]")
        #expect(purged.checks.contains("\"status\":\"pass\"") && !purged.checks.contains("Hanako"))
        #expect(purged.verdict == "ready" && purged.partner == "Acme" && purged.assignee == "yamada")
        #expect(
            purged.receivedAt == now.timeIntervalSince1970 && purged.respondedAt == now.timeIntervalSince1970 + 3_600)
        #expect(purged.deadline == now.timeIntervalSince1970 + 86_400 && purged.dueDate == "2026-12-04")
        #expect(try store.notes(on: 1).map(\.text) == ["(removed by the retention purge)"])
        #expect(try store.notes(on: 1).map(\.author) == ["hanako"])
        let history = try store.events(on: 1)
        #expect(history.map(\.kind) == ["received", "note", "purged"])
        #expect(history[0].detail == "received as m1", "the desk's factual entries stay")
        #expect(history[1].detail == "(removed by the retention purge)" && history[1].actor == "hanako")
        // The other submission is untouched.
        #expect(try store.submission(number: 2)?.subject == "Subject m2")

        // A second purge of the same submission (a concurrent one) records nothing.
        #expect(
            try store.recordPurge(
                [1], filesRemoved: 0, bytesRemoved: 0, before: "2026-12-01", by: "competencyd", at: later) == nil)
        #expect(try store.purges().map(\.id) == [recorded.id])
        #expect(try store.purges().first?.submissions == [1])
        #expect(try store.purgeCandidates(before: later.addingTimeInterval(86_400 * 365)).isEmpty, "purged once")

        // The history and the audit record are append-only again.
        let queue = try DatabaseQueue(path: url.path)
        #expect(throws: (any Error).self) {
            try queue.write { try $0.execute(sql: "UPDATE event SET detail = 'forged'") }
        }
        #expect(throws: (any Error).self) { try queue.write { try $0.execute(sql: "DELETE FROM purge") } }
        #expect(throws: (any Error).self) { try queue.write { try $0.execute(sql: "UPDATE purge SET actor = 'x'") } }
    }
}
