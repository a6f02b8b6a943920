import DeskCore
import DeskDocuments
import Testing

/// The same content in YAML, JSON, CSV and XLSX reads to the same model.
struct RoundTripTests {
    func yamlModel() throws -> SelfAssessment {
        let reading = reading(SampleDocument.yaml, .yaml)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        return try #require(reading.assessment)
    }

    @Test func yamlReadsTheFactsItStates() throws {
        let model = try yamlModel()
        #expect(model.partner.contactEmail == "hanako@acme.example")
        #expect(model.solution.segments == ["physical-digital-virtual-stores", "customer-engagement"])
        #expect(model.solution.deploymentGuide == nil)
        #expect(model.caseStudies.count == 2)
        #expect(model.caseStudies[0].challenge == "在庫の分断, \"引用\" を含む")
        #expect(model.caseStudies[0].technical["TECH-1.1"] == .init(answer: .yes, evidence: "MFA を確認"))
        #expect(model.caseStudies[0].technical["TECH-1.9"] == .init(answer: .notApplicable))
        #expect(model.caseStudies[0].technical["TECH-2.10"] == .init(answer: .no, evidence: "対応中"))
        #expect(model.caseStudies[1].publicURL == nil)
        #expect(model.caseStudies[1].reusedFrom == "data-analytics")
        #expect(model.caseStudies[1].goLive == DocumentDate(date: date("2025-12-29"), written: "2025-12-29"))
        #expect(model.business.coSellAnswer == "explained")
        #expect(
            model.webPresence.thoughtLeadership == [
                .init(
                    url: "https://acme.example/blog/x",
                    published: .init(date: date("2026-06-10"), written: "2026-06-10"))
            ])
    }

    @Test func jsonReadsAsYAMLDoes() throws {
        let reading = reading(SampleDocument.json, .json)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(try #require(reading.assessment).comparable == yamlModel().comparable)
    }

    @Test func csvReadsAsYAMLDoes() throws {
        let reading = reading(SampleDocument.csv, .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(try #require(reading.assessment).comparable == yamlModel().comparable)
    }

    @Test func cp932CSVReadsAsYAMLDoes() throws {
        let reading = reading(try cp932(SampleDocument.csv), .csv)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(try #require(reading.assessment).comparable == yamlModel().comparable)
    }

    @Test(arguments: [false, true])
    func xlsxReadsAsYAMLDoes(date1904: Bool) throws {
        let reading = reading(try SampleDocument.workbook(date1904: date1904).bytes(), .xlsx)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(try #require(reading.assessment).comparable == yamlModel().comparable)
    }

    @Test func canonicalJSONIsTheSameForEveryEncoding() throws {
        let yaml = try yamlModel().canonicalJSONObject()
        let csv = try #require(reading(SampleDocument.csv, .csv).assessment).canonicalJSONObject()
        #expect(yaml == csv)
        #expect(yaml["solution"]?["customers_total"] == .number(42))
        #expect(yaml["case_studies"].map { if case .array(let items) = $0 { items.count } else { 0 } } == 2)
        // Keys in the canonical order, named as the YAML names them.
        guard case .object(let fields) = yaml else { Issue.record("not an object"); return }
        #expect(
            fields.map(\.0) == [
                "schema", "program", "partner", "solution", "case_studies", "web_presence", "business",
                "self_assessment",
            ])
        #expect(yaml.jsonText.contains(#""go_live":"2026-03-01""#))
        #expect(yaml.jsonText.contains(#""TECH-1.9":{"answer":"n/a","evidence":null}"#))
    }
}

extension SelfAssessment {
    /// The model with dates reduced to what they mean: `written` keeps each encoding's
    /// own spelling (`2026年3月1日`, a date cell), which is meant to differ.
    var comparable: SelfAssessment {
        var copy = self
        func normalise(_ date: DocumentDate?) -> DocumentDate? {
            date.map { DocumentDate(date: $0.date, written: $0.date?.iso ?? $0.written) }
        }
        for index in copy.caseStudies.indices {
            copy.caseStudies[index].goLive = normalise(copy.caseStudies[index].goLive)
        }
        for index in copy.webPresence.thoughtLeadership.indices {
            copy.webPresence.thoughtLeadership[index].published = normalise(
                copy.webPresence.thoughtLeadership[index].published)
        }
        return copy
    }
}
