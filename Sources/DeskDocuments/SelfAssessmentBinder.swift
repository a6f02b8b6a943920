import DeskCore
import Foundation

/// Reads the intermediate tree of any encoding into a ``SelfAssessment``: the one
/// place where keys are checked and values normalised (slugs, answer words, dates).
///
/// Nothing here is fatal except a document whose top level is not a mapping of the
/// canonical sections. A value of the wrong shape, an unreadable answer or date, or
/// an unknown key becomes a problem that names the location and the canonical key
/// path, and the field is left nil.
struct SelfAssessmentBinder {
    private(set) var problems: [DocumentProblem] = []

    /// The schema this binder reads.
    static let schema = "competency-self-assessment/v1"
    static let sectionKeys = ["partner", "solution", "case_studies", "web_presence", "business", "self_assessment"]
    static let topLevelKeys = ["schema", "program"] + sectionKeys

    /// The document, or nil when the tree is not a self-assessment at all.
    mutating func bind(_ root: DocumentNode) -> SelfAssessment? {
        guard case .mapping(let entries) = root.content else {
            report(
                at: root.location, nil,
                "the document is \(root.kindDescription), not the sections of a self-assessment (schema, partner, solution, case_studies, …)"
            )
            return nil
        }
        let recognised = entries.contains { Self.topLevelKeys.contains(Self.normalisedKey($0.key)) }
        guard recognised else {
            report(
                at: root.location, nil,
                "none of the keys of a self-assessment (schema, partner, solution, case_studies, web_presence, business, self_assessment) is present"
            )
            return nil
        }
        let top = fields(of: root, at: "", known: Self.topLevelKeys)
        var assessment = SelfAssessment()
        assessment.schema = text(top["schema"], "schema")
        if let schema = assessment.schema, schema != Self.schema {
            report(at: top["schema"]?.location, "schema", "unknown schema `\(schema)`; read as `\(Self.schema)`")
        }
        assessment.program = text(top["program"], "program")
        assessment.partner = partner(top["partner"])
        assessment.solution = solution(top["solution"])
        assessment.caseStudies = caseStudies(top["case_studies"])
        assessment.webPresence = webPresence(top["web_presence"])
        assessment.business = business(top["business"])
        assessment.selfAssessment = review(top["self_assessment"])
        assessment.presentSections = Set(Self.sectionKeys.filter { top[$0]?.hasValue ?? false })
        return assessment
    }

    // MARK: - Sections

    private mutating func partner(_ node: DocumentNode?) -> SelfAssessment.PartnerSection {
        var section = SelfAssessment.PartnerSection()
        let fields = self.fields(of: node, at: "partner", known: ["name", "apn_id", "tier", "contact"])
        section.name = text(fields["name"], "partner.name")
        section.apnID = text(fields["apn_id"], "partner.apn_id")
        section.tier = slug(fields["tier"], "partner.tier", DocumentVocabulary.tiers)
        let contact = self.fields(of: fields["contact"], at: "partner.contact", known: ["name", "email"])
        section.contactName = text(contact["name"], "partner.contact.name")
        section.contactEmail = text(contact["email"], "partner.contact.email")
        return section
    }

    private mutating func solution(_ node: DocumentNode?) -> SelfAssessment.SolutionSection {
        var section = SelfAssessment.SolutionSection()
        let fields = self.fields(
            of: node, at: "solution",
            known: [
                "name", "segments", "delivery", "customers_total", "handles_cardholder_data", "architecture_diagram",
                "deployment_guide",
            ])
        section.name = text(fields["name"], "solution.name")
        section.segments = list(fields["segments"], "solution.segments")?.map(DocumentVocabulary.segments.normalise)
        section.delivery = slug(fields["delivery"], "solution.delivery", DocumentVocabulary.deliveries)
        section.customersTotal = text(fields["customers_total"], "solution.customers_total")
        section.handlesCardholderData = flag(fields["handles_cardholder_data"], "solution.handles_cardholder_data")
        section.architectureDiagram = text(fields["architecture_diagram"], "solution.architecture_diagram")
        section.deploymentGuide = text(fields["deployment_guide"], "solution.deployment_guide")
        return section
    }

    private mutating func caseStudies(_ node: DocumentNode?) -> [SelfAssessment.CaseStudy] {
        guard let items = sequence(node, "case_studies") else { return [] }
        return Self.droppingTrailingBlanks(items).enumerated().map { offset, item in
            caseStudy(item, at: "case_studies.\(offset + 1)")
        }
    }

