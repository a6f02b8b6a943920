import DeskCore
import Foundation

/// One self-assessment written out in each of the four encodings by hand, for the
/// round-trip tests: each must read to the same model.
enum SampleDocument {
    static let yaml = """
        schema: competency-self-assessment/v1
        program: retail-technology
        partner:
          name: "Acme Retail Tech KK"
          apn_id: APN-100234
          tier: advanced
          contact: {name: Hanako Sato, email: hanako@acme.example}
        solution:
          name: Acme Unified Commerce
          segments: [physical-digital-virtual-stores, customer-engagement]
          delivery: saas
          customers_total: 42
          handles_cardholder_data: true
          architecture_diagram: acme-overall.png
          deployment_guide: null
        case_studies:
          - customer: Example Mart
            website: https://mart.example
            segment: physical-digital-virtual-stores
            challenge: "在庫の分断, \\"引用\\" を含む"
            solution: POS と EC を統合
            third_party: "SAP S/4HANA, Tableau"
            go_live: 2026-03-01
            stage: production
            outcomes: 欠品率 12% 改善
            architecture_diagram: mart-arch.png
            public: {url: https://acme.example/cases/mart, kind: case-study}
            reused_from: null
            technical:
              TECH-1.1: {answer: yes, evidence: MFA を確認}
              TECH-1.9: {answer: n/a}
              TECH-2.10: {answer: no, evidence: 対応中}
          - customer: 北斗スーパー
            website: https://hokuto.example
            segment: supply-chain-and-distribution
            challenge: 欠品
            solution: 統合
            third_party: Stripe
            go_live: 2025-12-29
            stage: pilot
            outcomes: 改善
            architecture_diagram: https://acme.example/arch/hokuto.png
            public: null
            reused_from: data-analytics
            technical:
              TECH-1.1: {answer: yes}
        web_presence:
          landing_page: https://acme.example/aws-retail
          thought_leadership:
            - {url: https://acme.example/blog/x, published: 2026-06-10}
        business:
          sales_toolkit: 提案資料
          support_channels: [email, phone]
          marketplace: {listed: true, url: https://aws.amazon.com/marketplace/pp/x}
          co_sell_compensation: {answer: explained, explanation: 四半期ごとに精算}
          joint_success_process: 四半期ごとに確認
        self_assessment:
          guidelines_read: true
          reviewed_by: {name: Ken Ito, role: pdm}
        """

    static let json = """
        {
          "schema": "competency-self-assessment/v1",
          "program": "retail-technology",
          "partner": {"name": "Acme Retail Tech KK", "apn_id": "APN-100234", "tier": "advanced",
                      "contact": {"name": "Hanako Sato", "email": "hanako@acme.example"}},
          "solution": {"name": "Acme Unified Commerce",
                       "segments": ["physical-digital-virtual-stores", "customer-engagement"],
                       "delivery": "saas", "customers_total": 42, "handles_cardholder_data": true,
                       "architecture_diagram": "acme-overall.png", "deployment_guide": null},
          "case_studies": [
            {"customer": "Example Mart", "website": "https://mart.example", "segment": "physical-digital-virtual-stores",
             "challenge": "在庫の分断, \\"引用\\" を含む", "solution": "POS と EC を統合", "third_party": "SAP S/4HANA, Tableau",
             "go_live": "2026-03-01", "stage": "production", "outcomes": "欠品率 12% 改善",
             "architecture_diagram": "mart-arch.png",
             "public": {"url": "https://acme.example/cases/mart", "kind": "case-study"}, "reused_from": null,
             "technical": {"TECH-1.1": {"answer": "yes", "evidence": "MFA を確認"}, "TECH-1.9": {"answer": "n/a"},
                           "TECH-2.10": {"answer": "no", "evidence": "対応中"}}},
            {"customer": "北斗スーパー", "website": "https://hokuto.example", "segment": "supply-chain-and-distribution",
             "challenge": "欠品", "solution": "統合", "third_party": "Stripe", "go_live": "2025-12-29", "stage": "pilot",
             "outcomes": "改善", "architecture_diagram": "https://acme.example/arch/hokuto.png", "public": null,
             "reused_from": "data-analytics", "technical": {"TECH-1.1": {"answer": "yes"}}}
          ],
          "web_presence": {"landing_page": "https://acme.example/aws-retail",
                           "thought_leadership": [{"url": "https://acme.example/blog/x", "published": "2026-06-10"}]},
          "business": {"sales_toolkit": "提案資料", "support_channels": ["email", "phone"],
                       "marketplace": {"listed": true, "url": "https://aws.amazon.com/marketplace/pp/x"},
                       "co_sell_compensation": {"answer": "explained", "explanation": "四半期ごとに精算"},
                       "joint_success_process": "四半期ごとに確認"},
          "self_assessment": {"guidelines_read": true, "reviewed_by": {"name": "Ken Ito", "role": "pdm"}}
        }
        """

