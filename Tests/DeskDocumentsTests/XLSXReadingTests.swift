import DeskCore
import DeskDocuments
import Foundation
import Testing

/// XLSX specifics: cell types, the two date systems, the `Technical` sheet, conflicts.
struct XLSXReadingTests {
    @Test(arguments: [
        // 1900 system: 1 is 1900-01-01; 59 is 1900-02-28; 61 is 1900-03-01 (60 is the fictitious 29 February).
        (1, false, "1900-01-01"), (59, false, "1900-02-28"), (61, false, "1900-03-01"), (46082, false, "2026-03-01"),
        (45657, false, "2024-12-31"),
        // 1904 system: 0 is 1904-01-01.
        (0, true, "1904-01-01"), (44620, true, "2026-03-01"),
    ])
    func dateCells(_ serial: Int, _ date1904: Bool, _ iso: String) throws {
        var builder = WorkbookBuilder.pathTable([("case_studies.1.go_live", .dateSerial(serial))])
        builder.date1904 = date1904
        let reading = reading(try builder.bytes(), .xlsx)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.caseStudies.first?.goLive == DocumentDate(date: date(iso), written: iso))
    }

    @Test func theFictitious29February1900IsReported() throws {
        let reading = reading(
            try WorkbookBuilder.pathTable([("case_studies.1.go_live", .dateSerial(60))]).bytes(), .xlsx)
        #expect(reading.assessment?.caseStudies.first?.goLive?.date == nil)
        #expect(
            reading.problems.contains {
                $0.location == "doc.xlsx Self-Assessment!B2" && $0.message.contains("no calendar date")
            }, "\(reading.problemText)")
    }

    @Test func aPlainNumberInADateFieldIsReadAsASerialAndSaidSo() throws {
        let reading = reading(
            try WorkbookBuilder.pathTable([("case_studies.1.go_live", .number("46082"))]).bytes(), .xlsx)
        #expect(reading.assessment?.caseStudies.first?.goLive?.date == date("2026-03-01"))
        #expect(reading.problems(about: "case_studies.1.go_live").first?.location == "doc.xlsx Self-Assessment!B2")
    }

    @Test func cellTypes() throws {
        let bytes = try WorkbookBuilder.pathTable([
            ("partner.name", .rich(["Acme ", "Retail"], phonetic: "アクメ")),
            ("partner.apn_id", .shared("APN-1")),
            ("solution.name", .inline("Shop & Co <1>")),
            ("partner.contact.name", .inlineRich(["佐藤 ", "花子"], phonetic: "サトウ ハナコ")),
            ("solution.customers_total", .number("42.0")),
            ("solution.handles_cardholder_data", .bool(false)),
            ("self_assessment.guidelines_read", .bool(true)),
            ("web_presence.thought_leadership.1.published", .isoDate("2026-06-10T00:00:00")),
            ("web_presence.landing_page", .error("#REF!")),
        ]).bytes()
        let reading = reading(bytes, .xlsx)
        let assessment = try #require(reading.assessment)
        #expect(assessment.partner.name == "Acme Retail")
        #expect(assessment.partner.apnID == "APN-1")
        #expect(assessment.solution.name == "Shop & Co <1>")
        #expect(assessment.partner.contactName == "佐藤 花子", "inline rich text, furigana left out")
        #expect(assessment.solution.customersTotal == "42")
        #expect(assessment.solution.handlesCardholderData == false)
        #expect(assessment.selfAssessment.guidelinesRead == true)
        #expect(assessment.webPresence.thoughtLeadership.first?.published?.date == date("2026-06-10"))
        #expect(assessment.webPresence.landingPage == nil)
        #expect(reading.problems.map(\.location) == ["doc.xlsx Self-Assessment!B10"], "\(reading.problemText)")
    }

    static let technicalHeader: [WorkbookBuilder.Cell?] = [
        .inline("id"), .inline("title"), .inline("case study 1"), .inline("case study 2"), .inline("case study 3"),
        .inline("case study 4"),
        .inline("evidence 1"), .inline("evidence 2"), .inline("evidence 3"), .inline("evidence 4"),
    ]

    @Test func technicalSheetAnswersEachCaseStudy() throws {
        let bytes = try WorkbookBuilder.pathTable(
            [("case_studies.1.customer", .inline("A"))],
            technical: [
                Self.technicalHeader,
                [
                    .inline("TECH-1.1"), .inline("root を使わない"), .inline("yes"), .shared("はい"), .bool(true),
                    .inline("n/a"), .inline("MFA"), nil, nil, nil,
                ],
                [.inline("TECH-1.9"), nil, .inline("適合"), nil, nil, .inline("不適合"), nil, nil, nil, .inline("対応中")],
                [nil, nil, .inline("yes")],
            ]
        ).bytes()
        let reading = reading(bytes, .xlsx)
        let studies = try #require(reading.assessment?.caseStudies)
        #expect(studies.count == 4)
        #expect(
            studies[0].technical == ["TECH-1.1": .init(answer: .yes, evidence: "MFA"), "TECH-1.9": .init(answer: .yes)])
        #expect(studies[1].technical == ["TECH-1.1": .init(answer: .yes)])
        #expect(studies[2].technical == ["TECH-1.1": .init(answer: .yes)])
        #expect(
            studies[3].technical == [
                "TECH-1.1": .init(answer: .notApplicable), "TECH-1.9": .init(answer: .no, evidence: "対応中"),
            ])
        #expect(reading.problems.map(\.location) == ["doc.xlsx Technical!C4"], "\(reading.problemText)")
    }

    @Test func bothSheetsAgreeingIsNoConflict() throws {
        let bytes = try WorkbookBuilder.pathTable(
            [("case_studies.1.technical.TECH-1.1.answer", .inline("はい"))],
            technical: [Self.technicalHeader, [.inline("TECH-1.1"), nil, .bool(true)]]
        ).bytes()
        let reading = reading(bytes, .xlsx)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.caseStudies.first?.technical["TECH-1.1"]?.answer == .yes)
    }

    @Test func sheetsDisagreeingIsAConflictNamingBothCells() throws {
        let bytes = try WorkbookBuilder.pathTable(
            [("case_studies.2.technical.TECH-1.9.answer", .inline("yes"))],
            technical: [Self.technicalHeader, [.inline("TECH-1.9"), nil, nil, .inline("no")]]
        ).bytes()
        let reading = reading(bytes, .xlsx)
        #expect(reading.assessment?.caseStudies[1].technical["TECH-1.9"] == nil)
        let conflict = try #require(
            reading.problems(about: "case_studies.2.technical.TECH-1.9.answer").first, "\(reading.problemText)")
        #expect(conflict.location == "doc.xlsx Technical!D2")
        #expect(conflict.message.contains("doc.xlsx Self-Assessment!B2"))
    }

    @Test func workbookWithoutTheSheet() throws {
        let bytes = try WorkbookBuilder(sheets: [.init(name: "Sheet1", rows: [[.inline("hello")]])]).bytes()
        let reading = reading(bytes, .xlsx)
        #expect(reading.assessment == nil)
        #expect(
            reading.problems.first?.message.contains("no sheet named Self-Assessment (its sheets: Sheet1)") == true,
            "\(reading.problemText)")
    }

    @Test func sheetNamesIgnoreCaseAndPrefixedXMLIsRead() throws {
        var builder = WorkbookBuilder(sheets: [.init(name: "self-assessment", rows: [])])
        // A generator that writes every element with a namespace prefix, and no row or cell references.
        builder.overrides["xl/worksheets/sheet1.xml"] = """
            <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>\
            <x:row><x:c t="inlineStr"><x:is><x:t>path</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>value</x:t></x:is></x:c></x:row>\
            <x:row><x:c t="inlineStr"><x:is><x:t>partner.name</x:t></x:is></x:c><x:c t="str"><x:f>A1</x:f><x:v>Acme</x:v></x:c></x:row>\
            </x:sheetData></x:worksheet>
            """
        let reading = reading(try builder.bytes(), .xlsx)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.partner.name == "Acme")
    }

    @Test(arguments: [
        ("yyyy-mm-dd", true), ("yyyy/m/d;@", true), (#"[$-411]ggge"年"m"月"d"日""#, true), ("m/d/yy h:mm", true),
        ("h:mm:ss", false), ("0.00E+00", false), (#"#,##0"日""#, false), ("General", false), ("mm:ss", false),
        ("[Red]0.00", false),
    ])
    func dateFormatCodes(_ code: String, _ isDate: Bool) throws {
        var builder = WorkbookBuilder.pathTable([("case_studies.1.challenge", .dateSerial(46082))])
        builder.overrides["xl/styles.xml"] = """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1">\
            <numFmt numFmtId="170" formatCode="\(code.replacingOccurrences(of: "\"", with: "&quot;"))"/></numFmts>\
            <cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="170"/></cellXfs></styleSheet>
            """
        let reading = reading(try builder.bytes(), .xlsx)
        #expect(reading.assessment?.caseStudies.first?.challenge == (isDate ? "2026-03-01" : "46082"))
    }
}
