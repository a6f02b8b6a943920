import DeskCore

/// The blank canonical form (PRODUCT.md §4.1) of one checklist, in one language: every
/// key in order, each with what it means, the four case studies with every technical
/// item. The four encodings of ``SelfAssessmentTemplate`` are written from this one
/// tree, so they cannot drift apart.
///
/// `schema` and `program` are filled in: a partner cannot know the program id, and a
/// document that names it is checked against the right checklist.
struct TemplateForm: Sendable {
    /// One key of the form.
    struct Node: Sendable {
        enum Shape: Sendable {
            /// A value the partner fills in (`nil` when blank).
            case value(String?)
            /// A group of keys.
            case group([Node])
            /// A list of groups, one per position; `heading` names item n (`導入事例 1`).
            case list(heading: String, items: [[Node]])
            /// A technical item: `{answer, evidence}`; `help` is its title and applicability.
            case technicalItem
        }

        var key: String
        /// What the key means, in the form's language; nil when the key says it.
        var help: String?
        var shape: Shape
    }

    /// One row of a table encoding: a canonical path and what it means.
    struct Row: Sendable, Equatable {
        var path: String
        var help: String
        var value: String?
    }

    let checklist: Checklist
    let language: TextLanguage
    let nodes: [Node]
    let caseStudyCount: Int

