import Foundation

/// Runs every check of PRODUCT.md §5 on a self-assessment.
///
/// Pure: everything it needs is an argument. Date windows count back from the
/// receipt date. Every reason is written in the tenant's language and names the
/// case study and field, so an information request can quote it as it is.
public struct ChecklistEvaluator: Sendable {
    /// What the evaluator knows about the submission besides the document.
    public struct Context: Sendable {
        public var receivedOn: LocalDate
        /// The registry's row for the partner, and how it was matched; nil when not found.
        public var registryPartner: PartnerRegistry.Partner?
        public var registryMatch: PartnerRegistry.Match?
        /// Why the document's partner claim was not trusted (it names a registered partner
        /// whose `sender_domains` do not include the sender's): partner checks say `review`.
        public var untrustedClaim: String? = nil
        /// The mail's subject; nil for a bare document.
        public var subject: String?
        /// File names attached to the same message (TECH-DOCS accepts them).
        public var attachmentNames: [String]
        public var language: TextLanguage

        public init(
            receivedOn: LocalDate, registryPartner: PartnerRegistry.Partner?, registryMatch: PartnerRegistry.Match?,
            subject: String?, attachmentNames: [String], language: TextLanguage
        ) {
            self.receivedOn = receivedOn
            self.registryPartner = registryPartner
            self.registryMatch = registryMatch
            self.subject = subject
            self.attachmentNames = attachmentNames
            self.language = language
        }
    }

    public let checklist: Checklist

    public init(checklist: Checklist) { self.checklist = checklist }

    /// Every check, in checklist order: PRE items, TECH-DOCS, then TECH items.
    public func evaluate(_ document: SelfAssessment, context: Context) -> [CheckResult] {
        let run = Run(checklist: checklist, document: document, context: context)
        var results: [CheckResult] = checklist.items.filter { $0.kind == .prerequisite }.map(run.prerequisite)
        results.append(run.techDocs())
        results += checklist.technicalItems.map(run.technical)
        return results
    }
}

/// One evaluation: the document, its context and the phrasing helpers.
private struct Run {
    let checklist: Checklist
    let document: SelfAssessment
    let context: Context
    typealias Context = ChecklistEvaluator.Context

    var ja: Bool { context.language == .ja }
    func say(_ ja: String, _ en: String) -> String { self.ja ? ja : en }
    func figure(_ item: ChecklistItem, _ key: String, _ fallback: Int) -> Int { item.figures[key] ?? fallback }

    func result(_ item: ChecklistItem, _ failures: [String], pass: String) -> CheckResult {
        failures.isEmpty
            ? CheckResult(id: item.id, status: .pass, reason: pass)
            : CheckResult(id: item.id, status: .fail, reason: failures.joined(separator: say("。", "; ")) + say("。", "."))
    }

