import DeskCore
import DeskDocuments
import Foundation
import Testing

/// YAML, JSON and CSV specifics: where problems point, how values are typed.
struct TextFormatTests {
    @Test func yamlProblemsNameTheirLine() {
        let yaml = """
            schema: competency-self-assessment/v1
            partner:
              name: Acme
              nmae: typo
            case_studies:
              - customer: Mart
                go_live: someday
                technical:
                  TECH-1.1: {answer: perhaps}
            solution: [not, a, mapping]
            """
        let reading = reading(yaml, .yaml)
        let assessment = reading.assessment
        #expect(assessment?.partner.name == "Acme")
        let typo = reading.problems(about: "partner.nmae").first
        #expect(typo?.location == "doc.yaml line 4")
        #expect(typo?.message.contains("did you mean `name`") == true, "\(reading.problemText)")
        #expect(reading.problems(about: "case_studies.1.go_live").first?.location == "doc.yaml line 7")
        #expect(
            reading.problems(about: "case_studies.1.technical.TECH-1.1.answer").first?.location == "doc.yaml line 9")
        #expect(reading.problems(about: "solution").first?.location == "doc.yaml line 10")
        #expect(assessment?.presentSections == ["partner", "case_studies", "solution"])
    }

    @Test func yamlSyntaxErrorNamesLineAndColumn() {
        let reading = reading("partner:\n  name: \"Acme\n  tier: x\n", .yaml)
        #expect(reading.assessment == nil)
        #expect(reading.problems.first?.location?.hasPrefix("doc.yaml line") == true, "\(reading.problemText)")
    }

    @Test func yamlTypingKeepsTextAsWritten() throws {
        let yaml = """
            partner: {name: yes, apn_id: 00123}
            solution: {customers_total: 42, handles_cardholder_data: no, name: '2026-03-01'}
            case_studies:
              - {customer: null, go_live: 2026-03-01, technical: {tech-1.1: Yes, TECH-1.2: {answer: false}}}
            """
        let reading = reading(yaml, .yaml)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        let assessment = try #require(reading.assessment)
        #expect(assessment.partner.name == "yes")
        #expect(assessment.partner.apnID == "00123")
        #expect(assessment.solution.customersTotal == "42")
        #expect(assessment.solution.handlesCardholderData == false)
        #expect(assessment.solution.name == "2026-03-01")
        #expect(assessment.caseStudies.first?.customer == nil)
        #expect(assessment.caseStudies.first?.goLive == DocumentDate(date: date("2026-03-01"), written: "2026-03-01"))
        #expect(
            assessment.caseStudies.first?.technical == [
                "TECH-1.1": .init(answer: .yes), "TECH-1.2": .init(answer: .no),
            ])
    }

    @Test func yamlMergeKeys() {
        let yaml = """
            defaults: &defaults {stage: production, third_party: none}
            case_studies:
              - <<: *defaults
                customer: Mart
                stage: pilot
            """
        let reading = reading(yaml, .yaml)
        #expect(reading.assessment?.caseStudies.first?.stage == "pilot")
        #expect(reading.assessment?.caseStudies.first?.thirdParty == "none")
        // `defaults` itself is no key of the form.
        #expect(reading.problems.map(\.field) == ["defaults"])
    }

    @Test func jsonSyntaxErrorNamesLineAndColumn() {
        let json = "{\n  \"partner\": {\n    \"name\": \"Acme\",\n    \"tier\" \"advanced\"\n  }\n}"
        let reading = reading(json, .json)
        #expect(reading.assessment == nil)
        #expect(reading.problems.first?.location == "doc.json line 4, column 12", "\(reading.problemText)")
        #expect(reading.problems.first?.message.contains("expected `:`") == true)
    }

    @Test func jsonValueProblemsNameTheirLine() {
        let json = """
            {
              "solution": {
                "handles_cardholder_data": "sometimes",
                "segments": "customer-engagement;iot"
              },
              "case_studies": {"customer": "not a list"},
              "business": {"sales_toolkit": ["a", "list"]}
            }
            """
        let reading = reading(json, .json)
        #expect(reading.problems(about: "solution.handles_cardholder_data").first?.location == "doc.json line 3")
        #expect(reading.assessment?.solution.segments == ["customer-engagement", "iot"])
        #expect(reading.problems(about: "case_studies").first?.location == "doc.json line 6")
        #expect(reading.problems(about: "business.sales_toolkit").first?.message.contains("found a list") == true)
        #expect(reading.assessment?.business.salesToolkit == nil)
    }

    @Test func jsonDuplicateKeysAreReportedNotGuessed() {
        let reading = reading(#"{"partner": {"name": "A", "name": "B"}}"#, .json)
        #expect(reading.assessment?.partner.name == nil)
        #expect(reading.problems(about: "partner.name").first?.message.contains("given twice") == true)
    }

    @Test func jsonEscapes() {
        let reading = reading(#"{"partner": {"name": "A\u0026B \ud83d\ude00 \"q\" \u682a"}}"#, .json)
        #expect(reading.assessment?.partner.name == "A&B 😀 \"q\" 株")
    }

    @Test func csvProblemsNameLineAndColumn() {
        let csv = "path,value\npartner.name,Acme\ncase_studies.1.go_live,someday\ncase_studies.1.custmer,Mart\n,stray\n"
        let reading = reading(csv, .csv)
        #expect(reading.problems(about: "case_studies.1.go_live").first?.location == "doc.csv line 3, column 2")
        #expect(reading.problems(about: "case_studies.1.custmer").first?.location == "doc.csv line 4, column 1")
        #expect(
            reading.problems.contains {
                $0.location == "doc.csv line 5, column 1" && $0.message.contains("without a path")
            }, "\(reading.problemText)")
    }

    @Test func csvWithBOMAndQuotedLineBreaks() throws {
        let csv =
            "\u{FEFF}path,value\r\ncase_studies.1.challenge,\"first line\r\nsecond, with \"\"quotes\"\"\"\r\ncase_studies.1.customer,Mart\r\n"
        let reading = reading(csv, .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        let study = try #require(reading.assessment?.caseStudies.first)
        #expect(study.challenge == "first line\r\nsecond, with \"quotes\"")
        #expect(study.customer == "Mart")
    }

    @Test func cp932CSVWithVendorCharacters() throws {
        // 髙 (IBM extension) and ① (NEC special) exist in CP932 but not in plain Shift_JIS.
        let bytes = try cp932("path,value\ncase_studies.1.customer,髙島ストア①号店\nsolution.delivery,顧客デプロイ型\n")
        let reading = reading(bytes, .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.caseStudies.first?.customer == "髙島ストア①号店")
        #expect(reading.assessment?.solution.delivery == "customer-deployed")
    }

    @Test func csvListPositionsKeepTheirPlace() throws {
        let csv = "path,value\ncase_studies.1.customer,A\ncase_studies.4.customer,D\ncase_studies.0.customer,zero\n"
        let reading = reading(csv, .csv)
        let studies = try #require(reading.assessment?.caseStudies)
        #expect(studies.map(\.customer) == ["A", nil, nil, "D"])
        #expect(
            reading.problems(about: "case_studies.0.customer").first?.message.contains("positions count from 1") == true
        )
    }

    @Test func csvConflictingRowsAreReportedNotGuessed() {
        let csv =
            "path,value\npartner.name,Acme\npartner.name,Acme\ncase_studies.1.technical.TECH-1.1.answer,yes\ncase_studies.1.technical.TECH-1.1.answer,いいえ\n"
        let reading = reading(csv, .csv)
        #expect(reading.assessment?.partner.name == "Acme")
        #expect(reading.assessment?.caseStudies.first?.technical["TECH-1.1"] == nil)
        let conflict = reading.problems(about: "case_studies.1.technical.TECH-1.1.answer").first
        #expect(conflict?.location == "doc.csv line 5, column 2")
        #expect(conflict?.message.contains("doc.csv line 4, column 2") == true, "\(reading.problemText)")
    }

    @Test func technicalPathsKeepTheDotInTheItemID() throws {
        let csv =
            "path,value\ncase_studies.1.technical.TECH-1.9.answer,yes\ncase_studies.1.technical.TECH-1.9.evidence,log\ncase_studies.1.technical.TECH-4.2,no\n"
        let reading = reading(csv, .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        let technical = try #require(reading.assessment?.caseStudies.first?.technical)
        #expect(technical == ["TECH-1.9": .init(answer: .yes, evidence: "log"), "TECH-4.2": .init(answer: .no)])
    }

    @Test func unknownSchemaIsReportedButRead() {
        let reading = reading("schema: competency-self-assessment/v9\npartner: {name: A}\n", .yaml)
        #expect(reading.assessment?.partner.name == "A")
        #expect(reading.problems(about: "schema").count == 1)
    }
}

/// PRE-5.1 needs to know which sections a document has; an empty one does not count.
struct PresentSectionTests {
    @Test func emptySectionsAreNotPresent() {
        let yaml = "partner: {name: A}\nsolution: {}\nbusiness: null\nweb_presence: {thought_leadership: []}\n"
        #expect(reading(yaml, .yaml).assessment?.presentSections == ["partner"])
    }

    @Test func emptyTemplateRowsAreNotPresent() {
        let csv = "path,value\npartner.name,A\nbusiness.sales_toolkit,\nself_assessment.guidelines_read,\"  \"\n"
        let reading = reading(csv, .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.presentSections == ["partner"])
        #expect(reading.assessment?.business.salesToolkit == nil)
    }
}
