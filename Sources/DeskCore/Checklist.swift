/// A competency program's checklist, read from `Config/checklists/*.yaml`.
///
/// The file holds the texts people read (titles, what to fix) and the figures of
/// the rules (four case studies, 18 months…); `ChecklistEvaluator` holds the logic
/// of PRODUCT.md §5 and reads its figures from here.
public struct Checklist: Sendable {
    public let id: String
    public let name: LocalizedText
    /// Segment slug → label (seed 1.3).
    public let segments: [String: LocalizedText]
    /// Delivery model slug → label.
    public let deliveryModels: [String: LocalizedText]
    /// Competencies a case study may be reused from (seed 2.1).
    public let reusableCompetencies: [String: LocalizedText]
    /// Every item in the seed's order, prerequisites first.
    public let items: [ChecklistItem]
    /// What to ask for when the architecture diagrams or deployment guide are missing.
    public let techDocsAsk: LocalizedText?

    public init(
        id: String, name: LocalizedText, segments: [String: LocalizedText], deliveryModels: [String: LocalizedText],
        reusableCompetencies: [String: LocalizedText], items: [ChecklistItem], techDocsAsk: LocalizedText?
    ) {
        self.id = id
        self.name = name
        self.segments = segments
        self.deliveryModels = deliveryModels
        self.reusableCompetencies = reusableCompetencies
        self.items = items
        self.techDocsAsk = techDocsAsk
    }

    public func item(_ id: String) -> ChecklistItem? { items.first { $0.id == id } }

    public var technicalItems: [ChecklistItem] { items.filter { $0.kind == .technical } }
}

/// One item of a checklist.
public struct ChecklistItem: Sendable {
    public enum Kind: String, Sendable { case prerequisite, technical }

    public let id: String
    public let kind: Kind
    public let title: LocalizedText
    /// Technical items: the delivery models the item applies to.
    public let appliesTo: Set<String>
    /// Technical items: a `solution` flag that must be true for the item to apply.
    public let condition: String?
    /// What an information request asks for when the item fails.
    public let ask: LocalizedText?
    /// The whole-number figures of the rule (`case_studies: 4`, `go_live_within_months: 18`).
    public let figures: [String: Int]
    /// The list figures of the rule (`accepted_tiers: [advanced, premier]`).
    public let lists: [String: [String]]

    public init(
        id: String, kind: Kind, title: LocalizedText, appliesTo: Set<String> = [], condition: String? = nil,
        ask: LocalizedText? = nil, figures: [String: Int] = [:], lists: [String: [String]] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.appliesTo = appliesTo
        self.condition = condition
        self.ask = ask
        self.figures = figures
        self.lists = lists
    }
}

/// A text in the two languages the product writes.
public struct LocalizedText: Sendable, Equatable {
    public let ja: String
    public let en: String

    public init(ja: String, en: String) {
        self.ja = ja
        self.en = en
    }

    public func text(_ language: TextLanguage) -> String { language == .ja ? ja : en }
}

/// The language generated text is written in.
public enum TextLanguage: String, Sendable, CaseIterable {
    case ja
    case en
}