    private mutating func caseStudy(_ node: DocumentNode, at path: String) -> SelfAssessment.CaseStudy {
        var study = SelfAssessment.CaseStudy()
        let fields = self.fields(
            of: node, at: path,
            known: [
                "customer", "website", "segment", "challenge", "solution", "third_party", "go_live", "stage",
                "outcomes",
                "architecture_diagram", "public", "reused_from", "technical",
            ])
        study.customer = text(fields["customer"], path + ".customer")
        study.website = text(fields["website"], path + ".website")
        study.segment = slug(fields["segment"], path + ".segment", DocumentVocabulary.segments)
        study.challenge = text(fields["challenge"], path + ".challenge")
        study.solution = text(fields["solution"], path + ".solution")
        study.thirdParty = text(fields["third_party"], path + ".third_party")
        study.goLive = date(fields["go_live"], path + ".go_live")
        study.stage = slug(fields["stage"], path + ".stage", DocumentVocabulary.stages)
        study.outcomes = text(fields["outcomes"], path + ".outcomes")
        study.architectureDiagram = text(fields["architecture_diagram"], path + ".architecture_diagram")
        if let publication = fields["public"], case .scalar = publication.content {
            // `public: https://…` names the URL alone.
            study.publicURL = text(publication, path + ".public")
        } else {
            let publication = self.fields(of: fields["public"], at: path + ".public", known: ["url", "kind"])
            study.publicURL = text(publication["url"], path + ".public.url")
            study.publicKind = slug(publication["kind"], path + ".public.kind", DocumentVocabulary.publicationKinds)
        }
        study.reusedFrom = slug(fields["reused_from"], path + ".reused_from", DocumentVocabulary.competencies)
        study.technical = technical(fields["technical"], at: path + ".technical")
        return study
    }

    private mutating func technical(_ node: DocumentNode?, at path: String) -> [String: SelfAssessment.TechnicalAnswer]
    {
        guard let node, !node.isNull else { return [:] }
        guard case .mapping(let entries) = node.content else {
            report(
                at: node.location, path,
                "expected the technical items (TECH-1.1: {answer: yes}), found \(node.kindDescription)")
            return [:]
        }
        var answers: [String: SelfAssessment.TechnicalAnswer] = [:]
        var seenAt: [String: String?] = [:]
        for entry in entries {
            let id = Self.itemID(entry.key)
            let itemPath = path + "." + id
            if let earlier = seenAt[id] {
                report(
                    at: entry.keyLocation, itemPath,
                    "\(id) is given twice (also \(earlier ?? "earlier")); neither answer is used")
                answers[id] = nil
                continue
            }
            seenAt[id] = entry.keyLocation
            var item = SelfAssessment.TechnicalAnswer()
            if case .mapping = entry.value.content {
                let fields = self.fields(of: entry.value, at: itemPath, known: ["answer", "evidence"])
                (item.answer, item.written) = answer(fields["answer"], itemPath + ".answer")
                item.evidence = text(fields["evidence"], itemPath + ".evidence")
            } else {
                // `TECH-1.1: yes` is the answer alone.
                (item.answer, item.written) = answer(entry.value, itemPath + ".answer")
            }
            if item != SelfAssessment.TechnicalAnswer() { answers[id] = item }
        }
        return answers
    }

    private mutating func webPresence(_ node: DocumentNode?) -> SelfAssessment.WebPresence {
        var section = SelfAssessment.WebPresence()
        let fields = self.fields(of: node, at: "web_presence", known: ["landing_page", "thought_leadership"])
        section.landingPage = text(fields["landing_page"], "web_presence.landing_page")
        let items = sequence(fields["thought_leadership"], "web_presence.thought_leadership") ?? []
        section.thoughtLeadership = Self.droppingTrailingBlanks(items).enumerated().map { offset, item in
            let path = "web_presence.thought_leadership.\(offset + 1)"
            if case .scalar = item.content {
                return SelfAssessment.ThoughtLeadership(url: text(item, path + ".url"))
            }
            let fields = self.fields(of: item, at: path, known: ["url", "published"])
            return SelfAssessment.ThoughtLeadership(
                url: text(fields["url"], path + ".url"), published: date(fields["published"], path + ".published"))
        }
        return section
    }