    static func isWebURL(_ text: String?) -> Bool {
        guard let text = text?.trimmingCharacters(in: .whitespaces), let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    static func isFilled(_ text: String?) -> Bool {
        !(text?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
    }

    /// The date `months` months before `date`, clamped to the month's last day (31 Aug − 6 months = 28/29 Feb).
    static func monthsBefore(_ date: LocalDate, _ months: Int) -> LocalDate {
        let total = date.year * 12 + (date.month - 1) - months
        let year = total / 12
        let month = total % 12 + 1
        let day = min(date.day, LocalDate.daysIn(month: month, year: year))
        return LocalDate(year: year, month: month, day: day) ?? date
    }

    func caseLabel(_ index: Int) -> String { say("導入事例 \(index + 1)", "case study \(index + 1)") }

    // MARK: Prerequisites

    func prerequisite(_ item: ChecklistItem) -> CheckResult {
        switch item.id {
        case "PRE-1.1": return guidelines(item)
        case "PRE-1.2": return tier(item)
        case "PRE-1.3": return category(item)
        case "PRE-1.4": return customers(item)
        case "PRE-2.1": return caseStudies(item)
        case "PRE-2.2": return publicCaseStudies(item)
        case "PRE-3.1": return landingPage(item)
        case "PRE-3.2": return thoughtLeadership(item)
        case "PRE-4.1": return filled(item, document.business.salesToolkit, "business.sales_toolkit")
        case "PRE-4.2": return supportChannels(item)
        case "PRE-4.3": return marketplace(item)
        case "PRE-4.4": return coSell(item)
        case "PRE-4.5": return filled(item, document.business.jointSuccessProcess, "business.joint_success_process")
        case "PRE-5.1": return completeness(item)
        default:
            return CheckResult(
                id: item.id, status: .review,
                reason: say("この項目は自動判定の対象外です。レビュー担当者が確認してください", "No automatic check exists for this item; a reviewer must look"))
        }
    }

    func guidelines(_ item: ChecklistItem) -> CheckResult {
        switch document.selfAssessment.guidelinesRead {
        case true?: return result(item, [], pass: say("ガイドラインと定義を読んだことが確認されています", "The partner confirms reading the guidelines and definitions"))
        case false?: return result(item, [say("self_assessment.guidelines_read が「いいえ」です", "self_assessment.guidelines_read is no")], pass: "")
        case nil: return result(item, [say("self_assessment.guidelines_read がありません", "self_assessment.guidelines_read is missing")], pass: "")
        }
    }

    func tier(_ item: ChecklistItem) -> CheckResult {
        let accepted = item.lists["accepted_tiers"] ?? ["advanced", "premier"]
        let declared = document.partner.tier?.lowercased()
        if context.registryPartner == nil, let untrusted = context.untrustedClaim {
            return CheckResult(id: item.id, status: .review, reason: untrusted)
        }
        guard let partner = context.registryPartner else {
            let lookedUp = [document.partner.apnID.map { "apn_id \($0)" }, document.partner.name.map { say("名前「\($0)」", "name \"\($0)\"") }]
                .compactMap { $0 }.joined(separator: ", ")
            return CheckResult(
                id: item.id, status: .review,
                reason: say(
                    "パートナー登録簿に見つかりません (\(lookedUp.isEmpty ? "送信者ドメインでも一致なし" : lookedUp))。階層を確認してください",
                    "The partner is not in the registry (\(lookedUp.isEmpty ? "no match by sender domain either" : lookedUp)); check the tier by hand"))
        }
        var note = ""
        if let declared, declared != partner.tier {
            note = say("。自己申告の階層「\(declared)」は登録簿の「\(partner.tier)」と異なります", "; the self-declared tier \"\(declared)\" differs from the registry's \"\(partner.tier)\"")
        }
        if accepted.contains(partner.tier) {
            return CheckResult(id: item.id, status: .pass, reason: say("登録簿の階層は \(partner.tier) です (\(partner.apnID))", "The registry lists \(partner.apnID) at the \(partner.tier) tier") + note)
        }
        return CheckResult(
            id: item.id, status: .fail,
            reason: say("登録簿の階層は \(partner.tier) です。\(accepted.joined(separator: " または ")) が必要です", "The registry lists \(partner.apnID) at the \(partner.tier) tier; \(accepted.joined(separator: " or ")) is required") + note + say("。", "."))
    }

    func category(_ item: ChecklistItem) -> CheckResult {
        var failures: [String] = []
        let segments = document.solution.segments ?? []
        let unknown = segments.filter { checklist.segments[$0] == nil }
        let valid = segments.filter { checklist.segments[$0] != nil }
        if valid.count < figure(item, "segments.min", 1) {
            failures.append(say("solution.segments に有効なセグメントがありません", "solution.segments has no valid segment"))
        }
        if !unknown.isEmpty {
            failures.append(say("solution.segments の「\(unknown.joined(separator: "」「"))」は 6 つのセグメントのいずれでもありません", "solution.segments: \"\(unknown.joined(separator: "\", \""))\" is not one of the six segments"))
        }
        if let delivery = document.solution.delivery {
            if checklist.deliveryModels[delivery] == nil {
                failures.append(say("solution.delivery の「\(delivery)」は saas でも customer-deployed でもありません", "solution.delivery \"\(delivery)\" is neither saas nor customer-deployed"))
            }
        } else {
            failures.append(say("solution.delivery がありません", "solution.delivery is missing"))
        }
        return result(item, failures, pass: say("セグメント \(valid.joined(separator: ", "))、提供形態 \(document.solution.delivery ?? "")", "Segments \(valid.joined(separator: ", ")); delivery \(document.solution.delivery ?? "")"))
    }

