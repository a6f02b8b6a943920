import DeskDocuments
import DeskServices
import DeskTesting
import Foundation
import Testing

/// A message built to bury the desk in problems (issue 7, finding 5: 999 small
/// CSV attachments made ten million problem rows): what is read, and what is
/// said about it, stays bounded.
struct AttachmentLimitsTests {
    /// A CSV self-assessment whose every row after the schema names an unknown path.
    static func badCSV(rows: Int) -> [UInt8] {
        let lines = (1...rows).map { "no_such_section\($0).item,x" }
        return Array((["path,value", "schema,competency-self-assessment/v1"] + lines).joined(separator: "\n").utf8)
    }

    @Test func theAssessorReadsAtMostTheFirstCandidateDocumentsAndSaysSo() {
        let limit = SubmissionAssessor.maximumCandidateDocuments
        let candidates: [SubmissionAssessor.Candidate] =
            [.init(name: "photo.png", bytes: [0x89, 0x50])]
            + (1...(limit + 10)).map { .init(name: "doc\($0).csv", bytes: Self.badCSV(rows: 3)) }
        let found = SubmissionAssessor.firstDocument(in: candidates)
        let named = Set(
            (1...(limit + 10)).filter { index in found.problems.contains { $0.hasPrefix("doc\(index).csv:") } })
        #expect(named == Set(1...limit), "only the first \(limit) documents are read")
        let rest = found.problems.filter { $0.contains("were not read") }
        #expect(rest.count == 1)
        #expect(rest.first?.contains("10 more") == true)
        #expect(rest.first?.contains("doc\(limit + 1).csv") == true)
    }

    @Test func aMessageWithNineHundredNinetyNineDamagedCSVAttachmentsGivesABoundedList() throws {
        var bytes = Array(
            "From: flood@example.com\r\nSubject: flood\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n".utf8)
        let csv = Self.badCSV(rows: 200)
        for index in 1...999 {
            bytes += Array("--b\r\nContent-Type: text/csv; name=\"a\(index).csv\"\r\n\r\n".utf8) + csv + [0x0D, 0x0A]
        }
        bytes += Array("--b--\r\n".utf8)
        let started = ContinuousClock.now
        let inspection = try MessageInspection(bytes: bytes, fileName: "flood.eml")
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(inspection.message?.attachments.count == 999)
        // The message's own (capped) problems, then per document read at most the
        // document cap and its "… and N more" line, then one line for the documents not read.
        let bound = 200 + SubmissionAssessor.maximumCandidateDocuments * (DocumentLimits().maxProblems + 1) + 1
        #expect(inspection.problems.count <= bound, "\(inspection.problems.count) problems")
        #expect(inspection.problems.contains { $0.contains("… and") && $0.contains("more problems") })
        #expect(inspection.problems.contains { $0.contains("979 more") && $0.contains("were not read") })
    }
}
