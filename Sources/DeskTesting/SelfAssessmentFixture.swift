import DeskCore

/// A complete, correct self-assessment to start a test from; each test then
/// breaks exactly the thing it is about.
public enum SelfAssessmentFixture {
    /// Receipt date the fixture's dates are chosen around: Sun 29 Nov 2026.
    public static let receivedOn = LocalDate(year: 2026, month: 11, day: 29)!

    /// Every check passes for this document received on `receivedOn`, with `technicalItems`
    /// (every TECH id of the checklist) answered yes in all four case studies.
    public static func complete(delivery: String = "saas", technicalItems: [String]) -> SelfAssessment {
        var document = SelfAssessment()
        document.schema = "competency-self-assessment/v1"
        document.program = "retail-technology"
        document.presentSections = ["partner", "solution", "case_studies", "web_presence", "business", "self_assessment"]
        document.partner.name = "Aozora Commerce KK"
        document.partner.apnID = "APN-310001"
        document.partner.tier = "premier"
        document.partner.contactName = "Hanako Sato"
        document.partner.contactEmail = "hanako@aozora-commerce.example"
        document.solution.name = "Aozora Unified Commerce"
        document.solution.segments = ["physical-digital-virtual-stores"]
        document.solution.delivery = delivery
        document.solution.customersTotal = "38"
        document.solution.handlesCardholderData = true
        document.solution.architectureDiagram = "overall.png"
        document.solution.deploymentGuide = delivery == "customer-deployed" ? "https://aozora.example/guide" : nil
        document.caseStudies = (1...4).map { number in
            var study = SelfAssessment.CaseStudy()
            study.customer = "Customer \(number)"
            study.website = "https://customer\(number).example"
            study.segment = "physical-digital-virtual-stores"
            study.challenge = "Stock was out of sync"
            study.solution = "Deployed on AWS"
            study.thirdParty = "SAP"
            study.goLive = DocumentDate(date: LocalDate(year: 2026, month: number + 1, day: 1), written: "2026-0\(number + 1)-01")
            study.stage = "production"
            study.outcomes = "Fewer stock-outs"
            study.architectureDiagram = "case\(number).png"
            if number <= 2 {
                study.publicURL = "https://aozora.example/cases/\(number)"
                study.publicKind = "case-study"
            }
            for item in technicalItems { study.technical[item] = .init(answer: .yes, evidence: "see runbook") }
            return study
        }
        document.webPresence.landingPage = "https://aozora.example/aws-retail"
        document.webPresence.thoughtLeadership = [.init(url: "https://aozora.example/blog/x", published: DocumentDate(date: LocalDate(year: 2026, month: 6, day: 10), written: "2026-06-10"))]
        document.business.salesToolkit = "Deck and demo"
        document.business.supportChannels = ["email", "phone"]
        document.business.marketplaceListed = true
        document.business.marketplaceURL = "https://aws.amazon.com/marketplace/pp/x"
        document.business.coSellAnswer = "yes"
        document.business.jointSuccessProcess = "Quarterly reviews"
        document.selfAssessment.guidelinesRead = true
        document.selfAssessment.reviewedByName = "Ken Ito"
        document.selfAssessment.reviewedByRole = "pdm"
        return document
    }

    /// The registry row the fixture's partner matches.
    public static let registryCSV = """
        apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email
        APN-310001,Aozora Commerce KK,premier,iot,aozora-commerce.example,aozora-pdm@partners.aws.example,
        APN-310009,Select Partner KK,select,,select.example,,
        """
}
