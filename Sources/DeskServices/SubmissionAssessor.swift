import DeskConfig
import DeskCore
import DeskDocuments
import Foundation

/// Finds the self-assessment in a submission, reads it, matches the partner in
/// the registry and runs the tenant's checklist on it (PRODUCT.md §4–§5).
///
/// Contract — reads: candidate documents (attachments whose name says YAML,
/// JSON, CSV or XLSX, or the bare file itself). Writes nothing. Bad input: an
/// unreadable document becomes problems on the submission, naming the file and
/// where in it; with no readable document the verdict is `triage`, and the SLA
/// runs all the same.
public struct SubmissionAssessor: Sendable {
    public let tenant: TenantConfiguration

    public init(tenant: TenantConfiguration) { self.tenant = tenant }

    /// A file that may hold the self-assessment.
    public struct Candidate: Sendable {
        public let name: String
        public let bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// What the assessment found.
    public struct Assessment: Sendable {
        public var verdict: Verdict
        public var checks: [CheckResult] = []
        public var partner: PartnerRegistry.Partner?
        public var match: PartnerRegistry.Match?
        public var program: String?
        public var documentName: String?
        public var document: SelfAssessment?
        public var applicationKey: String?
        public var problems: [String] = []
        /// History entries: (kind, detail).
        public var events: [(String, String)] = []
    }

    /// Reads the candidates in order; the first that yields a self-assessment wins, and
    /// every reading problem is reported with the file's name.
    public static func firstDocument(in candidates: [Candidate]) -> (reading: (name: String, document: SelfAssessment)?, problems: [String]) {
        var reading: (name: String, document: SelfAssessment)?
        var problems: [String] = []
        for candidate in candidates {
            guard let format = DocumentFormat(fileName: candidate.name) else { continue }
            let result = SelfAssessmentReader.read(candidate.bytes, format: format, fileName: candidate.name)
            problems += result.problems.map { "\(candidate.name): \($0)" }
            if let document = result.assessment {
                if let first = reading {
                    problems.append("\(candidate.name): a second self-assessment; only \(first.name) was read")
                } else {
                    reading = (candidate.name, document)
                }
            }
        }
        return (reading, problems)
    }

    public func assess(
        candidates: [Candidate], subject: String?, senderAddress: String?, attachmentNames: [String],
        receivedOn: LocalDate, registry: PartnerRegistry?
    ) -> Assessment {
        var assessment = Assessment(verdict: .triage)
        let found = Self.firstDocument(in: candidates)
        let reading = found.reading
        assessment.problems += found.problems

        // The partner: by the document's APN ID or name, else by the sender's domain.
        if let registry, let found = registry.match(apnID: reading?.document.partner.apnID, name: reading?.document.partner.name, senderAddress: senderAddress) {
            assessment.partner = found.partner
            assessment.match = found.by
            assessment.events.append(("partner", "matched to \(found.partner.name) (\(found.partner.apnID), \(found.partner.tier)) by \(found.by.rawValue)"))
        }

        guard let (name, document) = reading else {
            let names = candidates.map(\.name).filter { DocumentFormat(fileName: $0) != nil }
            assessment.problems.append(
                names.isEmpty
                    ? "no self-assessment document (YAML, JSON, CSV or XLSX) is attached"
                    : "no self-assessment could be read from \(names.joined(separator: ", "))")
            assessment.events.append(("triage", "no self-assessment could be read; a reviewer must look"))
            return assessment
        }
        assessment.documentName = name
        assessment.document = document

        let program = document.program ?? (tenant.checklists.count == 1 ? tenant.checklists.keys.first : nil)
        if document.program == nil, let program {
            assessment.problems.append("\(name): no program given; checked against \(program), the only checklist of \(tenant.id)")
        }
        guard let program, let checklist = tenant.checklists[program] else {
            assessment.problems.append(
                "\(name): program \"\(document.program ?? "")\" is not a checklist \(tenant.id) reviews (\(tenant.checklists.keys.sorted().joined(separator: ", ")))")
            assessment.events.append(("triage", "the document names no checklist this office knows; a reviewer must look"))
            return assessment
        }
        assessment.program = program
        let context = ChecklistEvaluator.Context(
            receivedOn: receivedOn, registryPartner: assessment.partner, registryMatch: assessment.match, subject: subject,
            attachmentNames: attachmentNames, language: tenant.language)
        assessment.checks = ChecklistEvaluator(checklist: checklist).evaluate(document, context: context)
        assessment.verdict = Verdict(checks: assessment.checks)

        // One application per partner and program: the registry's APN ID when known,
        // else the normalised name the document gives.
        let who = assessment.partner?.apnID
            ?? document.partner.name.map { "name:" + PartnerRegistry.normalizedName($0) }
            ?? senderAddress.map { "sender:" + $0.lowercased() }
        assessment.applicationKey = who.map { "\($0)|\(program)" }

        let failed = assessment.checks.filter { $0.status == .fail }.map(\.id)
        let review = assessment.checks.filter { $0.status == .review }.map(\.id)
        assessment.events.append(
            ("checked", "\(name) read; \(program): verdict \(assessment.verdict.rawValue)"
                + (failed.isEmpty ? "" : "; failing \(failed.joined(separator: ", "))")
                + (review.isEmpty ? "" : "; for review \(review.joined(separator: ", "))")))
        return assessment
    }
}