    /// The same content as `path,value` rows, with the Japanese labels and answer words
    /// a person filling in a spreadsheet might use.
    static let rows: [(String, String)] = [
        ("schema", "competency-self-assessment/v1"),
        ("program", "retail-technology"),
        ("partner.name", "Acme Retail Tech KK"),
        ("partner.apn_id", "APN-100234"),
        ("partner.tier", "Advanced"),
        ("partner.contact.name", "Hanako Sato"),
        ("partner.contact.email", "hanako@acme.example"),
        ("solution.name", "Acme Unified Commerce"),
        ("solution.segments", "実店舗とデジタルストアおよび仮想ストア; カスタマーエンゲージメント"),
        ("solution.delivery", "SaaS"),
        ("solution.customers_total", "42"),
        ("solution.handles_cardholder_data", "はい"),
        ("solution.architecture_diagram", "acme-overall.png"),
        ("case_studies.1.customer", "Example Mart"),
        ("case_studies.1.website", "https://mart.example"),
        ("case_studies.1.segment", "physical-digital-virtual-stores"),
        ("case_studies.1.challenge", "在庫の分断, \"引用\" を含む"),
        ("case_studies.1.solution", "POS と EC を統合"),
        ("case_studies.1.third_party", "SAP S/4HANA, Tableau"),
        ("case_studies.1.go_live", "2026年3月1日"),
        ("case_studies.1.stage", "production"),
        ("case_studies.1.outcomes", "欠品率 12% 改善"),
        ("case_studies.1.architecture_diagram", "mart-arch.png"),
        ("case_studies.1.public.url", "https://acme.example/cases/mart"),
        ("case_studies.1.public.kind", "case-study"),
        ("case_studies.1.technical.TECH-1.1.answer", "適合"),
        ("case_studies.1.technical.TECH-1.1.evidence", "MFA を確認"),
        ("case_studies.1.technical.TECH-1.9.answer", "該当なし"),
        ("case_studies.1.technical.TECH-2.10.answer", "いいえ"),
        ("case_studies.1.technical.TECH-2.10.evidence", "対応中"),
        ("case_studies.2.customer", "北斗スーパー"),
        ("case_studies.2.website", "https://hokuto.example"),
        ("case_studies.2.segment", "サプライチェーンと流通"),
        ("case_studies.2.challenge", "欠品"),
        ("case_studies.2.solution", "統合"),
        ("case_studies.2.third_party", "Stripe"),
        ("case_studies.2.go_live", "2025/12/29"),
        ("case_studies.2.stage", "pilot"),
        ("case_studies.2.outcomes", "改善"),
        ("case_studies.2.architecture_diagram", "https://acme.example/arch/hokuto.png"),
        ("case_studies.2.reused_from", "data-analytics"),
        ("case_studies.2.technical.TECH-1.1.answer", "Y"),
        ("web_presence.landing_page", "https://acme.example/aws-retail"),
        ("web_presence.thought_leadership.1.url", "https://acme.example/blog/x"),
        ("web_presence.thought_leadership.1.published", "2026-06-10"),
        ("business.sales_toolkit", "提案資料"),
        ("business.support_channels", "email;phone"),
        ("business.marketplace.listed", "true"),
        ("business.marketplace.url", "https://aws.amazon.com/marketplace/pp/x"),
        ("business.co_sell_compensation.answer", "explained"),
        ("business.co_sell_compensation.explanation", "四半期ごとに精算"),
        ("business.joint_success_process", "四半期ごとに確認"),
        ("self_assessment.guidelines_read", "TRUE"),
        ("self_assessment.reviewed_by.name", "Ken Ito"),
        ("self_assessment.reviewed_by.role", "PDM"),
    ]

    static var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return "path,value\r\n" + rows.map { field($0.0) + "," + field($0.1) }.joined(separator: "\r\n") + "\r\n"
    }

    /// The rows as a workbook with typed cells: real date cells, boolean cells, a
    /// number, shared and inline strings.
    static func workbook(date1904: Bool = false) -> WorkbookBuilder {
        var cells: [(String, WorkbookBuilder.Cell?)] = []
        for (index, (path, value)) in rows.enumerated() {
            if let date = DocumentDateForTests.parse(value) {
                cells.append((path, .dateSerial(serial(of: date, date1904: date1904))))
            } else if ["true", "TRUE"].contains(value) {
                cells.append((path, .bool(true)))
            } else if Int(value) != nil {
                cells.append((path, .number(value)))
            } else {
                cells.append((path, index.isMultiple(of: 2) ? .shared(value) : .inline(value)))
            }
        }
        var builder = WorkbookBuilder.pathTable(cells)
        builder.date1904 = date1904
        return builder
    }

    /// The serial number of a date in the 1900 (after its fictitious 1900-02-29) or 1904 system.
    static func serial(of date: LocalDate, date1904: Bool) -> Int {
        let origin = date1904 ? LocalDate(year: 1904, month: 1, day: 1) : LocalDate(year: 1899, month: 12, day: 30)
        return date.dayNumber - (origin?.dayNumber ?? 0)
    }
}

/// The date forms the sample rows use, recognised independently of the reader under test.
enum DocumentDateForTests {
    static func parse(_ text: String) -> LocalDate? {
        switch text {
        case "2026年3月1日": return LocalDate(year: 2026, month: 3, day: 1)
        case "2025/12/29": return LocalDate(year: 2025, month: 12, day: 29)
        case "2026-06-10": return LocalDate(year: 2026, month: 6, day: 10)
        default: return nil
        }
    }
}