    init(checklist: Checklist, language: TextLanguage) {
        self.checklist = checklist
        self.language = language
        caseStudyCount = max(1, checklist.item("PRE-2.1")?.figures["case_studies"] ?? 4)
        // Two slots show that the list takes more than one entry; blank ones are dropped on reading.
        let thoughtLeadershipSlots = max(2, checklist.item("PRE-3.2")?.figures["min_items"] ?? 1)
        let words = TemplateWords(language: language, checklist: checklist)
        let say = words.say

        func value(_ key: String, _ help: String, _ preset: String? = nil) -> Node {
            Node(key: key, help: help, shape: .value(preset))
        }
        func group(_ key: String, _ help: String?, _ children: [Node]) -> Node {
            Node(key: key, help: help, shape: .group(children))
        }

        let technical = checklist.technicalItems.map { item in
            Node(key: item.id, help: words.technicalHelp(item), shape: .technicalItem)
        }
        let caseStudy: [Node] = [
            value("customer", say("顧客名", "The customer's name")),
            value("website", say("顧客のウェブサイト (URL)", "The customer's website (URL)")),
            value("segment", say("この事例の小売セグメント: ", "The retail segment of this case study: ") + words.segments),
            value("challenge", say("顧客の課題", "The customer's challenge")),
            value("solution", say("ソリューションをどのようにデプロイしたか", "How the solution was deployed")),
            value("third_party", say("使用したサードパーティ製アプリケーション", "Third-party applications used")),
            value("go_live", say("本番稼働日", "Production (go-live) date") + " (" + words.dateForms + ")"),
            value("stage", say("段階: ", "Stage: ") + words.stages),
            value("outcomes", say("成果", "Outcomes")),
            value(
                "architecture_diagram",
                say(
                    "この事例のアーキテクチャ図: 添付ファイル名または URL",
                    "This case study's architecture diagram: an attachment's file name or a URL")),
            group(
                "public", say("公開されている事例 (任意)", "Where the case study is published (optional)"),
                [
                    value("url", say("公開ページの URL", "The published page's URL")),
                    value("kind", say("種類: ", "Kind: ") + words.publicationKinds),
                ]),
            value(
                "reused_from",
                say("他のコンピテンシーの事例を流用する場合、そのコンピテンシー: ", "When reused from another competency, which one: ")
                    + words.competencies),
            group(
                "technical",
                say("技術検証項目: answer に ", "Technical validation items: answer ") + words.answers
                    + say("、evidence に根拠", "; evidence: what shows it"),
                technical),
        ]

        let cardholderItems = checklist.technicalItems.filter { $0.condition == "handles_cardholder_data" }.map(\.id)
        let cardholderHelp =
            say("カード会員データを扱うか: ", "Whether the solution handles cardholder data: ") + words.yesNo
            + (cardholderItems.isEmpty
                ? ""
                : say(
                    "。はいのとき \(cardholderItems.joined(separator: ", ")) が適用されます",
                    "; yes makes \(cardholderItems.joined(separator: ", ")) apply"))

        nodes = [
            value(
                "schema", say("様式の版。変更しないでください", "The form's version; leave it as it is"), SelfAssessmentBinder.schema),
            value(
                "program",
                say("プログラム: ", "Program: ") + checklist.name.text(language) + say("。変更しないでください", "; leave it as it is"),
                checklist.id),
            group(
                "partner", say("パートナー", "Partner"),
                [
                    value("name", say("APN に登録されているパートナー名", "The partner's name as registered in APN")),
                    value(
                        "apn_id",
                        say("APN ID (任意。登録簿はまずこの ID で照合します)", "APN ID (optional; the registry is matched by it first)")),
                    value(
                        "tier",
                        say("自己申告の階層: ", "Self-declared tier: ") + words.tiers
                            + say(" (登録簿で確認します)", " (the registry decides)")),
                    group(
                        "contact", say("連絡先", "Contact"),
                        [
                            value("name", say("担当者の氏名", "The contact's name")),
                            value("email", say("担当者のメールアドレス", "The contact's email address")),
                        ]),
                ]),
            group(
                "solution", say("ソリューション", "Solution"),
                [
                    value("name", say("ソリューション名", "The solution's name")),
                    value(
                        "segments",
                        say("小売セグメント (1〜6 個、", "Retail segments (1 to 6, ") + words.listForm + "): " + words.segments),
                    value("delivery", say("提供形態: ", "Delivery model: ") + words.deliveries),
                    value(
                        "customers_total",
                        say("このソリューションの顧客数 (整数)", "How many customers use the solution (a whole number)")),
                    value("handles_cardholder_data", cardholderHelp),
                    value(
                        "architecture_diagram",
                        say(
                            "SaaS の場合: ソリューション全体のアーキテクチャ図 (添付ファイル名または URL)",
                            "SaaS: the whole solution's architecture diagram (an attachment's file name or a URL)")),
                    value(
                        "deployment_guide",
                        say(
                            "顧客デプロイ型の場合: デプロイメントガイド (添付ファイル名または URL)",
                            "Customer-deployed: the deployment guide (an attachment's file name or a URL)")),
                ]),
            Node(
                key: "case_studies",
                help: say("導入事例 (\(caseStudyCount) 件)", "Customer case studies (\(caseStudyCount))"),
                shape: .list(
                    heading: say("導入事例", "Case study"), items: Array(repeating: caseStudy, count: caseStudyCount))),
            group(
                "web_presence", say("ウェブプレゼンスとソートリーダーシップ", "Web presence and thought leadership"),
                [
                    value(
                        "landing_page",
                        say("AWS 小売ソリューションのランディングページ (URL)", "The landing page of the AWS retail solution (URL)")),
                    Node(
                        key: "thought_leadership",
                        help: say(
                            "ソートリーダーシップ (ブログ、ホワイトペーパーなど)。足りなければ追加してください",
                            "Thought leadership (blog posts, white papers …); add more as needed"),
                        shape: .list(
                            heading: say("ソートリーダーシップ", "Thought leadership"),
                            items: Array(
                                repeating: [
                                    value("url", say("記事の URL", "The article's URL")),
                                    value("published", say("公開日", "Publication date") + " (" + words.dateForms + ")"),
                                ], count: thoughtLeadershipSlots))),
                ]),
            group(
                "business", say("ビジネス要件", "Business requirements"),
                [
                    value("sales_toolkit", say("販売ツールキット (資料名または URL)", "Sales toolkit (a document's name or a URL)")),
                    value(
                        "support_channels",
                        say("サポート窓口 (1 つ以上、", "Support channels (one or more, ") + words.listForm + "): "
                            + words.channels),
                    group(
                        "marketplace", say("AWS Marketplace", "AWS Marketplace"),
                        [
                            value(
                                "listed", say("AWS Marketplace に掲載しているか: ", "Listed in AWS Marketplace: ") + words.yesNo
                            ),
                            value("url", say("掲載ページの URL", "The listing's URL")),
                        ]),
                    group(
                        "co_sell_compensation", say("共同販売の報酬", "Co-sell compensation"),
                        [
                            value("answer", words.coSellAnswers),
                            value(
                                "explanation", say("explained の場合の説明", "The explanation, when the answer is explained")),
                        ]),
                    value("joint_success_process", say("顧客の成功を共同で支えるプロセス", "The joint customer-success process")),
                ]),
            group(
                "self_assessment", say("自己評価", "Self-assessment"),
                [
                    value(
                        "guidelines_read",
                        say("プログラムのガイドラインと定義を読んだか: ", "Whether you have read the program guidelines and definitions: ")
                            + words.yesNo),
                    group(
                        "reviewed_by",
                        say(
                            "この自己評価を確認した AWS 担当者 (推奨)", "The AWS person who reviewed this self-assessment (recommended)"
                        ),
                        [
                            value("name", say("氏名", "Name")),
                            value("role", say("役割: ", "Role: ") + words.roles),
                        ]),
                ]),
        ]
    }

