import DeskCore
import DeskDocuments
import DeskTesting
import Foundation
import Testing
import Yams
import ZIPFoundation

/// `competency template`'s documents: each encoding reads back blank, and filled in the
/// way a partner would (text edited, cells typed) reads back to the same model.
struct TemplateTests {
    static let japaneseRootTitle = "AWS アカウントの root ユーザーを日常的なアクティビティに使用していない"
    static let englishRootTitle = "The AWS account root user is not used for routine activities"

    /// A small checklist with the shapes that matter: items for each delivery model, a conditional one.
    static let checklist = Checklist(
        id: "retail-technology",
        name: LocalizedText(ja: "AWS 小売コンピテンシー テクノロジーパートナー", en: "AWS Retail Competency — Technology Partner"),
        segments: [
            "customer-engagement": LocalizedText(ja: "カスタマーエンゲージメント", en: "Customer Engagement"),
            "physical-digital-virtual-stores": LocalizedText(
                ja: "実店舗とデジタルストアおよび仮想ストア", en: "Physical, Digital and Virtual Stores"),
        ],
        deliveryModels: [
            "saas": LocalizedText(ja: "SaaS", en: "SaaS"),
            "customer-deployed": LocalizedText(ja: "顧客デプロイ型", en: "Customer-deployed"),
        ],
        reusableCompetencies: ["data-analytics": LocalizedText(ja: "データ & 分析", en: "Data & Analytics")],
        items: [
            ChecklistItem(
                id: "PRE-2.1", kind: .prerequisite, title: LocalizedText(ja: "導入事例", en: "Case studies"),
                figures: ["case_studies": 4]),
            ChecklistItem(
                id: "TECH-1.1", kind: .technical, title: LocalizedText(ja: japaneseRootTitle, en: englishRootTitle),
                appliesTo: ["saas"]),
            ChecklistItem(
                id: "TECH-1.9", kind: .technical,
                title: LocalizedText(ja: "データの暗号化", en: "Data is encrypted"), appliesTo: ["saas", "customer-deployed"]),
            ChecklistItem(
                id: "TECH-1.25", kind: .technical,
                title: LocalizedText(ja: "PCI DSS – 認定あるいは SAQ", en: "PCI DSS – certification or SAQ"),
                appliesTo: ["saas", "customer-deployed"], condition: "handles_cardholder_data"),
            ChecklistItem(
                id: "TECH-2.10", kind: .technical,
                title: LocalizedText(ja: "デプロイメントガイド, \"手順\" あり", en: "A deployment guide, with \"steps\""),
                appliesTo: ["customer-deployed"]),
        ],
        techDocsAsk: nil)

    static var blank: SelfAssessment {
        var blank = SelfAssessment()
        blank.schema = "competency-self-assessment/v1"
        blank.program = "retail-technology"
        return blank
    }

    static func render(_ format: DocumentFormat, _ language: TextLanguage = .ja, checklist: Checklist = checklist)
        throws -> [UInt8]
    {
        try SelfAssessmentTemplate.render(checklist: checklist, language: language, format: format)
    }

    static func text(_ format: DocumentFormat, _ language: TextLanguage = .ja) throws -> String {
        let bytes = try render(format, language)
        return String(
            decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self)
    }

    // MARK: - Blank

    @Test(arguments: DocumentFormat.allCases, TextLanguage.allCases)
    func blankTemplateReadsBackAsAnEmptyDocument(format: DocumentFormat, language: TextLanguage) throws {
        let result = reading(try Self.render(format, language), format)
        #expect(result.problems.isEmpty, "\(result.problemText)")
        #expect(result.assessment == Self.blank)
        #expect(result.assessment?.presentSections.isEmpty == true, "blank sections are not present (PRE-5.1)")
    }