    func customers(_ item: ChecklistItem) -> CheckResult {
        guard let written = document.solution.customersTotal?.trimmingCharacters(in: .whitespaces), !written.isEmpty else {
            return result(item, [say("solution.customers_total がありません", "solution.customers_total is missing")], pass: "")
        }
        let number = Int(written) ?? Double(written).flatMap { $0 == $0.rounded() && abs($0) < 1e12 ? Int($0) : nil }
        guard let number, number >= figure(item, "customers_total.min", 0) else {
            return result(item, [say("solution.customers_total の「\(written)」は 0 以上の整数ではありません", "solution.customers_total \"\(written)\" is not a whole number of 0 or more")], pass: "")
        }
        return result(item, [], pass: say("顧客数 \(number)", "\(number) customers"))
    }

    func caseStudies(_ item: ChecklistItem) -> CheckResult {
        let required = figure(item, "case_studies", 4)
        let months = figure(item, "go_live_within_months", 18)
        let stages = item.lists["stages_accepted"] ?? ["production"]
        let reusable = Set(item.lists["reusable_from"] ?? Array(checklist.reusableCompetencies.keys))
        let earliest = Self.monthsBefore(context.receivedOn, months)
        var failures: [String] = []
        if document.caseStudies.count != required {
            failures.append(say("導入事例が \(document.caseStudies.count) 件あります。\(required) 件必要です", "\(document.caseStudies.count) case studies given; \(required) are required"))
        }
        var needsReview = false
        for (index, study) in document.caseStudies.enumerated() {
            var missing: [String] = []
            let textFields: [(String, String?)] = [
                ("customer", study.customer), ("challenge", study.challenge), ("solution", study.solution),
                ("third_party", study.thirdParty), ("outcomes", study.outcomes), ("architecture_diagram", study.architectureDiagram),
            ]
            missing += textFields.filter { !Self.isFilled($0.1) }.map(\.0)
            if !Self.isFilled(study.website) { missing.append("website") }
            if !Self.isFilled(study.segment) { missing.append("segment") }
            if study.goLive == nil { missing.append("go_live") }
            var problems: [String] = []
            if !missing.isEmpty {
                problems.append(say("\(missing.joined(separator: ", ")) がありません", "\(missing.joined(separator: ", ")) missing"))
            }
            if Self.isFilled(study.website), !Self.isWebURL(study.website) {
                problems.append(say("website「\(study.website ?? "")」が http/https の URL ではありません", "website \"\(study.website ?? "")\" is not an http/https URL"))
            }
            if let segment = study.segment, Self.isFilled(segment), checklist.segments[segment] == nil {
                problems.append(say("segment「\(segment)」は 6 つのセグメントのいずれでもありません", "segment \"\(segment)\" is not one of the six segments"))
            }
            if let stage = study.stage {
                if !stages.contains(stage) {
                    problems.append(say("stage が \(stage) です (本番のみ可、パイロットや PoC は不可)", "stage is \(stage) (production only; pilots and PoCs do not count)"))
                }
            } else {
                problems.append(say("stage がありません", "stage missing"))
            }
            if let goLive = study.goLive {
                if let date = goLive.date {
                    if date > context.receivedOn {
                        problems.append(say("go_live \(date.iso) が受付日 \(context.receivedOn.iso) より後です", "go_live \(date.iso) is after the receipt date \(context.receivedOn.iso)"))
                    } else if date < earliest {
                        problems.append(say("go_live \(date.iso) が受付日の \(months) か月前 (\(earliest.iso)) より前です", "go_live \(date.iso) is more than \(months) months before receipt (earliest \(earliest.iso))"))
                    }
                } else {
                    problems.append(say("go_live「\(goLive.written)」は日付として読めません", "go_live \"\(goLive.written)\" is not a date"))
                }
            }
            if let reused = study.reusedFrom, Self.isFilled(reused) {
                if !reusable.contains(reused) {
                    problems.append(say("reused_from「\(reused)」は再利用できるコンピテンシーではありません", "reused_from \"\(reused)\" is not a competency case studies may be reused from"))
                } else if let partner = context.registryPartner {
                    if !partner.competencies.contains(reused) {
                        problems.append(say("reused_from「\(reused)」のコンピテンシーを登録簿上保有していません", "reused_from \"\(reused)\": the registry does not list that competency for the partner"))
                    }
                } else {
                    needsReview = true
                }
            }
            if !problems.isEmpty {
                failures.append("\(caseLabel(index)): " + problems.joined(separator: say("、", ", ")))
            }
        }
        if failures.isEmpty && needsReview {
            return CheckResult(
                id: item.id, status: .review,
                reason: say("再利用した導入事例があり、パートナーが登録簿にないため保有コンピテンシーを確認できません", "A case study is reused, and the partner is not in the registry to confirm the competency is held"))
        }
        return result(item, failures, pass: say("\(required) 件の本番導入事例がすべての項目を満たしています", "All \(required) production case studies are complete and within \(months) months"))
    }