    /// One line of a table encoding: a comment (a heading, an item's title) or a row.
    enum TableLine: Sendable, Equatable {
        case comment(String)
        case row(Row)
    }

    /// Every value of the form as a `path,value` row, in order, with comment lines before
    /// each section, list item and technical item. A technical item is two rows
    /// (`….answer`, `….evidence`); `technicalFor` says for which case studies (counted
    /// from 1) they are included: the XLSX form has its own sheet for four of them.
    func tableLines(technicalFor includesTechnical: (Int) -> Bool = { _ in true }) -> [TableLine] {
        var lines: [TableLine] = []
        func walk(_ nodes: [Node], prefix: String, caseStudy: Int?) {
            for node in nodes {
                let path = prefix + node.key
                switch node.shape {
                case .value(let preset):
                    lines.append(.row(Row(path: path, help: node.help ?? "", value: preset)))
                case .group(let children):
                    if node.key == "technical", let caseStudy, !includesTechnical(caseStudy) { continue }
                    if prefix.isEmpty || node.key == "technical" {
                        lines.append(.comment(node.help.map { "\(path): \($0)" } ?? path))
                    }
                    walk(children, prefix: path + ".", caseStudy: caseStudy)
                case .list(let heading, let items):
                    for (offset, item) in items.enumerated() {
                        lines.append(.comment("\(path).\(offset + 1): \(heading) \(offset + 1)"))
                        walk(
                            item, prefix: "\(path).\(offset + 1).",
                            caseStudy: path == "case_studies" ? offset + 1 : caseStudy)
                    }
                case .technicalItem:
                    let help = node.help ?? ""
                    lines.append(.comment("\(node.key) \(help)"))
                    lines.append(.row(Row(path: path + ".answer", help: help + " — " + words.answers, value: nil)))
                    lines.append(
                        .row(
                            Row(path: path + ".evidence", help: help + " — " + words.say("根拠", "evidence"), value: nil))
                    )
                }
            }
        }
        walk(nodes, prefix: "", caseStudy: nil)
        return lines
    }

    /// The rows alone, without comments.
    func rows() -> [Row] {
        tableLines().compactMap {
            if case .row(let row) = $0 { return row }
            return nil
        }
    }

    var words: TemplateWords { TemplateWords(language: language, checklist: checklist) }
}

/// The sentences and word lists the template shows, in its language.
struct TemplateWords: Sendable {
    let language: TextLanguage
    let checklist: Checklist

    func say(_ ja: String, _ en: String) -> String { language == .ja ? ja : en }

    /// `saas (SaaS) | customer-deployed (顧客デプロイ型)`: slugs with their labels.
    private func choices(_ entries: [(String, String?)]) -> String {
        entries.map { slug, label in label.map { $0 == slug ? slug : "\(slug) (\($0))" } ?? slug }
            .joined(separator: " | ")
    }

    private func labelled(_ labels: [String: LocalizedText], order: [String]) -> String {
        let known = order.filter { labels[$0] != nil } + labels.keys.filter { !order.contains($0) }.sorted()
        return choices(known.map { ($0, labels[$0]?.text(language)) })
    }

