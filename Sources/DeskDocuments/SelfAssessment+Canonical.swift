import DeskCore

extension SelfAssessment {
    /// The document in the canonical form (PRODUCT.md §4.1) as a JSON value, keys
    /// named exactly as the canonical YAML names them, for `competency parse --json`.
    ///
    /// Every key of the form is present (null when the document left it out), so the
    /// output has one shape. Dates are ISO 8601 when they could be read, else the text
    /// as written; an answer that is no answer word is its text as written.
    public func canonicalJSONObject() -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func list(_ values: [String]?) -> JSONValue {
            values.map { .array($0.map(JSONValue.string)) } ?? .null
        }
        func flag(_ value: Bool?) -> JSONValue { value.map(JSONValue.bool) ?? .null }
        func date(_ value: DocumentDate?) -> JSONValue {
            value.map { .string($0.date?.iso ?? $0.written) } ?? .null
        }
        func object(_ fields: [(String, JSONValue)]) -> JSONValue { .object(fields) }
        func count(_ value: String?) -> JSONValue {
            guard let value else { return .null }
            return Int(value).map { .number(Double($0)) } ?? .string(value)
        }

        let caseStudies = caseStudies.map { study -> JSONValue in
            let technical = SelfAssessment.sortedItemIDs(study.technical.keys).map {
                id -> (String, JSONValue) in
                let item = study.technical[id] ?? TechnicalAnswer()
                return (
                    id,
                    object([("answer", text(item.answer?.rawValue ?? item.written)), ("evidence", text(item.evidence))])
                )
            }
            let publication: JSONValue =
                study.publicURL == nil && study.publicKind == nil
                ? .null : object([("url", text(study.publicURL)), ("kind", text(study.publicKind))])
            return object([
                ("customer", text(study.customer)),
                ("website", text(study.website)),
                ("segment", text(study.segment)),
                ("challenge", text(study.challenge)),
                ("solution", text(study.solution)),
                ("third_party", text(study.thirdParty)),
                ("go_live", date(study.goLive)),
                ("stage", text(study.stage)),
                ("outcomes", text(study.outcomes)),
                ("architecture_diagram", text(study.architectureDiagram)),
                ("public", publication),
                ("reused_from", text(study.reusedFrom)),
                ("technical", object(technical)),
            ])
        }
        let reviewer: JSONValue =
            selfAssessment.reviewedByName == nil && selfAssessment.reviewedByRole == nil
            ? .null
            : object([("name", text(selfAssessment.reviewedByName)), ("role", text(selfAssessment.reviewedByRole))])
        return object([
            ("schema", text(schema)),
            ("program", text(program)),
            (
                "partner",
                object([
                    ("name", text(partner.name)),
                    ("apn_id", text(partner.apnID)),
                    ("tier", text(partner.tier)),
                    ("contact", object([("name", text(partner.contactName)), ("email", text(partner.contactEmail))])),
                ])
            ),
            (
                "solution",
                object([
                    ("name", text(solution.name)),
                    ("segments", list(solution.segments)),
                    ("delivery", text(solution.delivery)),
                    ("customers_total", count(solution.customersTotal)),
                    ("handles_cardholder_data", flag(solution.handlesCardholderData)),
                    ("architecture_diagram", text(solution.architectureDiagram)),
                    ("deployment_guide", text(solution.deploymentGuide)),
                ])
            ),
            ("case_studies", .array(caseStudies)),
            (
                "web_presence",
                object([
                    ("landing_page", text(webPresence.landingPage)),
                    (
                        "thought_leadership",
                        .array(
                            webPresence.thoughtLeadership.map {
                                object([("url", text($0.url)), ("published", date($0.published))])
                            })
                    ),
                ])
            ),
            (
                "business",
                object([
                    ("sales_toolkit", text(business.salesToolkit)),
                    ("support_channels", list(business.supportChannels)),
                    (
                        "marketplace",
                        object([("listed", flag(business.marketplaceListed)), ("url", text(business.marketplaceURL))])
                    ),
                    (
                        "co_sell_compensation",
                        object([
                            ("answer", text(business.coSellAnswer)), ("explanation", text(business.coSellExplanation)),
                        ])
                    ),
                    ("joint_success_process", text(business.jointSuccessProcess)),
                ])
            ),
            (
                "self_assessment",
                object([("guidelines_read", flag(selfAssessment.guidelinesRead)), ("reviewed_by", reviewer)])
            ),
        ])
    }

    /// `TECH-1.2` before `TECH-1.10`: ids compare by their numbers, then as text.
    static func itemIDPrecedes(_ a: String, _ b: String) -> Bool {
        let (na, nb) = (itemIDNumbers(a), itemIDNumbers(b))
        return na != nb ? na.lexicographicallyPrecedes(nb) : a < b
    }

    static func itemIDNumbers(_ id: String) -> [Int] { id.split { !$0.isNumber }.compactMap { Int($0) } }

    /// `ids` in `itemIDPrecedes` order, each id's numbers read once (not once per comparison).
    static func sortedItemIDs<S: Sequence>(_ ids: S) -> [String] where S.Element == String {
        ids.map { ($0, itemIDNumbers($0)) }
            .sorted { $0.1 != $1.1 ? $0.1.lexicographicallyPrecedes($1.1) : $0.0 < $1.0 }
            .map(\.0)
    }
}