    func publicCaseStudies(_ item: ChecklistItem) -> CheckResult {
        let minimum = figure(item, "public_min", 2)
        let kinds = Set(item.lists["kinds"] ?? ["case-study", "whitepaper", "blog"])
        var publicOnes: [Int] = []
        var notes: [String] = []
        for (index, study) in document.caseStudies.enumerated() where study.publicURL != nil || study.publicKind != nil {
            if !Self.isWebURL(study.publicURL) {
                notes.append(say("\(caseLabel(index)) の public.url が http/https の URL ではありません", "\(caseLabel(index)): public.url is not an http/https URL"))
            } else if let kind = study.publicKind, kinds.contains(kind) {
                publicOnes.append(index + 1)
            } else {
                notes.append(say("\(caseLabel(index)) の public.kind「\(study.publicKind ?? "")」は case-study / whitepaper / blog ではありません", "\(caseLabel(index)): public.kind \"\(study.publicKind ?? "")\" is not case-study, whitepaper or blog"))
            }
        }
        if publicOnes.count >= minimum {
            return result(item, [], pass: say("公開事例 \(publicOnes.count) 件 (導入事例 \(publicOnes.map(String.init).joined(separator: ", ")))", "\(publicOnes.count) public case studies (\(publicOnes.map { "#\($0)" }.joined(separator: ", ")))"))
        }
        return result(item, [say("公開されている導入事例が \(publicOnes.count) 件です。\(minimum) 件以上必要です", "\(publicOnes.count) public case studies; at least \(minimum) are required")] + notes, pass: "")
    }

    func landingPage(_ item: ChecklistItem) -> CheckResult {
        let page = document.webPresence.landingPage
        if Self.isWebURL(page) { return result(item, [], pass: page ?? "") }
        return result(item, [Self.isFilled(page)
            ? say("web_presence.landing_page「\(page ?? "")」が http/https の URL ではありません", "web_presence.landing_page \"\(page ?? "")\" is not an http/https URL")
            : say("web_presence.landing_page がありません", "web_presence.landing_page is missing")], pass: "")
    }

    func thoughtLeadership(_ item: ChecklistItem) -> CheckResult {
        let months = figure(item, "published_within_months", 12)
        let earliest = Self.monthsBefore(context.receivedOn, months)
        let recent = document.webPresence.thoughtLeadership.filter { entry in
            guard let date = entry.published?.date, Self.isWebURL(entry.url) else { return false }
            return date <= context.receivedOn && date >= earliest
        }
        if recent.count >= figure(item, "min_items", 1) {
            return result(item, [], pass: say("過去 \(months) か月以内の記事 \(recent.count) 件", "\(recent.count) item(s) published within \(months) months"))
        }
        let given = document.webPresence.thoughtLeadership.count
        return result(item, [say(
            "web_presence.thought_leadership に受付日前 \(months) か月以内 (\(earliest.iso) 以降) に公開された URL 付きの記事がありません (\(given) 件記載)",
            "web_presence.thought_leadership has no item with a URL published within the \(months) months before receipt (since \(earliest.iso)); \(given) given")], pass: "")
    }

    func filled(_ item: ChecklistItem, _ value: String?, _ field: String) -> CheckResult {
        Self.isFilled(value) ? result(item, [], pass: say("\(field) が記入されています", "\(field) is given")) : result(item, [say("\(field) が空です", "\(field) is empty")], pass: "")
    }

    func supportChannels(_ item: ChecklistItem) -> CheckResult {
        let allowed: Set<String> = ["web-chat", "phone", "email"]
        let channels = document.business.supportChannels ?? []
        let unknown = channels.filter { !allowed.contains($0) }
        var failures: [String] = []
        if channels.filter({ allowed.contains($0) }).isEmpty {
            failures.append(say("business.support_channels に web-chat / phone / email のいずれもありません", "business.support_channels has none of web-chat, phone, email"))
        }
        if !unknown.isEmpty {
            failures.append(say("business.support_channels の「\(unknown.joined(separator: "」「"))」は使えません (web-chat / phone / email のみ)", "business.support_channels: \"\(unknown.joined(separator: "\", \""))\" is not allowed (web-chat, phone, email only)"))
        }
        return result(item, failures, pass: channels.joined(separator: ", "))
    }

