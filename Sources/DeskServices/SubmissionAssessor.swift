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
        /// Why the document's partner claim was not believed (see `assess`), if it was not.
        public var untrustedClaim: String?
        public var problems: [String] = []
        /// History entries: (kind, detail).
        public var events: [(String, String)] = []
    }

    /// How many candidate documents (attachments whose name says YAML, JSON, CSV or
    /// XLSX) are read, in message order. A partner attaches one self-assessment and
    /// perhaps an older copy; a message with hundreds is built to make work, and each
    /// document read costs parsing time and up to `DocumentLimits.maxProblems` problems.
    public static let maximumCandidateDocuments = 20

    /// Reads the candidates in order; the first that yields a self-assessment wins, and
    /// every reading problem is reported with the file's name.
    public static func firstDocument(in candidates: [Candidate]) -> (reading: (name: String, document: SelfAssessment)?, problems: [String]) {
        var reading: (name: String, document: SelfAssessment)?
        var problems: [String] = []
        let documents = candidates.compactMap { candidate in
            DocumentFormat(fileName: candidate.name).map { (candidate, $0) }
        }
        if documents.count > maximumCandidateDocuments {
            let unread = documents.dropFirst(maximumCandidateDocuments).map(\.0.name)
            let shown = unread.prefix(5).joined(separator: ", ") + (unread.count > 5 ? ", …" : "")
            problems.append(
                "\(documents.count) attachments may be self-assessments, more than the \(maximumCandidateDocuments) that are read; the \(unread.count) more after them were not read (\(shown))"
            )
        }
        for (candidate, format) in documents.prefix(maximumCandidateDocuments) {
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

    /// Japanese or English, by the tenant's language.
    private func say(_ japanese: String, _ english: String) -> String {
        tenant.language == .ja ? japanese : english
    }

    /// The partner name to list for `assessment`: the registry's when it vouches for
    /// the sender, the document's own otherwise — marked when the claim was not believed,
    /// so the queue never shows a stranger under a partner's name.
    public func partnerName(of assessment: Assessment) -> String? {
        if let trusted = assessment.partner?.name { return trusted }
        guard let claimed = assessment.document?.partner.name else { return nil }
        return assessment.untrustedClaim == nil ? claimed : claimed + say("（未確認）", " (unverified)")
    }

    public func assess(
        candidates: [Candidate], subject: String?, isMail: Bool = true, senderAddress: String?, attachmentNames: [String],
        receivedOn: LocalDate, registry: PartnerRegistry?
    ) -> Assessment {
        var assessment = Assessment(verdict: .triage)
        let found = Self.firstDocument(in: candidates)
        let reading = found.reading
        assessment.problems += found.problems

        // The partner: by the document's APN ID or name, else by the sender's domain.
        // A document's claim is trusted only from one of that partner's sender domains;
        // a bare document has no sender and was put in the inbox by the office itself.
        // Mail without a usable sender address proves nothing and is not trusted.
        var untrustedClaim: String?
        if let registry, let found = registry.match(apnID: reading?.document.partner.apnID, name: reading?.document.partner.name, senderAddress: senderAddress) {
            let domains = found.partner.senderDomains.joined(separator: ", ")
            var reason: String?
            if isMail, let senderAddress, found.by != .senderDomain, !found.partner.sends(from: senderAddress) {
                let domain = senderAddress.split(separator: "@").last.map(String.init) ?? senderAddress
                reason = say(
                    "文書は \(found.partner.name) (\(found.partner.apnID)) を名乗っていますが、送信者のドメイン \(domain) はこのパートナーの sender_domains (\(domains)) にありません。パートナーを確認してください",
                    "The document names \(found.partner.name) (\(found.partner.apnID)), but the sender's domain \(domain) is not among that partner's sender_domains (\(domains)); confirm who sent it")
            } else if isMail, senderAddress == nil {
                reason = say(
                    "文書は \(found.partner.name) (\(found.partner.apnID)) を名乗っていますが、メールに送信者のアドレス (From) がなく、sender_domains (\(domains)) と照合できません。パートナーを確認してください",
                    "The document names \(found.partner.name) (\(found.partner.apnID)), but the message has no sender address (From) to check against that partner's sender_domains (\(domains)); confirm who sent it")
            }
            if let reason {
                untrustedClaim = reason
                assessment.untrustedClaim = reason
                assessment.problems.append(reason)
                assessment.events.append(("partner-unverified", reason))
            } else {
                assessment.partner = found.partner
                assessment.match = found.by
                assessment.events.append(("partner", "matched to \(found.partner.name) (\(found.partner.apnID), \(found.partner.tier)) by \(found.by.rawValue)"))
            }
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
        var context = ChecklistEvaluator.Context(
            receivedOn: receivedOn, registryPartner: assessment.partner, registryMatch: assessment.match, subject: subject,
            attachmentNames: attachmentNames, language: tenant.language)
        context.untrustedClaim = untrustedClaim
        assessment.checks = ChecklistEvaluator(checklist: checklist).evaluate(document, context: context)
        assessment.verdict = Verdict(checks: assessment.checks)

        // One application per partner and program: the registry's APN ID when known,
        // else the normalised name the document gives.
        // A partner the registry does not vouch for is one application per sender domain:
        // a stranger naming someone else's company never continues their application.
        // Mail with no sender address has nobody to be the same applicant as: it stands alone.
        let domain = senderAddress.flatMap { $0.split(separator: "@").last }.map { "@" + $0.lowercased() } ?? ""
        let who: String?
        if let trusted = assessment.partner?.apnID {
            who = trusted
        } else if isMail, senderAddress == nil {
            who = nil
        } else if untrustedClaim != nil {
            who = senderAddress.map { "sender:" + $0.lowercased() }
        } else {
            who = document.partner.name.map { "name:" + PartnerRegistry.normalizedName($0) + domain }
                ?? senderAddress.map { "sender:" + $0.lowercased() }
        }
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