    var segments: String { labelled(checklist.segments, order: DocumentVocabulary.segments.slugs) }
    var deliveries: String { labelled(checklist.deliveryModels, order: DocumentVocabulary.deliveries.slugs) }
    var competencies: String {
        labelled(checklist.reusableCompetencies, order: DocumentVocabulary.competencies.slugs)
    }

    var tiers: String {
        choices([
            ("registered", label("レジスタード", nil)), ("select", label("セレクト", nil)),
            ("advanced", label("アドバンスト", nil)), ("premier", label("プレミア", nil)),
        ])
    }
    var stages: String {
        choices([("production", label("本番", nil)), ("pilot", label("パイロット", nil)), ("poc", label("概念実証", nil))])
    }
    var publicationKinds: String {
        choices([
            ("case-study", label("導入事例", nil)), ("whitepaper", label("ホワイトペーパー", nil)), ("blog", label("ブログ", nil)),
        ])
    }
    var channels: String {
        choices([("web-chat", label("ウェブチャット", nil)), ("phone", label("電話", nil)), ("email", label("メール", nil))])
    }
    var roles: String {
        choices([
            ("psa", "Partner Solutions Architect"), ("pdr", "Partner Development Representative"),
            ("pdm", "Partner Development Manager"),
        ])
    }

    private func label(_ ja: String, _ en: String?) -> String? { language == .ja ? ja : en }

    /// The answer words a technical item accepts.
    var answers: String {
        say("はい / いいえ / 該当なし (yes / no / n/a、適合 / 不適合 も可)", "yes / no / n/a (also true / false, はい / いいえ / 該当なし)")
    }
    var yesNo: String { say("はい / いいえ (yes / no、true / false も可)", "yes / no (also true / false, はい / いいえ)") }
    var coSellAnswers: String {
        say(
            "AWS の共同販売に報酬を支払うか: yes (はい) | no (いいえ) | explained (説明あり)",
            "Whether AWS co-selling is compensated: yes | no | explained")
    }
    var dateForms: String { say("2026-03-01、2026/03/01、2026年3月1日", "2026-03-01 or 2026/03/01") }
    var listForm: String {
        say("YAML では [a, b]、表では ; で区切る", "in YAML a list [a, b], in a table separated by ;")
    }

    /// `AWS アカウントの root ユーザーを… (適用: SaaS)`: a technical item's title and applicability.
    func technicalHelp(_ item: ChecklistItem) -> String {
        item.title.text(language) + " (" + applicability(item) + ")"
    }

    /// `適用: SaaS、顧客デプロイ型`, with the condition when there is one.
    func applicability(_ item: ChecklistItem) -> String {
        say("適用: ", "applies to: ") + deliveryModels(of: item)
    }

    /// `SaaS、顧客デプロイ型。solution.handles_cardholder_data が はい の場合のみ`.
    func deliveryModels(of item: ChecklistItem) -> String {
        let models =
            DocumentVocabulary.deliveries.slugs.filter(item.appliesTo.contains)
            + item.appliesTo.subtracting(DocumentVocabulary.deliveries.slugs).sorted()
        let labels = models.map { checklist.deliveryModels[$0]?.text(language) ?? $0 }
        var text = labels.joined(separator: say("、", ", "))
        if let condition = item.condition {
            text += say("。solution.\(condition) が はい の場合のみ", "; only when solution.\(condition) is yes")
        }
        return text
    }

    /// The lines a template opens with: what it is and how to fill it in.
    var instructions: [String] {
        [
            say("小売コンピテンシー 自己評価", "Competency self-assessment") + " — " + checklist.name.text(language),
            say(
                "空欄に記入してください。分からない項目や該当しない項目は空欄のままで構いません。",
                "Fill in the blanks. Leave a field blank when it does not apply or you do not know it."),
            say("技術検証項目の回答: ", "Technical item answers: ") + answers,
            say("はい/いいえの項目: ", "Yes/no fields: ") + yesNo,
            say("日付: ", "Dates: ") + dateForms,
        ]
    }
}
