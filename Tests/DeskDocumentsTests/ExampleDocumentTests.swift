import DeskCore
import DeskDocuments
import Foundation
import Testing

/// The four correct example documents read with no problems, to the facts they state.
@Suite(.enabled(if: ExampleDocuments.folder != nil, "needs ../shared/examples/documents"))
struct ExampleDocumentTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var format: DocumentFormat
        var partner: String
        var apnID: String
        var delivery: String
        var segments: [String]
        var goLive: [String]
        var customersTotal: String
        var cardholderData: Bool
        var technicalAnswers: Int
        var description: String { file }
    }

    static let examples: [Expectation] = [
        .init(
            file: "self-assessment.yaml", format: .yaml, partner: "Aozora Commerce KK", apnID: "APN-310001",
            delivery: "saas",
            segments: ["physical-digital-virtual-stores", "customer-engagement"],
            goLive: ["2026-09-29", "2026-06-29", "2026-03-29", "2025-12-29"], customersTotal: "38",
            cardholderData: true, technicalAnswers: 46),
        .init(
            file: "self-assessment.json", format: .json, partner: "Kaede Analytics KK", apnID: "APN-310004",
            delivery: "saas",
            segments: ["physical-digital-virtual-stores", "customer-engagement"],
            goLive: ["2026-09-24", "2026-06-24", "2026-03-24", "2025-12-24"], customersTotal: "41",
            cardholderData: true, technicalAnswers: 46),
        .init(
            file: "self-assessment.csv", format: .csv, partner: "株式会社ツバメ流通システム", apnID: "APN-310003",
            delivery: "customer-deployed",
            segments: ["physical-digital-virtual-stores", "customer-engagement"],
            goLive: ["2026-09-29", "2026-06-29", "2026-03-29", "2025-12-29"], customersTotal: "40",
            cardholderData: true, technicalAnswers: 46),
        .init(
            file: "自己診断チェックリスト.xlsx", format: .xlsx, partner: "株式会社サクラ小売テック", apnID: "APN-310002",
            delivery: "customer-deployed",
            segments: ["physical-digital-virtual-stores", "customer-engagement"],
            goLive: ["2026-09-29", "2026-06-29", "2026-03-29", "2025-12-29"], customersTotal: "39",
            cardholderData: false, technicalAnswers: 46),
    ]

    @Test(arguments: examples)
    func readsWithoutProblems(_ example: Expectation) throws {
        let bytes = try ExampleDocuments.bytes(example.file)
        let clock = ContinuousClock()
        var result: DocumentReading?
        let elapsed = clock.measure {
            result = SelfAssessmentReader.read(bytes, format: example.format, fileName: example.file)
        }
        let reading = try #require(result)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        let assessment = try #require(reading.assessment)
        #expect(assessment.schema == "competency-self-assessment/v1")
        #expect(assessment.program == "retail-technology")
        #expect(assessment.partner.name == example.partner)
        #expect(assessment.partner.apnID == example.apnID)
        #expect(assessment.partner.tier == "advanced")
        #expect(assessment.solution.delivery == example.delivery)
        #expect(assessment.solution.segments == example.segments)
        #expect(assessment.solution.customersTotal == example.customersTotal)
        #expect(assessment.solution.handlesCardholderData == example.cardholderData)
        #expect(assessment.caseStudies.count == 4)
        #expect(assessment.caseStudies.map { $0.goLive?.date?.iso } == example.goLive)
        #expect(assessment.caseStudies.allSatisfy { $0.stage == "production" })
        #expect(assessment.caseStudies.map(\.technical.count) == Array(repeating: example.technicalAnswers, count: 4))
        #expect(assessment.business.supportChannels == ["email", "phone", "web-chat"])
        #expect(assessment.business.marketplaceListed == true)
        #expect(assessment.business.coSellAnswer == "yes")
        #expect(assessment.selfAssessment.guidelinesRead == true)
        #expect(assessment.selfAssessment.reviewedByRole == "pdm")
        #expect(assessment.webPresence.thoughtLeadership.count == 2)
        #expect(
            assessment.presentSections == [
                "partner", "solution", "case_studies", "web_presence", "business", "self_assessment",
            ])
        // The examples are a few dozen KiB: reading one is a matter of milliseconds, even in a debug build.
        #expect(elapsed < .milliseconds(500), "reading \(example.file) took \(elapsed)")
    }
}