    @Test func yamlHasEveryKeyAndEveryItemWithComments() throws {
        let yaml = try Self.text(.yaml)
        #expect(yaml.components(separatedBy: "TECH-1.1: {answer: , evidence: }").count - 1 == 4)
        #expect(yaml.components(separatedBy: "TECH-2.10: {answer: , evidence: }").count - 1 == 4)
        #expect(yaml.contains("schema: competency-self-assessment/v1"))
        #expect(yaml.contains("program: retail-technology"))
        for key in [
            "apn_id:", "contact:", "segments:", "customers_total:", "handles_cardholder_data:", "deployment_guide:",
            "third_party:", "go_live:", "reused_from:", "thought_leadership:", "co_sell_compensation:",
            "guidelines_read:", "reviewed_by:",
        ] {
            #expect(yaml.contains(key), "\(key)")
        }
        // Each item's title and applicability, in the tenant's language, on its line.
        let rootLine = try #require(yaml.split(separator: "\n").first { $0.contains("TECH-1.1:") })
        #expect(rootLine.contains("# \(Self.japaneseRootTitle) (適用: SaaS)"))
        let pciLine = try #require(yaml.split(separator: "\n").first { $0.contains("TECH-1.25:") })
        #expect(pciLine.contains("適用: SaaS、顧客デプロイ型"))
        #expect(pciLine.contains("solution.handles_cardholder_data が はい の場合のみ"))
        #expect(yaml.contains("はい / いいえ / 該当なし"))
        #expect(yaml.contains("saas (SaaS) | customer-deployed (顧客デプロイ型)"))
        #expect(yaml.contains("2026年3月1日"))

        let english = try Self.text(.yaml, .en)
        #expect(english.contains("# \(Self.englishRootTitle) (applies to: SaaS)"))
        #expect(!english.contains(Self.japaneseRootTitle))
    }

