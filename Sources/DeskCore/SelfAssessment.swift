/// A partner's self-assessment (PRODUCT.md §4.1), whatever encoding it arrived in.
///
/// Values are normalised where a person's wording has a clear meaning (Japanese
/// labels become slugs, `はい` becomes `yes`, `2026年3月1日` a date) and kept as
/// written where it does not, so a check can quote what the partner wrote. A
/// field that is absent is `nil`; a field that was present but unreadable is
/// also `nil`, and the reader reports it in its problems with its location.
public struct SelfAssessment: Sendable, Equatable {
    public var schema: String?
    /// The checklist id, e.g. `retail-technology`.
    public var program: String?
    public var partner = PartnerSection()
    public var solution = SolutionSection()
    public var caseStudies: [CaseStudy] = []
    public var webPresence = WebPresence()
    public var business = BusinessSection()
    public var selfAssessment = ReviewSection()
    /// The top-level sections the document has (`partner`, `solution`, `case_studies`,
    /// `web_presence`, `business`, `self_assessment`), for PRE-5.1.
    public var presentSections: Set<String> = []

    public init() {}

    public struct PartnerSection: Sendable, Equatable {
        public var name: String?
        public var apnID: String?
        /// Self-declared; the registry decides.
        public var tier: String?
        public var contactName: String?
        public var contactEmail: String?
        public init() {}
    }

    public struct SolutionSection: Sendable, Equatable {
        public var name: String?
        /// Segment slugs (`customer-engagement` …) or, when not recognised, the text as written.
        public var segments: [String]?
        /// `saas`, `customer-deployed`, or the text as written.
        public var delivery: String?
        /// As written; PRE-1.4 decides whether it is a whole number ≥ 0.
        public var customersTotal: String?
        public var handlesCardholderData: Bool?
        public var architectureDiagram: String?
        public var deploymentGuide: String?
        public init() {}
    }

    public struct CaseStudy: Sendable, Equatable {
        public var customer: String?
        public var website: String?
        public var segment: String?
        public var challenge: String?
        public var solution: String?
        public var thirdParty: String?
        public var goLive: DocumentDate?
        /// `production`, `pilot`, `poc`, or the text as written.
        public var stage: String?
        public var outcomes: String?
        public var architectureDiagram: String?
        public var publicURL: String?
        /// `case-study`, `whitepaper`, `blog`, or the text as written.
        public var publicKind: String?
        /// A competency slug, when the case study is reused from one.
        public var reusedFrom: String?
        /// Keyed by item id (`TECH-1.1`).
        public var technical: [String: TechnicalAnswer] = [:]
        public init() {}
    }

    public struct TechnicalAnswer: Sendable, Equatable {
        public var answer: Answer?
        /// The answer as written, when it is not a recognised answer word.
        public var written: String?
        public var evidence: String?
        public init(answer: Answer? = nil, written: String? = nil, evidence: String? = nil) {
            self.answer = answer
            self.written = written
            self.evidence = evidence
        }
    }

    public struct WebPresence: Sendable, Equatable {
        public var landingPage: String?
        public var thoughtLeadership: [ThoughtLeadership] = []
        public init() {}
    }

    public struct ThoughtLeadership: Sendable, Equatable {
        public var url: String?
        public var published: DocumentDate?
        public init(url: String? = nil, published: DocumentDate? = nil) {
            self.url = url
            self.published = published
        }
    }

    public struct BusinessSection: Sendable, Equatable {
        public var salesToolkit: String?
        /// `web-chat`, `phone`, `email`, or the text as written.
        public var supportChannels: [String]?
        public var marketplaceListed: Bool?
        public var marketplaceURL: String?
        /// `yes`, `no`, `explained`, or the text as written.
        public var coSellAnswer: String?
        public var coSellExplanation: String?
        public var jointSuccessProcess: String?
        public init() {}
    }

    public struct ReviewSection: Sendable, Equatable {
        public var guidelinesRead: Bool?
        public var reviewedByName: String?
        /// `psa`, `pdr`, `pdm`, or the text as written.
        public var reviewedByRole: String?
        public init() {}
    }
}

/// A yes / no / not-applicable answer, in any of the words partners use.
public enum Answer: String, Sendable, Equatable, CaseIterable {
    case yes
    case no
    case notApplicable = "n/a"
}

/// A date as the partner wrote it, and what it means when it could be read.
public struct DocumentDate: Sendable, Equatable {
    public var date: LocalDate?
    public var written: String

    public init(date: LocalDate?, written: String) {
        self.date = date
        self.written = written
    }
}

/// A problem found while reading a document, with where it is: a YAML line, a CSV
/// line and column, an XLSX sheet and cell.
public struct DocumentProblem: Sendable, Equatable, CustomStringConvertible {
    /// e.g. `self-assessment.yaml line 12`, `Self-Assessment!B7`, `line 4, column 2`.
    public var location: String?
    /// The canonical key path the problem concerns, e.g. `case_studies.2.go_live`.
    public var field: String?
    public var message: String

    public init(location: String? = nil, field: String? = nil, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String {
        [location, field].compactMap { $0 }.joined(separator: ", ") + (location == nil && field == nil ? "" : ": ") + message
    }
}