    func marketplace(_ item: ChecklistItem) -> CheckResult {
        switch document.business.marketplaceListed {
        case nil: return result(item, [say("business.marketplace.listed がありません", "business.marketplace.listed is missing")], pass: "")
        case false?: return result(item, [], pass: say("Marketplace 未掲載 (可)", "Not listed on AWS Marketplace (allowed)"))
        case true?:
            let url = document.business.marketplaceURL
            return Self.isWebURL(url)
                ? result(item, [], pass: url ?? "")
                : result(item, [say("business.marketplace.url が http/https の URL ではありません", "business.marketplace.url is not an http/https URL")], pass: "")
        }
    }

    func coSell(_ item: ChecklistItem) -> CheckResult {
        switch document.business.coSellAnswer {
        case "yes"?, "no"?: return result(item, [], pass: document.business.coSellAnswer ?? "")
        case "explained"? where Self.isFilled(document.business.coSellExplanation):
            return result(item, [], pass: say("説明あり", "Explained"))
        case "explained"?:
            return result(item, [say("business.co_sell_compensation.explanation が空です", "business.co_sell_compensation.explanation is empty")], pass: "")
        case let other?:
            return result(item, [say("business.co_sell_compensation.answer「\(other)」は yes / no / explained ではありません", "business.co_sell_compensation.answer \"\(other)\" is not yes, no or explained")], pass: "")
        case nil:
            return result(item, [say("business.co_sell_compensation.answer がありません", "business.co_sell_compensation.answer is missing")], pass: "")
        }
    }

