import Foundation

/// The partner program's facts about partners (PRODUCT.md §4.4): tier and held
/// competencies come from here, never from the partner's own claim.
public struct PartnerRegistry: Sendable {
    public struct Partner: Sendable, Equatable {
        public let apnID: String
        public let name: String
        public let tier: String
        public let competencies: [String]
        public let senderDomains: [String]
        public let pdmEmail: String?
        public let pdrEmail: String?

        /// Whether mail from `address` comes from this partner: its domain is one of
        /// `sender_domains`, or a subdomain of one (mail.acme.example is acme.example).
        public func sends(from address: String) -> Bool {
            guard let at = address.lastIndex(of: "@") else { return false }
            let domain = address[address.index(after: at)...].lowercased()
            guard !domain.isEmpty else { return false }
            return senderDomains.contains { domain == $0 || domain.hasSuffix("." + $0) }
        }
    }

    /// How a submission was matched to a registry row.
    public enum Match: String, Sendable {
        case apnID = "apn_id"
        case name
        case senderDomain = "sender domain"
    }

    public static let header = ["apn_id", "name", "tier", "competencies", "sender_domains", "pdm_email", "pdr_email"]
    public static let tiers: Set<String> = ["registered", "select", "advanced", "premier"]

    public let partners: [Partner]

    public init(partners: [Partner]) { self.partners = partners }

    /// A registry problem, located by line and column.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let column: String?
        public let message: String
        public var description: String {
            column.map { "line \(line), column \($0): \(message)" } ?? "line \(line): \(message)"
        }
    }

    /// Reads the CSV export (`apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email`).
    public init(csv text: String) throws(ReadError) {
        let table: CSVTable
        do { table = try CSVTable(parsing: text) } catch { throw ReadError(line: error.line, column: nil, message: error.message) }
        guard let header = table.rows.first else { throw ReadError(line: 1, column: nil, message: "the file is empty; expected the header \(Self.header.joined(separator: ","))") }
        let names = header.map { $0.value.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names == Self.header else {
            throw ReadError(line: 1, column: nil, message: "the header must be \(Self.header.joined(separator: ",")), found \(names.joined(separator: ","))")
        }
        var partners: [Partner] = []
        var seen: [String: Int] = [:]
        for row in table.rows.dropFirst() {
            let line = row.first?.line ?? 0
            guard row.count == Self.header.count else {
                throw ReadError(line: line, column: nil, message: "\(row.count) fields, expected \(Self.header.count)")
            }
            let value = { (index: Int) in row[index].value.trimmingCharacters(in: .whitespaces) }
            let apnID = value(0)
            guard !apnID.isEmpty else { throw ReadError(line: line, column: "apn_id", message: "empty") }
            if let earlier = seen[apnID] { throw ReadError(line: line, column: "apn_id", message: "\(apnID) is also on line \(earlier)") }
            seen[apnID] = line
            let tier = value(2).lowercased()
            guard Self.tiers.contains(tier) else {
                throw ReadError(line: line, column: "tier", message: "\"\(value(2))\" is not a tier (registered, select, advanced, premier)")
            }
            let list = { (index: Int) in value(index).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty } }
            partners.append(
                Partner(
                    apnID: apnID, name: value(1), tier: tier, competencies: list(3), senderDomains: list(4),
                    pdmEmail: value(5).isEmpty ? nil : value(5), pdrEmail: value(6).isEmpty ? nil : value(6)))
        }
        self.partners = partners
    }

    /// Finds the partner by APN ID, else by normalised name, else by the sender's domain.
    public func match(apnID: String? = nil, name: String? = nil, senderAddress: String? = nil) -> (partner: Partner, by: Match)? {
        if let apnID = apnID?.trimmingCharacters(in: .whitespaces), !apnID.isEmpty,
            let partner = partners.first(where: { $0.apnID.caseInsensitiveCompare(apnID) == .orderedSame })
        {
            return (partner, .apnID)
        }
        if let name, case let key = Self.normalizedName(name), !key.isEmpty,
            let partner = partners.first(where: { Self.normalizedName($0.name) == key })
        {
            return (partner, .name)
        }
        if let address = senderAddress, let partner = partners.first(where: { $0.sends(from: address) }) {
            return (partner, .senderDomain)
        }
        return nil
    }

    /// Company names compared the way people mean them: Unicode NFKC (㈱ → (株),
    /// full-width → half-width), case-insensitive, without company-form words
    /// (株式会社, (株), KK, Inc., Ltd., LLC, Co.…), spaces and punctuation.
    public static func normalizedName(_ name: String) -> String {
        var text = name.precomposedStringWithCompatibilityMapping.lowercased()
        for form in ["株式会社", "(株)", "有限会社", "(有)", "合同会社"] { text = text.replacingOccurrences(of: form, with: " ") }
        // Latin company forms only as whole words, so "Kkbox" or "Income" survive.
        let words = text.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        let forms: Set<String> = ["kk", "k.k", "inc", "ltd", "llc", "co", "corp", "corporation", "limited", "gk", "g.k"]
        let kept = words.filter { !forms.contains($0) }
        return String(kept.joined().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
    }
}