    private mutating func business(_ node: DocumentNode?) -> SelfAssessment.BusinessSection {
        var section = SelfAssessment.BusinessSection()
        let fields = self.fields(
            of: node, at: "business",
            known: [
                "sales_toolkit", "support_channels", "marketplace", "co_sell_compensation", "joint_success_process",
            ])
        section.salesToolkit = text(fields["sales_toolkit"], "business.sales_toolkit")
        section.supportChannels = list(fields["support_channels"], "business.support_channels")?.map(
            DocumentVocabulary.supportChannels.normalise)
        let marketplace = self.fields(of: fields["marketplace"], at: "business.marketplace", known: ["listed", "url"])
        section.marketplaceListed = flag(marketplace["listed"], "business.marketplace.listed")
        section.marketplaceURL = text(marketplace["url"], "business.marketplace.url")
        if let coSell = fields["co_sell_compensation"], case .scalar = coSell.content {
            section.coSellAnswer = slug(coSell, "business.co_sell_compensation", DocumentVocabulary.coSellAnswers)
        } else {
            let coSell = self.fields(
                of: fields["co_sell_compensation"], at: "business.co_sell_compensation",
                known: ["answer", "explanation"])
            section.coSellAnswer = slug(
                coSell["answer"], "business.co_sell_compensation.answer", DocumentVocabulary.coSellAnswers)
            section.coSellExplanation = text(coSell["explanation"], "business.co_sell_compensation.explanation")
        }
        section.jointSuccessProcess = text(fields["joint_success_process"], "business.joint_success_process")
        return section
    }

    private mutating func review(_ node: DocumentNode?) -> SelfAssessment.ReviewSection {
        var section = SelfAssessment.ReviewSection()
        let fields = self.fields(of: node, at: "self_assessment", known: ["guidelines_read", "reviewed_by"])
        section.guidelinesRead = flag(fields["guidelines_read"], "self_assessment.guidelines_read")
        let reviewer = self.fields(
            of: fields["reviewed_by"], at: "self_assessment.reviewed_by", known: ["name", "role"])
        section.reviewedByName = text(reviewer["name"], "self_assessment.reviewed_by.name")
        section.reviewedByRole = slug(
            reviewer["role"], "self_assessment.reviewed_by.role", DocumentVocabulary.reviewerRoles)
        return section
    }

    // MARK: - Shapes

    /// The known keys of a mapping. Unknown keys (likely typos) and keys given twice are reported.
    private mutating func fields(of node: DocumentNode?, at path: String, known: [String]) -> [String: DocumentNode] {
        guard let node, !node.isNull else { return [:] }
        guard case .mapping(let entries) = node.content else {
            report(
                at: node.location, path.isEmpty ? nil : path,
                "expected a group of keys (\(known.joined(separator: ", "))), found \(node.kindDescription)")
            return [:]
        }
        var fields: [String: DocumentNode] = [:]
        var firstSeen: [String: String?] = [:]
        var duplicated: Set<String> = []
        for entry in entries {
            let key = Self.normalisedKey(entry.key)
            let keyPath = path.isEmpty ? key : path + "." + key
            guard known.contains(key) else {
                var message = "unknown key `\(entry.key)`; it was ignored"
                if let suggestion = Self.closest(to: key, in: known) { message += " (did you mean `\(suggestion)`?)" }
                report(at: entry.keyLocation, keyPath, message)
                continue
            }
            if let earlier = firstSeen[key] {
                report(
                    at: entry.keyLocation, keyPath, "given twice (also \(earlier ?? "earlier")); neither value is used")
                duplicated.insert(key)
                continue
            }
            firstSeen[key] = entry.keyLocation
            fields[key] = entry.value
        }
        for key in duplicated { fields[key] = nil }
        return fields
    }

    private mutating func sequence(_ node: DocumentNode?, _ path: String) -> [DocumentNode]? {
        guard let node, !node.isNull else { return nil }
        guard case .sequence(let items) = node.content else {
            report(at: node.location, path, "expected a list, found \(node.kindDescription)")
            return nil
        }
        return items
    }

    // MARK: - Values

