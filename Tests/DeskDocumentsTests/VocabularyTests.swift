import DeskCore
import DeskDocuments
import Testing

/// Each label, answer word and date form a person may write, through the whole
/// reader (CSV rows, where every value is text as typed).
struct VocabularyTests {
    func readRow(_ path: String, _ value: String) -> DocumentReading {
        reading("path,value\n\(path),\"\(value)\"\n", .csv)
    }

    @Test(arguments: [
        ("カスタマーエンゲージメント", "customer-engagement"),
        ("企業商品と計画", "merchandising-and-planning"),
        ("サプライチェーンと流通", "supply-chain-and-distribution"),
        ("実店舗とデジタルストアおよび仮想ストア", "physical-digital-virtual-stores"),
        ("高度な小売データサイエンス", "advanced-retail-data-science"),
        ("コアとなる小売ビジネスアプリケーション", "core-retail-business-applications"),
        ("  Customer-Engagement ", "customer-engagement"),
        ("ＣＵＳＴＯＭＥＲ－ＥＮＧＡＧＥＭＥＮＴ", "customer-engagement"),
        ("customer_engagement", "customer-engagement"),
        ("a segment of our own", "a segment of our own"),
    ])
    func segmentLabels(_ written: String, _ slug: String) {
        #expect(readRow("case_studies.1.segment", written).assessment?.caseStudies.first?.segment == slug)
        #expect(readRow("solution.segments", written).assessment?.solution.segments == [slug])
    }

    @Test(arguments: [
        ("顧客デプロイ型", "customer-deployed"), ("SaaS", "saas"), ("saas", "saas"),
        ("Customer-Deployed", "customer-deployed"),
        ("on-premises", "on-premises"),
    ])
    func deliveryLabels(_ written: String, _ slug: String) {
        #expect(readRow("solution.delivery", written).assessment?.solution.delivery == slug)
    }

    @Test(arguments: [
        ("Advanced", "advanced"), ("PREMIER", "premier"), (" select ", "select"), ("registered", "registered"),
    ])
    func tiers(_ written: String, _ slug: String) {
        #expect(readRow("partner.tier", written).assessment?.partner.tier == slug)
    }

    @Test(arguments: [
        ("yes", Answer.yes), ("Yes", .yes), ("Y", .yes), ("true", .yes), ("はい", .yes), ("適合", .yes),
        ("no", .no), ("N", .no), ("FALSE", .no), ("いいえ", .no), ("不適合", .no),
        ("n/a", .notApplicable), ("N/A", .notApplicable), ("該当なし", .notApplicable), (" ｎ/ａ ", .notApplicable),
    ])
    func answerWords(_ written: String, _ answer: Answer) {
        let reading = readRow("case_studies.1.technical.TECH-1.9.answer", written)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.caseStudies.first?.technical["TECH-1.9"] == .init(answer: answer))
    }

    @Test func anUnknownAnswerWordIsKeptAsWrittenAndReported() {
        let reading = readRow("case_studies.2.technical.TECH-1.9.answer", "たぶん")
        #expect(reading.assessment?.caseStudies[1].technical["TECH-1.9"] == .init(answer: nil, written: "たぶん"))
        let problem = reading.problems(about: "case_studies.2.technical.TECH-1.9.answer").first
        #expect(problem?.location == "doc.csv line 2, column 2")
        #expect(problem?.message.contains("not an answer") == true)
    }

    @Test(arguments: [
        ("はい", true), ("いいえ", false), ("true", true), ("False", false), ("yes", true), ("N", false), ("適合", true),
        ("1", true), ("0", false),
    ])
    func booleanWords(_ written: String, _ value: Bool) {
        #expect(readRow("self_assessment.guidelines_read", written).assessment?.selfAssessment.guidelinesRead == value)
        #expect(readRow("business.marketplace.listed", written).assessment?.business.marketplaceListed == value)
    }

    @Test(arguments: ["該当なし", "maybe", "2026-03-01"])
    func notABoolean(_ written: String) {
        let reading = readRow("solution.handles_cardholder_data", written)
        #expect(reading.assessment?.solution.handlesCardholderData == nil)
        #expect(
            reading.problems(about: "solution.handles_cardholder_data").first?.location == "doc.csv line 2, column 2",
            "\(reading.problemText)")
    }

    @Test(arguments: [
        ("2026-03-01", "2026-03-01"), ("2026/03/01", "2026-03-01"), ("2026/3/1", "2026-03-01"),
        ("2026年3月1日", "2026-03-01"),
        ("２０２６年３月１日", "2026-03-01"), ("2026-03-01T09:30:00+09:00", "2026-03-01"), ("令和8年3月1日", "2026-03-01"),
        ("平成31年4月30日", "2019-04-30"), ("令和元年5月1日", "2019-05-01"), (" 2024/02/29 ", "2024-02-29"),
    ])
    func dateForms(_ written: String, _ iso: String) {
        let reading = readRow("case_studies.1.go_live", written)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.caseStudies.first?.goLive?.date?.iso == iso)
    }

    @Test(arguments: ["2026-02-30", "next spring", "03/01/2026", "2026年13月1日", "2026-3"])
    func notADate(_ written: String) {
        let reading = readRow("web_presence.thought_leadership.1.published", written)
        let published = reading.assessment?.webPresence.thoughtLeadership.first?.published
        #expect(published?.date == nil)
        #expect(published?.written == written.trimmingCharacters(in: .whitespaces))
        #expect(
            reading.problems(about: "web_presence.thought_leadership.1.published").count == 1, "\(reading.problemText)")
    }

    @Test(arguments: [
        ("web chat", "web-chat"), ("電話", "phone"), ("メール", "email"), ("E-mail", "email"), ("fax", "fax"),
    ])
    func supportChannels(_ written: String, _ slug: String) {
        #expect(
            readRow("business.support_channels", "phone;\(written)").assessment?.business.supportChannels == [
                "phone", slug,
            ])
    }

    @Test(arguments: [("はい", "yes"), ("いいえ", "no"), ("explained", "explained"), ("説明あり", "explained")])
    func coSellAnswers(_ written: String, _ slug: String) {
        #expect(readRow("business.co_sell_compensation.answer", written).assessment?.business.coSellAnswer == slug)
    }

    @Test(arguments: [("本番", "production"), ("PoC", "poc"), ("Pilot", "pilot")])
    func stages(_ written: String, _ slug: String) {
        #expect(readRow("case_studies.1.stage", written).assessment?.caseStudies.first?.stage == slug)
    }
}
