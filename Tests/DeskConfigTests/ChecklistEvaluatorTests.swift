import DeskConfig
import DeskCore
import DeskTesting
import Foundation
import Testing

/// The checks of PRODUCT.md §5 on the shipped checklist, one test per rule edge.
@Suite struct ChecklistEvaluatorTests {
    static let checklist: Checklist = {
        do {
            let configuration = try DeskConfiguration.load(from: RepositoryPaths.root.appendingPathComponent("Config/competencyd.yaml"))
            guard let checklist = configuration.tenant("retail-jp")?.checklists["retail-technology"] else {
                fatalError("retail-jp does not list the retail-technology checklist")
            }
            return checklist
        } catch {
            fatalError("the shipped Config/ does not load: \(error)")
        }
    }()
    static let registry = try! PartnerRegistry(csv: SelfAssessmentFixture.registryCSV)
    static let subject = "[Aozora Commerce KK], Retail Competency Technology Partner Completed Self-Assessment"

    func evaluate(
        _ document: SelfAssessment, receivedOn: LocalDate = SelfAssessmentFixture.receivedOn, language: TextLanguage = .en,
        subject: String? = subject, attachments: [String] = ["overall.png", "case1.png", "case2.png", "case3.png", "case4.png"]
    ) -> [String: CheckResult] {
        let match = Self.registry.match(apnID: document.partner.apnID, name: document.partner.name)
        let context = ChecklistEvaluator.Context(
            receivedOn: receivedOn, registryPartner: match?.partner, registryMatch: match?.by, subject: subject,
            attachmentNames: attachments, language: language)
        let results = ChecklistEvaluator(checklist: Self.checklist).evaluate(document, context: context)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.id, $0) })
    }

    func complete(_ delivery: String = "saas") -> SelfAssessment {
        SelfAssessmentFixture.complete(delivery: delivery, technicalItems: Self.checklist.technicalItems.map(\.id))
    }

    @Test(arguments: ["saas", "customer-deployed"])
    func aCompleteDocumentIsReady(_ delivery: String) {
        let results = evaluate(complete(delivery))
        #expect(results.count == Self.checklist.items.count + 1, "every item plus TECH-DOCS")
        #expect(results.values.filter { $0.status == .fail }.map(\.id).sorted() == [])
        #expect(Verdict(checks: Array(results.values)) == .ready)
    }

    // 18-month window on both sides (receipt 2026-11-29 → earliest go-live 2025-05-29).
    @Test(arguments: [
        ("2025-05-29", CheckResult.Status.pass), ("2025-05-28", .fail), ("2026-11-29", .pass), ("2026-11-30", .fail),
    ])
    func goLiveWindow(_ iso: String, _ expected: CheckResult.Status) {
        var document = complete()
        document.caseStudies[2].goLive = DocumentDate(date: LocalDate(iso: iso), written: iso)
        let result = evaluate(document)["PRE-2.1"]
        #expect(result?.status == expected)
        if expected == .fail { #expect(result?.reason.contains("case study 3") == true, "\(result?.reason ?? "")") }
    }

    // 12-month window for thought leadership (earliest 2025-11-29).
    @Test(arguments: [
        ("2025-11-29", CheckResult.Status.pass), ("2025-11-28", .fail), ("2026-11-29", .pass), ("2026-11-30", .fail),
    ])
    func thoughtLeadershipWindow(_ iso: String, _ expected: CheckResult.Status) {
        var document = complete()
        document.webPresence.thoughtLeadership = [.init(url: "https://aozora.example/blog", published: DocumentDate(date: LocalDate(iso: iso), written: iso))]
        #expect(evaluate(document)["PRE-3.2"]?.status == expected)
    }

    @Test(arguments: [3, 4, 5])
    func exactlyFourCaseStudies(_ count: Int) {
        var document = complete()
        while document.caseStudies.count > count { document.caseStudies.removeLast() }
        while document.caseStudies.count < count { document.caseStudies.append(document.caseStudies[0]) }
        let result = evaluate(document)["PRE-2.1"]
        #expect(result?.status == (count == 4 ? .pass : .fail))
        if count != 4 { #expect(result?.reason.contains("\(count) case studies given") == true) }
    }

    @Test func pilotsAndPoCsFailNamingTheCaseStudy() {
        var document = complete()
        document.caseStudies[1].stage = "pilot"
        document.caseStudies[3].stage = "poc"
        let reason = evaluate(document)["PRE-2.1"]?.reason ?? ""
        #expect(reason.contains("case study 2: stage is pilot"))
        #expect(reason.contains("case study 4: stage is poc"))
    }

    @Test func missingFieldsAndBadURLsAreNamed() {
        var document = complete()
        document.caseStudies[0].outcomes = nil
        document.caseStudies[0].website = "mart.example"
        let result = evaluate(document)["PRE-2.1"]
        #expect(result?.status == .fail)
        #expect(result?.reason.contains("case study 1: outcomes missing") == true)
        #expect(result?.reason.contains("website \"mart.example\" is not an http/https URL") == true)
    }

    @Test(arguments: [
        ("iot", CheckResult.Status.pass),  // held per the registry
        ("migration", .fail),  // reusable, but not held
        ("security", .fail),  // not a reusable competency at all
    ])
    func reuseOnlyFromHeldCompetencies(_ competency: String, _ expected: CheckResult.Status) {
        var document = complete()
        document.caseStudies[0].reusedFrom = competency
        #expect(evaluate(document)["PRE-2.1"]?.status == expected)
    }

    @Test func reuseByAPartnerNotInTheRegistryNeedsAPerson() {
        var document = complete()
        document.partner.apnID = nil
        document.partner.name = "Unknown KK"
        document.caseStudies[0].reusedFrom = "iot"
        let results = evaluate(document)
        #expect(results["PRE-2.1"]?.status == .review)
        #expect(results["PRE-1.2"]?.status == .review)
    }

    @Test func tierComesFromTheRegistryAndNamesTheSelfDeclaredOne() {
        var document = complete()
        document.partner.apnID = "APN-310009"
        document.partner.tier = "advanced"
        let result = evaluate(document)["PRE-1.2"]
        #expect(result?.status == .fail)
        #expect(result?.reason.contains("select") == true)
        #expect(result?.reason.contains("self-declared tier \"advanced\"") == true)
    }

    @Test func cardholderItemsAreNotApplicableWithoutCardholderData() {
        var document = complete()
        for index in document.caseStudies.indices { document.caseStudies[index].technical["TECH-1.25"] = nil }
        #expect(evaluate(document)["TECH-1.25"]?.status == .fail, "applies while cardholder data is handled")
        document.solution.handlesCardholderData = false
        let results = evaluate(document)
        #expect(results["TECH-1.25"]?.status == .notApplicable)
        #expect(results["TECH-1.26"]?.status == .notApplicable)
    }

    @Test func saasOnlyItemsAreNotApplicableToCustomerDeployed() throws {
        let saasOnly = try #require(Self.checklist.technicalItems.first { $0.appliesTo == ["saas"] })
        let both = try #require(Self.checklist.technicalItems.first { $0.appliesTo.count == 2 && $0.condition == nil })
        var document = complete("customer-deployed")
        for index in document.caseStudies.indices { document.caseStudies[index].technical = [:] }
        let results = evaluate(document)
        #expect(results[saasOnly.id]?.status == .notApplicable)
        #expect(results[both.id]?.status == .fail)
        #expect(results[both.id]?.reason.contains("case study 1 has no answer") == true)
    }

    @Test func aNoAnswerFailsNamingTheCaseStudyInJapanese() {
        var document = complete()
        document.caseStudies[2].technical["TECH-1.1"] = .init(answer: .no)
        let result = evaluate(document, language: .ja)["TECH-1.1"]
        #expect(result?.status == .fail)
        #expect(result?.reason == "導入事例 3 は「いいえ」。")
    }

    @Test func techDocsFollowTheDeliveryModel() {
        var saas = complete()
        #expect(evaluate(saas, attachments: ["case1.png", "case2.png", "case3.png", "case4.png"])["TECH-DOCS"]?.status == .fail, "the whole-solution diagram is not attached")
        saas.solution.architectureDiagram = "https://aozora.example/overall.png"
        #expect(evaluate(saas, attachments: ["case1.png", "case2.png", "case3.png", "case4.png"])["TECH-DOCS"]?.status == .pass)
        var deployed = complete("customer-deployed")
        deployed.solution.deploymentGuide = "guide.pdf"
        let result = evaluate(deployed)["TECH-DOCS"]
        #expect(result?.status == .fail)
        #expect(result?.reason.contains("deployment guide") == true)
        #expect(evaluate(deployed, attachments: ["guide.pdf", "case1.png", "case2.png", "case3.png", "case4.png"])["TECH-DOCS"]?.status == .pass)
    }

    @Test(arguments: [
        ("Aozora Commerce KK, Retail Competency Technology Partner Completed Self-Assessment", CheckResult.Status.pass),
        ("[Aozora Commerce KK], Retail Competency Technology Partner Completed Self-Assessment", .pass),
        ("Self assessment attached", .review),
    ])
    func subjectFormatIsReviewNotFail(_ subject: String, _ expected: CheckResult.Status) {
        #expect(evaluate(complete(), subject: subject)["PRE-5.1"]?.status == expected)
    }

    @Test func missingSectionsFailCompleteness() {
        var document = complete()
        document.presentSections.remove("business")
        let result = evaluate(document)["PRE-5.1"]
        #expect(result?.status == .fail)
        #expect(result?.reason.contains("business") == true)
    }

    @Test(arguments: [
        (["email"], CheckResult.Status.pass), (["web-chat", "phone"], .pass), ([], .fail), (["email", "fax"], .fail),
    ])
    func supportChannels(_ channels: [String], _ expected: CheckResult.Status) {
        var document = complete()
        document.business.supportChannels = channels
        #expect(evaluate(document)["PRE-4.2"]?.status == expected)
    }

    @Test(arguments: [("38", CheckResult.Status.pass), ("0", .pass), ("-1", .fail), ("3.5", .fail), ("many", .fail)])
    func customersTotalIsAWholeNumber(_ written: String, _ expected: CheckResult.Status) {
        var document = complete()
        document.solution.customersTotal = written
        #expect(evaluate(document)["PRE-1.4"]?.status == expected)
    }

    @Test func onePublicCaseStudyIsNotEnough() {
        var document = complete()
        document.caseStudies[1].publicURL = nil
        document.caseStudies[1].publicKind = nil
        #expect(evaluate(document)["PRE-2.2"]?.status == .fail)
        document.caseStudies[3].publicURL = "https://aozora.example/blog/y"
        document.caseStudies[3].publicKind = "blog"
        #expect(evaluate(document)["PRE-2.2"]?.status == .pass)
    }

    @Test func coSellAndMarketplaceRules() {
        var document = complete()
        document.business.coSellAnswer = "explained"
        #expect(evaluate(document)["PRE-4.4"]?.status == .fail)
        document.business.coSellExplanation = "Partner-led deals are compensated quarterly"
        #expect(evaluate(document)["PRE-4.4"]?.status == .pass)
        document.business.marketplaceListed = false
        document.business.marketplaceURL = nil
        #expect(evaluate(document)["PRE-4.3"]?.status == .pass)
        document.business.marketplaceListed = true
        #expect(evaluate(document)["PRE-4.3"]?.status == .fail)
    }
}