    @Test func jsonHasTheSameKeysEveryValueNull() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(try Self.render(.json))) as? [String: Any])
        #expect(
            Set(object.keys)
                == [
                    "schema", "program", "partner", "solution", "case_studies", "web_presence", "business",
                    "self_assessment",
                ])
        #expect(object["schema"] as? String == "competency-self-assessment/v1")
        #expect((object["partner"] as? [String: Any])?["name"] is NSNull)
        let studies = try #require(object["case_studies"] as? [[String: Any]])
        #expect(studies.count == 4)
        for study in studies {
            let technical = try #require(study["technical"] as? [String: [String: Any]])
            #expect(Set(technical.keys) == ["TECH-1.1", "TECH-1.9", "TECH-1.25", "TECH-2.10"])
            #expect(technical["TECH-1.9"]?["answer"] is NSNull)
            #expect(technical["TECH-1.9"]?["evidence"] is NSNull)
        }
    }

    @Test func csvIsOneRowPerPathUTF8WithBOM() throws {
        let bytes = try Self.render(.csv)
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = try Self.text(.csv)
        #expect(text.hasPrefix("path,value\r\n"))
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let paths = lines.dropFirst().filter { !$0.hasPrefix("#") && !$0.hasPrefix("\"#") }.map {
            String($0.prefix { $0 != "," })
        }
        #expect(Set(paths).count == paths.count, "every path once")
        #expect(paths.filter { $0.hasSuffix(".answer") && $0.contains(".technical.") }.count == 4 * 4)
        #expect(paths.contains("case_studies.4.technical.TECH-2.10.evidence"))
        #expect(paths.contains("web_presence.thought_leadership.1.published"))
        #expect(paths.contains("business.co_sell_compensation.explanation"))
        // A title with a comma and quotes is one quoted comment field (RFC 4180).
        #expect(text.contains("\"# TECH-2.10 デプロイメントガイド, \"\"手順\"\" あり (適用: 顧客デプロイ型)\"\r\n"))
    }

    @Test func xlsxHasItsPartsAndBothSheets() throws {
        let parts = try Self.parts(of: try Self.render(.xlsx))
        for name in [
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml",
        ] {
            #expect(parts[name] != nil, "\(name)")
        }
        let workbook = try #require(parts["xl/workbook.xml"])
        #expect(workbook.contains(#"<sheet name="Self-Assessment" sheetId="1" r:id="rId1"/>"#))
        #expect(workbook.contains(#"<sheet name="Technical" sheetId="2" r:id="rId2"/>"#))
        let technical = try #require(parts["xl/worksheets/sheet2.xml"])
        #expect(technical.contains("<t>\(Self.japaneseRootTitle)</t>"))
        #expect(technical.contains("&quot;手順&quot;"))
        let main = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(main.contains("<t>partner.name</t>"))
        #expect(!main.contains("TECH-1.1.answer"), "technical answers are on the Technical sheet")
        #expect(main.contains("<t>説明</t>"))
    }

    // MARK: - Round trip

    @Test(arguments: DocumentFormat.allCases)
    func filledTemplateReadsBackToTheSameDocument(format: DocumentFormat) throws {
        let filled = try Self.fill(try Self.render(format), format, with: Filling.values)
        let result = reading(filled, format)
        #expect(result.problems.isEmpty, "\(result.problemText)")
        let assessment = try #require(result.assessment)
        #expect(assessment == Filling.expected)
        if assessment != Filling.expected {
            // Which part differs, when the whole does.
            #expect(assessment.partner == Filling.expected.partner)
            #expect(assessment.solution == Filling.expected.solution)
            #expect(assessment.caseStudies == Filling.expected.caseStudies)
            #expect(assessment.webPresence == Filling.expected.webPresence)
            #expect(assessment.business == Filling.expected.business)
            #expect(assessment.selfAssessment == Filling.expected.selfAssessment)
        }
    }

    @Test(arguments: DocumentFormat.allCases)
    func caseStudiesLeftBlankAtTheEndAreNotCounted(format: DocumentFormat) throws {
        let values = Filling.values.filter { !$0.0.hasPrefix("case_studies.4.") && !$0.0.hasPrefix("case_studies.3.") }
        let result = reading(try Self.fill(try Self.render(format), format, with: values), format)
        #expect(result.problems.isEmpty, "\(result.problemText)")
        #expect(result.assessment?.caseStudies == Array(Filling.expected.caseStudies.prefix(2)))
    }

    @Test(arguments: DocumentFormat.allCases)
    func aBlankCaseStudyBeforeAFilledOneKeepsItsPlace(format: DocumentFormat) throws {
        let values = Filling.values.filter { !$0.0.hasPrefix("case_studies.2.") }
        let result = reading(try Self.fill(try Self.render(format), format, with: values), format)
        var expected = Filling.expected.caseStudies
        expected[1] = SelfAssessment.CaseStudy()
        #expect(result.assessment?.caseStudies == expected)
    }

    // MARK: - The shipped checklist

    @Test func theShippedChecklistGivesEveryTechnicalItemInJapanese() throws {
        let checklist = try ShippedChecklist.load()
        #expect(checklist.technicalItems.count == 46)
        for format in DocumentFormat.allCases {
            let bytes = try Self.render(format, .ja, checklist: checklist)
            let result = reading(bytes, format)
            #expect(result.problems.isEmpty, "\(format): \(result.problemText)")
            #expect(result.assessment == Self.blank, "\(format)")
        }
        let yaml = String(decoding: try Self.render(.yaml, .ja, checklist: checklist), as: UTF8.self)
        for item in checklist.technicalItems {
            #expect(yaml.components(separatedBy: "\(item.id): {answer: , evidence: }").count - 1 == 4, "\(item.id)")
            #expect(yaml.contains(item.title.ja), "\(item.id)")
        }
        let technical = try #require(
            try Self.parts(of: try Self.render(.xlsx, .ja, checklist: checklist))["xl/worksheets/sheet2.xml"])
        #expect(technical.contains("<t>\(Self.japaneseRootTitle)</t>"))
        #expect(technical.contains(#"<row r="47">"#) && !technical.contains(#"<row r="48">"#), "a header and 46 items")
    }

    // MARK: - openpyxl

    @Test(.enabled(if: RequiredTool.openpyxl.shouldRun, "needs python3 with openpyxl"))
    func openpyxlOpensTheWorkbookAndItsAnswersReadBack() throws {
        try RequiredTool.openpyxl.require()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = folder.appendingPathComponent("template.xlsx")
        let filled = folder.appendingPathComponent("filled.xlsx")
        try Data(try Self.render(.xlsx)).write(to: template)
        let script = """
            import datetime, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            assert wb.sheetnames == ["Self-Assessment", "Technical"], wb.sheetnames
            sa, te = wb["Self-Assessment"], wb["Technical"]
            assert [c.value for c in sa[1]][:3] == ["path", "value", "説明"], [c.value for c in sa[1]]
            rows = {sa.cell(row=r, column=1).value: r for r in range(2, sa.max_row + 1)}
            assert sa.cell(row=rows["schema"], column=2).value == "competency-self-assessment/v1"
            assert sa.cell(row=rows["partner.name"], column=2).value is None
            assert "パートナー名" in sa.cell(row=rows["partner.name"], column=3).value
            assert te["A1"].value == "id" and te["A2"].value == "TECH-1.1", te["A2"].value
            assert te["B2"].value == sys.argv[3], te["B2"].value
            assert te["C2"].value is None and te["K2"].value == "SaaS", te["K2"].value
            sa.cell(row=rows["partner.name"], column=2, value="株式会社パイソン")
            sa.cell(row=rows["solution.customers_total"], column=2, value=42)
            sa.cell(row=rows["solution.handles_cardholder_data"], column=2, value=True)
            sa.cell(row=rows["case_studies.1.go_live"], column=2, value=datetime.date(2026, 3, 1))
            te["C2"], te["D2"], te["G2"] = "はい", True, "MFA を確認"
            te["C5"] = "該当なし"
            wb.save(sys.argv[2])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, template.path, filled.path, Self.japaneseRootTitle]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(message)")

        let result = reading(Array(try Data(contentsOf: filled)), .xlsx)
        #expect(result.problems.isEmpty, "\(result.problemText)")
        let assessment = try #require(result.assessment)
        #expect(assessment.partner.name == "株式会社パイソン")
        #expect(assessment.solution.customersTotal == "42")
        #expect(assessment.solution.handlesCardholderData == true)
        #expect(assessment.caseStudies.count == 2)
        #expect(assessment.caseStudies.first?.goLive?.date == date("2026-03-01"), "a real date cell")
        #expect(assessment.caseStudies.map { $0.technical["TECH-1.1"]?.answer } == [.yes, .yes])
        #expect(assessment.caseStudies.first?.technical["TECH-1.1"]?.evidence == "MFA を確認")
        #expect(assessment.caseStudies.first?.technical["TECH-2.10"]?.answer == .notApplicable)
    }
}

// MARK: - Filling a template in

/// What a partner writes, and what it must read as, whatever the encoding.
enum Filling {
    static let values: [(String, String)] = {
        var values: [(String, String)] = [
            ("partner.name", "株式会社サンプル小売テック"),
            ("partner.apn_id", "APN-100234"),
            ("partner.tier", "アドバンスト"),
            ("partner.contact.name", "佐藤 花子"),
            ("partner.contact.email", "hanako@sample.example"),
            ("solution.name", "Sample Commerce"),
            ("solution.segments", "実店舗とデジタルストアおよび仮想ストア; customer-engagement"),
            ("solution.delivery", "SaaS"),
            ("solution.customers_total", "42"),
            ("solution.handles_cardholder_data", "はい"),
            ("solution.architecture_diagram", "overall.png"),
            ("web_presence.landing_page", "https://sample.example/aws-retail"),
            ("web_presence.thought_leadership.1.url", "https://sample.example/blog/x"),
            ("web_presence.thought_leadership.1.published", "2026/06/10"),
            ("business.sales_toolkit", "提案資料"),
            ("business.support_channels", "email; 電話"),
            ("business.marketplace.listed", "true"),
            ("business.marketplace.url", "https://aws.amazon.com/marketplace/pp/x"),
            ("business.co_sell_compensation.answer", "explained"),
            ("business.co_sell_compensation.explanation", "四半期ごとに精算"),
            ("business.joint_success_process", "四半期ごとに確認"),
            ("self_assessment.guidelines_read", "はい"),
            ("self_assessment.reviewed_by.name", "Ken Ito"),
            ("self_assessment.reviewed_by.role", "PDM"),
        ]
        for n in 1...4 {
            let study = "case_studies.\(n)."
            values += [
                (study + "customer", "顧客 \(n)"),
                (study + "website", "https://customer-\(n).example"),
                (study + "segment", "カスタマーエンゲージメント"),
                (study + "challenge", n == 1 ? "在庫の分断, \"引用\" を含む" : "欠品"),
                (study + "solution", "POS と EC を統合"),
                (study + "third_party", "Stripe, Tableau"),
                (study + "go_live", n == 1 ? "2026年3月1日" : "2025-12-\(20 + n)"),
                (study + "stage", "本番"),
                (study + "outcomes", n == 1 ? "欠品率 12% 改善\n売上 5% 増" : "改善"),
                (study + "architecture_diagram", "arch-\(n).png"),
                (study + "technical.TECH-1.1.answer", "はい"),
                (study + "technical.TECH-1.1.evidence", "MFA を確認"),
                (study + "technical.TECH-1.9.answer", n == 2 ? "yes" : "該当なし"),
                (study + "technical.TECH-2.10.answer", "いいえ"),
                (study + "technical.TECH-2.10.evidence", "対応中: \"次期\" リリース"),
            ]
            if n == 1 {
                values += [(study + "public.url", "https://sample.example/cases/1"), (study + "public.kind", "導入事例")]
            }
            if n == 2 { values.append((study + "reused_from", "data-analytics")) }
        }
        return values
    }()

    static var expected: SelfAssessment {
        var document = TemplateTests.blank
        document.partner.name = "株式会社サンプル小売テック"
        document.partner.apnID = "APN-100234"
        document.partner.tier = "advanced"
        document.partner.contactName = "佐藤 花子"
        document.partner.contactEmail = "hanako@sample.example"
        document.solution.name = "Sample Commerce"
        document.solution.segments = ["physical-digital-virtual-stores", "customer-engagement"]
        document.solution.delivery = "saas"
        document.solution.customersTotal = "42"
        document.solution.handlesCardholderData = true
        document.solution.architectureDiagram = "overall.png"
        document.caseStudies = (1...4).map { n in
            var study = SelfAssessment.CaseStudy()
            study.customer = "顧客 \(n)"
            study.website = "https://customer-\(n).example"
            study.segment = "customer-engagement"
            study.challenge = n == 1 ? "在庫の分断, \"引用\" を含む" : "欠品"
            study.solution = "POS と EC を統合"
            study.thirdParty = "Stripe, Tableau"
            study.goLive =
                n == 1
                ? DocumentDate(date: LocalDate(year: 2026, month: 3, day: 1), written: "2026年3月1日")
                : DocumentDate(date: LocalDate(year: 2025, month: 12, day: 20 + n), written: "2025-12-\(20 + n)")
            study.stage = "production"
            study.outcomes = n == 1 ? "欠品率 12% 改善\n売上 5% 増" : "改善"
            study.architectureDiagram = "arch-\(n).png"
            if n == 1 {
                study.publicURL = "https://sample.example/cases/1"
                study.publicKind = "case-study"
            }
            if n == 2 { study.reusedFrom = "data-analytics" }
            study.technical = [
                "TECH-1.1": .init(answer: .yes, evidence: "MFA を確認"),
                "TECH-1.9": .init(answer: n == 2 ? .yes : .notApplicable),
                "TECH-2.10": .init(answer: .no, evidence: "対応中: \"次期\" リリース"),
            ]
            return study
        }
        document.webPresence.landingPage = "https://sample.example/aws-retail"
        document.webPresence.thoughtLeadership = [
            .init(
                url: "https://sample.example/blog/x",
                published: DocumentDate(date: LocalDate(year: 2026, month: 6, day: 10), written: "2026/06/10"))
        ]
        document.business.salesToolkit = "提案資料"
        document.business.supportChannels = ["email", "phone"]
        document.business.marketplaceListed = true
        document.business.marketplaceURL = "https://aws.amazon.com/marketplace/pp/x"
        document.business.coSellAnswer = "explained"
        document.business.coSellExplanation = "四半期ごとに精算"
        document.business.jointSuccessProcess = "四半期ごとに確認"
        document.selfAssessment.guidelinesRead = true
        document.selfAssessment.reviewedByName = "Ken Ito"
        document.selfAssessment.reviewedByRole = "pdm"
        document.presentSections = [
            "partner", "solution", "case_studies", "web_presence", "business", "self_assessment",
        ]
        return document
    }
}

extension TemplateTests {
    /// The template with `values` written in, as a partner would in each encoding: YAML
    /// and CSV lines edited, JSON values set, XLSX cells written into the sheet XML.
    static func fill(_ template: [UInt8], _ format: DocumentFormat, with values: [(String, String)]) throws -> [UInt8] {
        let table = Dictionary(values, uniquingKeysWith: { $1 })
        switch format {
        case .yaml: return Array(fillYAML(String(decoding: template, as: UTF8.self), table).utf8)
        case .csv: return fillCSV(template, table)
        case .json: return try fillJSON(template, table)
        case .xlsx: return try fillXLSX(template, table)
        }
    }

    /// Walks the YAML lines keeping the key path by indentation, and writes each value
    /// double-quoted (so YAML types nothing) in place of the blank.
    static func fillYAML(_ text: String, _ values: [String: String]) -> String {
        func quoted(_ value: String?) -> String { value.map { JSONValue.string($0).jsonText } ?? "" }
        var stack: [(indent: Int, key: String)] = []
        var counters: [String: Int] = [:]
        var output: [String] = []
        for line in text.components(separatedBy: "\n") {
            let indent = line.prefix { $0 == " " }.count
            var content = Substring(line.dropFirst(indent))
            guard !content.isEmpty, !content.hasPrefix("#") else {
                output.append(line)
                continue
            }
            var keyIndent = indent
            if content.hasPrefix("- ") {
                stack.removeAll { $0.indent >= indent }
                let list = stack.map(\.key).joined(separator: ".")
                counters[list, default: 0] += 1
                stack.append((indent, String(counters[list] ?? 1)))
                content = content.dropFirst(2)
                keyIndent = indent + 2
            }
            stack.removeAll { $0.indent >= keyIndent }
            guard let colon = content.firstIndex(of: ":") else {
                output.append(line)
                continue
            }
            let key = String(content[..<colon])
            stack.append((keyIndent, key))
            let path = stack.map(\.key).joined(separator: ".")
            let head = String(line.prefix(line.count - content.count)) + key + ":"
            if content.contains("{answer: , evidence: }") {
                let answer = values[path + ".answer"]
                let evidence = values[path + ".evidence"]
                output.append(
                    answer == nil && evidence == nil
                        ? line : head + " {answer: \(quoted(answer)), evidence: \(quoted(evidence))}")
            } else if let value = values[path] {
                output.append(head + " " + quoted(value))
            } else {
                output.append(line)
            }
        }
        return output.joined(separator: "\n")
    }

    static func fillCSV(_ template: [UInt8], _ values: [String: String]) -> [UInt8] {
        func field(_ text: String) -> String {
            text.contains { $0 == "," || $0 == "\"" || $0.isNewline }
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let text = String(decoding: template.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").map { line -> String in
            guard line.hasSuffix(","), let value = values[String(line.dropLast())] else { return line }
            return line + field(value)
        }
        return [0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Path segments, keeping a technical item id's dot (`TECH-1.9`).
    static func segments(_ path: String) -> [String] {
        var result: [String] = []
        for part in path.split(separator: ".").map(String.init) {
            if let last = result.last, last.hasPrefix("TECH-"), !last.contains("."), Int(part) != nil {
                result[result.count - 1] += "." + part
            } else {
                result.append(part)
            }
        }
        return result
    }

    static func fillJSON(_ template: [UInt8], _ values: [String: String]) throws -> [UInt8] {
        func set(_ value: String, at segments: ArraySlice<String>, in node: Any) -> Any {
            guard let key = segments.first else { return value }
            if var list = node as? [Any], let position = Int(key) {
                list[position - 1] = set(value, at: segments.dropFirst(), in: list[position - 1])
                return list
            }
            var object = node as? [String: Any] ?? [:]
            object[key] = set(value, at: segments.dropFirst(), in: object[key] ?? NSNull())
            return object
        }
        var root = try JSONSerialization.jsonObject(with: Data(template))
        for (path, value) in values { root = set(value, at: segments(path)[...], in: root) }
        return Array(try JSONSerialization.data(withJSONObject: root))
    }

    /// Writes each value as an inline-string cell in place of the template's blank
    /// cell: `Self-Assessment` column B by path, `Technical` C–F and G–J by item id.
    static func fillXLSX(_ template: [UInt8], _ values: [String: String]) throws -> [UInt8] {
        var parts = try parts(of: template)
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        func write(_ value: String, column: String, row: Int, in xml: inout String) {
            let blank = #"<c r="\#(column)\#(row)" s="2"/>"#
            let cell = #"<c r="\#(column)\#(row)" s="2" t="inlineStr"><is><t>\#(escape(value))</t></is></c>"#
            xml = xml.replacingOccurrences(of: blank, with: cell)
        }
        /// Row number → the text of its column A cell.
        func keys(_ xml: String) -> [(row: Int, key: String)] {
            xml.components(separatedBy: #"<row r=""#).dropFirst().compactMap { chunk in
                guard let row = Int(chunk.prefix { $0.isNumber }),
                    let start = chunk.range(of: #"<c r="A\#(row)" t="inlineStr"><is><t>"#),
                    let end = chunk.range(of: "</t>", range: start.upperBound..<chunk.endIndex)
                else { return nil }
                return (row, String(chunk[start.upperBound..<end.lowerBound]))
            }
        }
        var main = parts["xl/worksheets/sheet1.xml"] ?? ""
        for (row, path) in keys(main) {
            if let value = values[path] { write(value, column: "B", row: row, in: &main) }
        }
        var technical = parts["xl/worksheets/sheet2.xml"] ?? ""
        for (row, id) in keys(technical) {
            for study in 1...4 {
                let prefix = "case_studies.\(study).technical.\(id)."
                if let answer = values[prefix + "answer"] {
                    write(answer, column: ["C", "D", "E", "F"][study - 1], row: row, in: &technical)
                }
                if let evidence = values[prefix + "evidence"] {
                    write(evidence, column: ["G", "H", "I", "J"][study - 1], row: row, in: &technical)
                }
            }
        }
        parts["xl/worksheets/sheet1.xml"] = main
        parts["xl/worksheets/sheet2.xml"] = technical
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return Array(try #require(archive.data))
    }

    /// Every part of a workbook, as text.
    static func parts(of workbook: [UInt8]) throws -> [String: String] {
        let archive = try Archive(data: Data(workbook), accessMode: .read)
        var parts: [String: String] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            parts[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return parts
    }
}

/// The technical items of `Config/checklists/retail-technology.yaml` (DeskConfig's loader
/// is internal to it): ids, titles and applicability, enough for a template.
enum ShippedChecklist {
    static func load() throws -> Checklist {
        let url = RepositoryPaths.root.appendingPathComponent("Config/checklists/retail-technology.yaml")
        let root = try #require(try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any])
        func text(_ value: Any?) -> LocalizedText {
            let map = value as? [String: Any] ?? [:]
            return LocalizedText(ja: "\(map["ja"] ?? "")", en: "\(map["en"] ?? "")")
        }
        func labels(_ value: Any?) -> [String: LocalizedText] {
            (value as? [String: Any] ?? [:]).mapValues(text)
        }
        let items = (root["items"] as? [[String: Any]] ?? []).map { item in
            ChecklistItem(
                id: "\(item["id"] ?? "")", kind: ChecklistItem.Kind(rawValue: "\(item["kind"] ?? "")") ?? .prerequisite,
                title: text(item["title"]), appliesTo: Set((item["applies_to"] as? [String]) ?? []),
                condition: item["condition"] as? String,
                figures: ((item["rules"] as? [String: Any]) ?? [:]).compactMapValues { $0 as? Int })
        }
        return Checklist(
            id: "\(root["id"] ?? "")", name: text(root["name"]), segments: labels(root["segments"]),
            deliveryModels: labels(root["delivery_models"]),
            reusableCompetencies: labels(root["reusable_competencies"]),
            items: items, techDocsAsk: nil)
    }
}
