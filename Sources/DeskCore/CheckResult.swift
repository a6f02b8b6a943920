/// The outcome of one check of PRODUCT.md §5.
public struct CheckResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pass
        case fail
        /// A person must look.
        case review
        case notApplicable = "n/a"
    }

    /// `PRE-2.1`, `TECH-DOCS`, `TECH-1.9` …
    public let id: String
    public let status: Status
    /// Why, in the tenant's language, naming the case study and field.
    public let reason: String

    public init(id: String, status: Status, reason: String) {
        self.id = id
        self.status = status
        self.reason = reason
    }
}

/// What a submission needs next (PRODUCT.md §5).
public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// No check failed: schedule the review.
    case ready
    /// A check failed: ask for the missing information.
    case incomplete
    /// No self-assessment could be read: a reviewer must look.
    case triage
    /// An automatic reply, bounce or duplicate.
    case ignored

    /// `incomplete` when any check failed, else `ready`.
    public init(checks: [CheckResult]) {
        self = checks.contains { $0.status == .fail } ? .incomplete : .ready
    }
}