    private mutating func scalar(_ node: DocumentNode?, _ path: String, expecting: String) -> DocumentScalar? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node.content else {
            report(at: node.location, path, "expected \(expecting), found \(node.kindDescription)")
            return nil
        }
        if case .null = scalar.kind { return nil }
        return scalar
    }

    /// Text as written, trimmed; empty text is no value.
    private mutating func text(_ node: DocumentNode?, _ path: String) -> String? {
        guard let scalar = scalar(node, path, expecting: "a single value") else { return nil }
        let trimmed = scalar.written.trimmedWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }

    private mutating func slug(_ node: DocumentNode?, _ path: String, _ words: DocumentVocabulary.SlugSet) -> String? {
        text(node, path).map(words.normalise)
    }

    private mutating func flag(_ node: DocumentNode?, _ path: String) -> Bool? {
        guard let scalar = scalar(node, path, expecting: "yes or no") else { return nil }
        if case .bool(let value) = scalar.kind { return value }
        if case .date = scalar.kind {
        } else if let value = DocumentVocabulary.flag(scalar.written) {
            return value
        }
        if scalar.written.trimmedWhitespace.isEmpty { return nil }
        report(
            at: node?.location, path, "`\(scalar.written)` is not yes or no (write yes or no, true or false, はい or いいえ)"
        )
        return nil
    }

    /// The answer, and the text as written when it is not an answer word.
    private mutating func answer(_ node: DocumentNode?, _ path: String) -> (Answer?, String?) {
        guard let scalar = scalar(node, path, expecting: "an answer") else { return (nil, nil) }
        if case .bool(let value) = scalar.kind { return (value ? .yes : .no, nil) }
        if let answer = DocumentVocabulary.answer(scalar.written) { return (answer, nil) }
        let written = scalar.written.trimmedWhitespace
        if written.isEmpty { return (nil, nil) }
        report(at: node?.location, path, "`\(written)` is not an answer (write yes, no or n/a; はい, いいえ or 該当なし)")
        return (nil, written)
    }

    private mutating func date(_ node: DocumentNode?, _ path: String) -> DocumentDate? {
        guard let scalar = scalar(node, path, expecting: "a date") else { return nil }
        switch scalar.kind {
        case .date(let date):
            return DocumentDate(date: date, written: scalar.written)
        case .number where scalar.serialDate != nil:
            let date = scalar.serialDate
            report(
                at: node?.location, path,
                "a number in a cell without a date format; read as the spreadsheet date \(date?.iso ?? "")")
            return DocumentDate(date: date, written: scalar.written)
        default:
            let written = scalar.written.trimmedWhitespace
            if written.isEmpty { return nil }
            let date = DocumentDateParser.date(from: written)
            if date == nil {
                report(
                    at: node?.location, path, "`\(written)` is not a date (write 2026-03-01, 2026/03/01 or 2026年3月1日)")
            }
            return DocumentDate(date: date, written: written)
        }
    }

    /// A list of plain values: a YAML/JSON list, or one cell separated by `;`.
    private mutating func list(_ node: DocumentNode?, _ path: String) -> [String]? {
        guard let node, !node.isNull else { return nil }
        switch node.content {
        case .sequence(let items):
            return items.enumerated().compactMap { offset, item in text(item, "\(path).\(offset + 1)") }
        case .scalar(let scalar):
            return scalar.written.split(whereSeparator: { $0 == ";" || $0 == "；" })
                .map { $0.trimmedWhitespace }
                .filter { !$0.isEmpty }
        case .mapping:
            report(at: node.location, path, "expected a list, found \(node.kindDescription)")
            return nil
        }
    }

    // MARK: - Helpers

    /// A list without the items at its end that have nothing written in: the blank slots
    /// of a template (case study 4 of 4, a second thought-leadership entry) are not
    /// entries. A blank item before a filled one stays, so positions keep their numbers;
    /// an item whose only value is a conflict between two sheets stays too.
    static func droppingTrailingBlanks(_ items: [DocumentNode]) -> ArraySlice<DocumentNode> {
        var items = items[...]
        while let last = items.last, last.isBlank { items = items.dropLast() }
        return items
    }

    private mutating func report(at location: String?, _ field: String?, _ message: String) {
        problems.append(DocumentProblem(location: location, field: field, message: message))
    }

    static func normalisedKey(_ key: String) -> String {
        key.trimmedWhitespace.lowercased()
    }

    /// `tech-1.1`, `ＴＥＣＨ－１．１` and ` TECH-1.1 ` are all `TECH-1.1`.
    static func itemID(_ key: String) -> String {
        (key.utf8.allSatisfy { $0 < 0x80 } ? key : key.precomposedStringWithCompatibilityMapping).trimmedWhitespace.uppercased()
    }

    /// The known key within two edits of `key`, for a "did you mean" hint.
    static func closest(to key: String, in known: [String]) -> String? {
        known.map { ($0, editDistance(Array(key), Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
