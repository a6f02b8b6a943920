import DeskCore
import DeskDocuments
import DeskTesting
import Foundation
import Testing

/// A workbook written by a real spreadsheet library, with real date cells, reads as expected.
@Suite(.enabled(if: RequiredTool.openpyxl.shouldRun, "needs python3 with openpyxl"))
struct OpenpyxlTests {
    @Test(arguments: [false, true])
    func workbookWrittenByOpenpyxl(date1904: Bool) throws {
        try RequiredTool.openpyxl.require()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-openpyxl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("self-assessment.xlsx")
        let script = """
            import datetime, sys, openpyxl
            wb = openpyxl.Workbook()
            wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904 if sys.argv[2] == "1" else openpyxl.utils.datetime.CALENDAR_WINDOWS_1900
            ws = wb.active
            ws.title = "Self-Assessment"
            ws.append(["path", "value"])
            ws.append(["partner.name", "株式会社テスト"])
            ws.append(["solution.customers_total", 42])
            ws.append(["solution.handles_cardholder_data", True])
            ws.append(["case_studies.1.go_live", datetime.date(2026, 3, 1)])
            ws.append(["case_studies.2.go_live", datetime.datetime(2025, 12, 29, 9, 30)])
            ws["B6"].number_format = "yyyy/mm/dd hh:mm"
            ws.append(["web_presence.thought_leadership.1.published", datetime.date(1904, 1, 2) if sys.argv[2] == "1" else datetime.date(1900, 1, 1)])
            tech = wb.create_sheet("Technical")
            tech.append(["id", "title", "case study 1", "case study 2", "case study 3", "case study 4", "evidence 1"])
            tech.append(["TECH-1.1", "root", "はい", "n/a", True, "no", "MFA"])
            wb.save(sys.argv[1])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, output.path, date1904 ? "1" : "0"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        let bytes = Array(try Data(contentsOf: output))
        let reading = SelfAssessmentReader.read(bytes, format: .xlsx, fileName: "self-assessment.xlsx")
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        let assessment = try #require(reading.assessment)
        #expect(assessment.partner.name == "株式会社テスト")
        #expect(assessment.solution.customersTotal == "42")
        #expect(assessment.solution.handlesCardholderData == true)
        #expect(assessment.caseStudies.map { $0.goLive?.date } == [date("2026-03-01"), date("2025-12-29"), nil, nil])
        // The first day each date system can hold (or its next, for 1904 whose day 0 openpyxl may not write).
        #expect(
            assessment.webPresence.thoughtLeadership.first?.published?.date
                == date(date1904 ? "1904-01-02" : "1900-01-01"))
        #expect(assessment.caseStudies.map { $0.technical["TECH-1.1"]?.answer } == [.yes, .notApplicable, .yes, .no])
        #expect(assessment.caseStudies[0].technical["TECH-1.1"]?.evidence == "MFA")
    }
}