    func completeness(_ item: ChecklistItem) -> CheckResult {
        let sections = ["partner", "solution", "case_studies", "web_presence", "business", "self_assessment"]
        let missing = sections.filter { !document.presentSections.contains($0) }
        if !missing.isEmpty {
            return result(item, [say("セクション \(missing.joined(separator: ", ")) がありません", "sections missing: \(missing.joined(separator: ", "))")], pass: "")
        }
        var notes: [String] = []
        if !Self.isFilled(document.selfAssessment.reviewedByName) {
            notes.append(say("reviewed_by がありません (推奨)", "no reviewed_by (recommended)"))
        }
        guard let subject = context.subject else {
            return CheckResult(id: item.id, status: .review, reason: say("件名のない文書です。提出方法を確認してください", "A bare document with no subject; check how it was submitted") + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        }
        if !Self.subjectFollowsSeed(subject) {
            return CheckResult(
                id: item.id, status: .review,
                reason: say("件名「\(subject)」がシードの形式 (<APN パートナー名>, Retail Competency Technology Partner Completed Self-Assessment) ではありません", "The subject \"\(subject)\" is not in the seed's format (<APN Partner Name>, Retail Competency Technology Partner Completed Self-Assessment)") + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        }
        return CheckResult(id: item.id, status: .pass, reason: say("すべてのセクションがあります", "Every section is present") + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
    }

    /// `<APN Partner Name>, Retail Competency Technology Partner Completed Self-Assessment`,
    /// with the name in square brackets or not (partners copy the placeholder's brackets).
    static func subjectFollowsSeed(_ subject: String) -> Bool {
        let folded = subject.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let suffix = ", retail competency technology partner completed self-assessment"
        guard folded.lowercased().hasSuffix(suffix) else { return false }
        var name = folded.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
        return !name.isEmpty
    }

    // MARK: Technical

    func techDocs() -> CheckResult {
        let attachments = Set(context.attachmentNames.map { $0.lowercased() })
        func present(_ reference: String?) -> Bool {
            guard let reference = reference?.trimmingCharacters(in: .whitespaces), !reference.isEmpty else { return false }
            return Self.isWebURL(reference) || attachments.contains(reference.lowercased())
                || attachments.contains((reference as NSString).lastPathComponent.lowercased())
        }
        func describe(_ reference: String?) -> String {
            Self.isFilled(reference) ? say("「\(reference ?? "")」は URL でも添付ファイル名でもありません", "\"\(reference ?? "")\" is neither a URL nor an attached file") : say("ありません", "missing")
        }
        guard let delivery = document.solution.delivery, checklist.deliveryModels[delivery] != nil else {
            return CheckResult(id: "TECH-DOCS", status: .review, reason: say("提供形態が不明なため、必要な図とガイドを判定できません", "The delivery model is unknown, so the required diagrams and guide cannot be decided"))
        }
        var failures: [String] = []
        if delivery == "saas", !present(document.solution.architectureDiagram) {
            failures.append(say("ソリューション全体のアーキテクチャ図 (solution.architecture_diagram): ", "the whole-solution diagram (solution.architecture_diagram): ") + describe(document.solution.architectureDiagram))
        }
        for (index, study) in document.caseStudies.enumerated() where !present(study.architectureDiagram) {
            failures.append(say("\(caseLabel(index)) のアーキテクチャ図: ", "\(caseLabel(index)) architecture diagram: ") + describe(study.architectureDiagram))
        }
        if delivery == "customer-deployed", !present(document.solution.deploymentGuide) {
            failures.append(say("デプロイガイド (solution.deployment_guide): ", "the deployment guide (solution.deployment_guide): ") + describe(document.solution.deploymentGuide))
        }
        if failures.isEmpty {
            return CheckResult(id: "TECH-DOCS", status: .pass, reason: say("必要なアーキテクチャ図\(delivery == "customer-deployed" ? "とデプロイガイド" : "")がそろっています", "The required architecture diagrams\(delivery == "customer-deployed" ? " and deployment guide" : "") are present"))
        }
        return CheckResult(id: "TECH-DOCS", status: .fail, reason: failures.joined(separator: say("。", "; ")) + say("。", "."))
    }

    func technical(_ item: ChecklistItem) -> CheckResult {
        guard let delivery = document.solution.delivery, checklist.deliveryModels[delivery] != nil else {
            return CheckResult(id: item.id, status: .review, reason: say("提供形態が不明です", "The delivery model is unknown"))
        }
        guard item.appliesTo.contains(delivery) else {
            return CheckResult(id: item.id, status: .notApplicable, reason: say("\(delivery) には適用されません", "Does not apply to \(delivery)"))
        }
        if item.condition == "handles_cardholder_data", document.solution.handlesCardholderData != true {
            return CheckResult(id: item.id, status: .notApplicable, reason: say("カード会員データを扱わないため対象外です", "Does not apply: the solution handles no cardholder data"))
        }
        guard !document.caseStudies.isEmpty else {
            return CheckResult(id: item.id, status: .fail, reason: say("回答する導入事例がありません。", "No case study answers this item."))
        }
        var failures: [String] = []
        for (index, study) in document.caseStudies.enumerated() {
            let answer = study.technical[item.id]
            switch answer?.answer {
            case .yes?: continue
            case .no?: failures.append(say("\(caseLabel(index)) は「いいえ」", "\(caseLabel(index)) answers no"))
            case .notApplicable?: failures.append(say("\(caseLabel(index)) は「該当なし」(この項目は適用されます)", "\(caseLabel(index)) answers n/a, but the item applies"))
            case nil:
                if let written = answer?.written {
                    failures.append(say("\(caseLabel(index)) の回答「\(written)」は はい/いいえ ではありません", "\(caseLabel(index)) answers \"\(written)\", which is not yes or no"))
                } else {
                    failures.append(say("\(caseLabel(index)) の回答がありません", "\(caseLabel(index)) has no answer"))
                }
            }
        }
        return result(item, failures, pass: say("\(document.caseStudies.count) 件すべての導入事例で「はい」", "Yes for all \(document.caseStudies.count) case studies"))
    }
}
