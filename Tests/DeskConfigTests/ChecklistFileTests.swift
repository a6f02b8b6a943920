import DeskTesting
import Foundation
import Testing
import Yams

/// `Config/checklists/retail-technology.yaml` against the seed it was written from.
///
/// The seed (`Tests/Seed/retail-competency-technology-partner-checklist.ja.txt`, a verbatim
/// copy of `../shared/seed/`) is read here on its own, with plain string handling: every
/// item number of its two tables, the SaaS / 顧客による AWS へのデプロイ marks of the
/// technical table, the item headings and requirement text. The checklist file must hold
/// exactly those items, with exactly that applicability, word for word in Japanese.
///
/// `aBrokenCopyIsCaught` proves the comparison can fail: it edits a copy of the file in a
/// temporary folder (an item deleted, applicability flipped, …) and expects a complaint
/// naming the item.
@Suite struct ChecklistFileTests {

    // MARK: Inputs

    static var seedURL: URL {
        RepositoryPaths.root.appendingPathComponent("Tests/Seed/retail-competency-technology-partner-checklist.ja.txt")
    }
    static var checklistURL: URL {
        RepositoryPaths.root.appendingPathComponent("Config/checklists/retail-technology.yaml")
    }

    /// PRODUCT.md §5's list of prerequisite checks, in order.
    static let productPrerequisiteIDs = [
        "PRE-1.1", "PRE-1.2", "PRE-1.3", "PRE-1.4", "PRE-2.1", "PRE-2.2", "PRE-3.1", "PRE-3.2",
        "PRE-4.1", "PRE-4.2", "PRE-4.3", "PRE-4.4", "PRE-4.5", "PRE-5.1",
    ]
    static let cardholderCondition = "handles_cardholder_data"
    static let saas = "saas"
    static let customerDeployed = "customer-deployed"

    static let seedResult: Result<Seed, any Error> = Result {
        Seed.parse(try String(contentsOf: seedURL, encoding: .utf8))
    }
    static func seed() throws -> Seed { try seedResult.get() }

    static func shippedText() throws -> String { try String(contentsOf: checklistURL, encoding: .utf8) }
    static func shipped() throws -> ChecklistFile { try ChecklistFile.decode(try shippedText()) }

    /// The technical item ids the seed has, for the parameterised test.
    static var seedTechnicalIDs: [String] {
        ((try? seed())?.items ?? []).filter { $0.kind == .technical }.map(\.id)
    }

    // MARK: The seed, read on its own

    @Test func seedTablesAreReadCompletely() throws {
        let seed = try Self.seed()
        #expect(seed.problems == [], "the seed's tables did not read cleanly")
        let prerequisites = seed.items.filter { $0.kind == .prerequisite }
        let technical = seed.items.filter { $0.kind == .technical }
        #expect(prerequisites.map(\.id) == Self.productPrerequisiteIDs)
        // 28 security + 13 reliability + 3 operational excellence + 2 performance efficiency.
        #expect(technical.count == 46)
        #expect(Set(technical.map(\.major)) == [1, 2, 3, 4])
        // Within each section the numbers run 1, 2, 3, … without a gap or a repeat.
        for kind in [Seed.Kind.prerequisite, .technical] {
            for major in Set(seed.items.filter { $0.kind == kind }.map(\.major)) {
                let minors = seed.items.filter { $0.kind == kind && $0.major == major }.map(\.minor)
                #expect(minors == Array(1...minors.count), "\(kind) section \(major).0 numbers \(minors)")
            }
        }
        for item in technical {
            #expect(item.saas != nil && item.customerDeployed != nil, "\(item.id) has no SaaS / 顧客デプロイ marks")
            #expect(!item.title.isEmpty && !item.body.isEmpty, "\(item.id) has no heading or text")
        }
        #expect(seed.documents.map(\.title) == ["アーキテクチャ図", "デプロイガイド", "完了した検証チェックリスト"])
        // Spot checks of the parser on rows with odd shapes: <p>-wrapped numbers, rows
        // without the trailing 適合 cell, text continued on a following row.
        #expect(seed.item("TECH-1.3")?.saas == true && seed.item("TECH-1.3")?.customerDeployed == false)
        #expect(seed.item("TECH-1.20")?.saas == true && seed.item("TECH-1.20")?.customerDeployed == true)
        #expect(seed.item("PRE-2.1")?.body.contains("過去 18 か月以内") == true)
        #expect(seed.item("PRE-3.2")?.body.contains("過去 12 か月以内") == true)
    }

    /// The carried copy is the original, byte for byte, wherever `../shared` is present.
    @Test func seedCopyIsVerbatim() throws {
        let original = RepositoryPaths.root.deletingLastPathComponent()
            .appendingPathComponent("shared/seed/retail-competency-technology-partner-checklist.ja.txt")
        guard FileManager.default.fileExists(atPath: original.path) else { return }
        #expect(
            try Data(contentsOf: original) == Data(contentsOf: Self.seedURL), "Tests/Seed/ drifted from ../shared/seed/"
        )
    }

    // MARK: The shipped file against the seed

    @Test func shippedFileAgreesWithTheSeed() throws {
        #expect(Self.problems(try Self.shipped(), try Self.seed()) == [])
    }

    @Test func fileHeaderNamesTheSeed() throws {
        #expect(Self.headerProblems(try Self.shipped(), try Self.seed()) == [])
    }

    @Test func sameItemIDsAsTheSeed() throws {
        let file = try Self.shipped()
        let seed = try Self.seed()
        #expect(Set(file.items.map(\.id)) == Set(seed.items.map(\.id)))
        #expect(Self.idProblems(file, seed) == [])
    }

    @Test(arguments: ChecklistFileTests.seedTechnicalIDs)
    func applicabilityMatchesTheSeed(id: String) throws {
        let seedItem = try #require(try Self.seed().item(id))
        let item = try #require(try Self.shipped().items.first { $0.id == id }, "\(id) is missing")
        var expected: Set<String> = []
        if seedItem.saas == true { expected.insert(Self.saas) }
        if seedItem.customerDeployed == true { expected.insert(Self.customerDeployed) }
        #expect(
            Set(item.appliesTo ?? []) == expected,
            "\(id): the seed marks SaaS \(seedItem.saasCell), 顧客デプロイ \(seedItem.customerDeployedCell)")
        #expect((item.appliesTo ?? []).count == expected.count, "\(id): a delivery model is listed twice")
    }

    @Test func everyItemHasJapaneseAndEnglishText() throws {
        #expect(Self.textProblems(try Self.shipped()) == [])
    }

    @Test func idsAreUnique() throws {
        let ids = try Self.shipped().items.map(\.id)
        #expect(
            Set(ids).count == ids.count,
            "repeated: \(Dictionary(grouping: ids) { $0 }.filter { $1.count > 1 }.keys.sorted())")
    }

    @Test func cardholderDataItemsAreConditional() throws {
        let file = try Self.shipped()
        let seed = try Self.seed()
        // The seed's own words pick the conditional items out.
        #expect(seed.cardholderItemIDs == ["TECH-1.25", "TECH-1.26"])
        for id in ["TECH-1.25", "TECH-1.26"] {
            #expect(file.items.first { $0.id == id }?.condition == Self.cardholderCondition, "\(id)")
        }
        #expect(Self.conditionProblems(file, seed) == [])
    }

    @Test func prerequisiteIDsMatchTheProductSpec() throws {
        let file = try Self.shipped()
        #expect(file.items.filter { $0.id.hasPrefix("PRE-") }.map(\.id) == Self.productPrerequisiteIDs)
        #expect(file.items.filter { $0.kind == "prerequisite" }.map(\.id) == Self.productPrerequisiteIDs)
    }

    @Test func japaneseTextIsTheSeedsWordForWord() throws {
        #expect(Self.verbatimProblems(try Self.shipped(), try Self.seed()) == [])
    }

    @Test func itemsAreInTheSeedsOrder() throws {
        #expect(Self.orderProblems(try Self.shipped(), try Self.seed()) == [])
    }

    @Test func techDocsMatchTheSeed() throws {
        let file = try Self.shipped()
        #expect(file.techDocs?.id == "TECH-DOCS")
        #expect(Self.techDocsProblems(file, try Self.seed()) == [])
    }

    // MARK: The comparison can fail

    @Test(arguments: Mutation.all)
    func aBrokenCopyIsCaught(_ mutation: Mutation) throws {
        let original = try Self.shippedText()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("checklist-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("retail-technology.yaml")
        try mutation.edit(original).write(to: copy, atomically: true, encoding: .utf8)

        let edited = try String(contentsOf: copy, encoding: .utf8)
        #expect(edited != original, "the edit must change the file")
        let problems = Self.problems(try ChecklistFile.decode(edited), try Self.seed())
        #expect(!problems.isEmpty, "\(mutation.name) went unnoticed")
        #expect(problems.contains { $0.contains(mutation.names) }, "no complaint names \(mutation.names): \(problems)")
    }
}

// MARK: - Comparisons (each returns what is wrong, as sentences naming the item)

extension ChecklistFileTests {
    static func trim(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func problems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        headerProblems(file, seed) + idProblems(file, seed) + orderProblems(file, seed)
            + applicabilityProblems(file, seed) + conditionProblems(file, seed) + textProblems(file)
            + verbatimProblems(file, seed) + techDocsProblems(file, seed)
    }

    static func headerProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        var out: [String] = []
        if file.schema != "competency-checklist/v1" { out.append("schema is \(file.schema ?? "missing")") }
        if file.id != "retail-technology" { out.append("id is \(file.id ?? "missing")") }
        if (file.name?.ja ?? "").isEmpty || (file.name?.en ?? "").isEmpty { out.append("name needs ja and en") }
        let title = file.source?.title?.ja ?? ""
        if title.isEmpty || !seed.lines.contains(title) {
            out.append("source.title.ja \"\(title)\" is not the seed's title line")
        }
        if (file.source?.title?.en ?? "").isEmpty { out.append("source.title.en is empty") }
        if file.source?.version != seed.version {
            out.append("source.version \(file.source?.version ?? "missing") ≠ seed \(seed.version ?? "?")")
        }
        if file.version != seed.version {
            out.append("version \(file.version ?? "missing") ≠ seed \(seed.version ?? "?")")
        }
        if file.source?.date != seed.date {
            out.append("source.date \(file.source?.date ?? "missing") ≠ seed \(seed.date ?? "?")")
        }
        return out
    }

    static func idProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        let fileIDs = file.items.map(\.id)
        let seedIDs = Set(seed.items.map(\.id))
        var out: [String] = []
        for id in seed.items.map(\.id) where !fileIDs.contains(id) {
            out.append("\(id) is in the seed but not in the file")
        }
        for id in fileIDs where !seedIDs.contains(id) { out.append("\(id) is in the file but not in the seed") }
        for (id, count) in Dictionary(grouping: fileIDs, by: { $0 }).mapValues(\.count) where count > 1 {
            out.append("\(id) appears \(count) times")
        }
        for item in file.items {
            let expected = item.id.hasPrefix("PRE-") ? "prerequisite" : item.id.hasPrefix("TECH-") ? "technical" : nil
            if item.kind != expected { out.append("\(item.id): kind \(item.kind ?? "missing") ≠ \(expected ?? "?")") }
        }
        if file.items.filter({ $0.id.hasPrefix("PRE-") }).map(\.id) != productPrerequisiteIDs {
            out.append("the PRE items are not PRODUCT.md §5's list \(productPrerequisiteIDs.joined(separator: ", "))")
        }
        return out.sorted()
    }

    static func orderProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        var seen: Set<String> = []
        let fileOrder = file.items.map(\.id).filter { id in seed.item(id) != nil && seen.insert(id).inserted }
        let seedOrder = seed.items.map(\.id).filter { fileOrder.contains($0) }
        guard let at = fileOrder.indices.first(where: { fileOrder[$0] != seedOrder[$0] }) else { return [] }
        return ["items out of the seed's order: \(seedOrder[at]) should come where \(fileOrder[at]) is"]
    }

    static func applicabilityProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        var out: [String] = []
        for item in file.items {
            guard let seedItem = seed.item(item.id) else { continue }
            let listed = item.appliesTo ?? []
            switch seedItem.kind {
            case .prerequisite:
                if item.appliesTo != nil {
                    out.append("\(item.id): a prerequisite applies to every submission; remove applies_to")
                }
            case .technical:
                var expected: [String] = []
                if seedItem.saas == true { expected.append(saas) }
                if seedItem.customerDeployed == true { expected.append(customerDeployed) }
                if Set(listed) != Set(expected) || listed.count != expected.count {
                    out.append(
                        "\(item.id): applies_to \(listed) but the seed marks SaaS \(seedItem.saasCell), 顧客デプロイ \(seedItem.customerDeployedCell) → \(expected)"
                    )
                }
            }
        }
        return out
    }

    static func conditionProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        var out: [String] = []
        for item in file.items {
            let expected = seed.cardholderItemIDs.contains(item.id) ? cardholderCondition : nil
            if item.condition != expected {
                out.append(
                    "\(item.id): condition \(item.condition ?? "none") ≠ \(expected ?? "none") (the seed limits it to カード所有者のデータ: \(expected != nil))"
                )
            }
        }
        return out
    }

    static func textProblems(_ file: ChecklistFile) -> [String] {
        var out: [String] = []
        func check(_ text: LocalText?, _ what: String, _ id: String) {
            if trim(text?.ja ?? "").isEmpty { out.append("\(id): \(what).ja is empty") }
            if trim(text?.en ?? "").isEmpty { out.append("\(id): \(what).en is empty") }
        }
        for item in file.items {
            check(item.title, "title", item.id)
            check(item.requirement, "requirement", item.id)
            check(item.reviewEvidence, "review_evidence", item.id)
            if (item.section?.ja ?? "").isEmpty || (item.section?.en ?? "").isEmpty {
                out.append("\(item.id): section needs ja and en")
            }
            if item.id.hasPrefix("PRE-") {
                check(item.ask, "ask", item.id)
                if (item.fields ?? []).isEmpty { out.append("\(item.id): fields is empty") }
            }
        }
        for document in file.techDocs?.documents ?? [] {
            check(document.title, "title", "TECH-DOCS \(document.id)")
            check(document.requirement, "requirement", "TECH-DOCS \(document.id)")
            check(document.reviewEvidence, "review_evidence", "TECH-DOCS \(document.id)")
            check(document.ask, "ask", "TECH-DOCS \(document.id)")
        }
        return out
    }

    /// `title.ja` is the seed's heading; every sentence of `requirement.ja` is in the seed's
    /// text for that item; `section` is the seed's x.0 heading.
    static func verbatimProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        var out: [String] = []
        for item in file.items {
            guard let seedItem = seed.item(item.id) else { continue }
            let title = Seed.clean(item.title?.ja ?? "")
            if title != seedItem.title {
                out.append("\(item.id): title.ja \"\(title)\" ≠ the seed's \"\(seedItem.title)\"")
            }
            let requirement = item.requirement?.ja ?? ""
            for sentence in requirement.components(separatedBy: "。").map(Seed.clean) where !sentence.isEmpty {
                if !seedItem.body.contains(sentence) {
                    out.append("\(item.id): requirement.ja \"\(sentence)。\" is not in the seed's text")
                }
            }
            let prefix = seedItem.kind == .prerequisite ? "PRE" : "TECH"
            if item.section?.id != "\(prefix)-\(seedItem.major).0" {
                out.append("\(item.id): section.id \(item.section?.id ?? "missing") ≠ \(prefix)-\(seedItem.major).0")
            }
            let heading = Seed.clean(item.section?.ja ?? "")
            if heading.isEmpty || !seedItem.sectionHeading.hasPrefix(heading) {
                out.append(
                    "\(item.id): section.ja \"\(heading)\" is not the seed's heading \"\(seedItem.sectionHeading)\"")
            }
        }
        return out
    }

    static func techDocsProblems(_ file: ChecklistFile, _ seed: Seed) -> [String] {
        guard let docs = file.techDocs else { return ["TECH-DOCS (tech_docs) is missing"] }
        var out: [String] = []
        let fileTitles = docs.documents.map { Seed.clean($0.title?.ja ?? "") }
        for row in seed.documents where !fileTitles.contains(row.title) {
            out.append("TECH-DOCS: the seed's \(row.title) is missing")
        }
        for document in docs.documents {
            let title = Seed.clean(document.title?.ja ?? "")
            guard let row = seed.documents.first(where: { $0.title == title }) else {
                out.append("TECH-DOCS \(document.id): \"\(title)\" is not a row of the seed")
                continue
            }
            var expected: [String] = []
            if row.saas { expected.append(saas) }
            if row.customerDeployed { expected.append(customerDeployed) }
            let listed = document.appliesTo ?? []
            if Set(listed) != Set(expected) || listed.count != expected.count {
                out.append(
                    "TECH-DOCS \(document.id): applies_to \(listed) but the seed says SaaS \(row.saasCell), 顧客デプロイ \(row.customerDeployedCell)"
                )
            }
            if Set((document.required ?? [:]).keys) != Set(expected) {
                out.append(
                    "TECH-DOCS \(document.id): required covers \((document.required ?? [:]).keys.sorted()) ≠ \(expected)"
                )
            }
            let columns = document.seedColumns ?? [:]
            if columns[saas].map(Seed.clean) != row.saasCell
                || columns[customerDeployed].map(Seed.clean) != row.customerDeployedCell
            {
                out.append("TECH-DOCS \(document.id): seed_columns \(columns) ≠ the seed's cells")
            }
            for sentence in (document.requirement?.ja ?? "").components(separatedBy: "。").map(Seed.clean)
            where !sentence.isEmpty {
                if !row.body.contains(sentence) {
                    out.append("TECH-DOCS \(document.id): requirement.ja \"\(sentence)。\" is not in the seed's text")
                }
            }
        }
        return out
    }
}

// MARK: - Edits that must be caught

extension ChecklistFileTests {
    struct Mutation: Sendable, CustomTestStringConvertible {
        let name: String
        /// A complaint must contain this (the item's id).
        let names: String
        let edit: @Sendable (String) throws -> String
        var testDescription: String { name }

        static let all: [Mutation] = [
            Mutation(name: "TECH-2.7 deleted", names: "TECH-2.7") { try removing("TECH-2.7", $0) },
            Mutation(name: "PRE-5.1 deleted", names: "PRE-5.1") { try removing("PRE-5.1", $0) },
            Mutation(name: "TECH-4.2, the last item, deleted", names: "TECH-4.2") { try removing("TECH-4.2", $0) },
            Mutation(name: "TECH-1.9 flipped to SaaS only", names: "TECH-1.9") {
                try editingItem("TECH-1.9", $0) {
                    try replacing("applies_to: [saas, customer-deployed]", "applies_to: [saas]", in: $0)
                }
            },
            Mutation(name: "TECH-3.3 flipped to both models", names: "TECH-3.3") {
                try editingItem("TECH-3.3", $0) {
                    try replacing("applies_to: [saas]", "applies_to: [saas, customer-deployed]", in: $0)
                }
            },
            Mutation(name: "TECH-4.2 marked customer-deployed only", names: "TECH-4.2") {
                try editingItem("TECH-4.2", $0) {
                    try replacing("applies_to: [saas, customer-deployed]", "applies_to: [customer-deployed]", in: $0)
                }
            },
            Mutation(name: "TECH-1.28 renumbered TECH-1.29", names: "TECH-1.28") {
                try replacing("  - id: TECH-1.28\n", "  - id: TECH-1.29\n", in: $0)
            },
            Mutation(name: "PRE-4.1 listed twice", names: "PRE-4.1") { text in
                var lines = text.components(separatedBy: "\n")
                let block = try itemBlock("PRE-4.1", lines)
                lines.insert(contentsOf: lines[block], at: block.upperBound)
                return lines.joined(separator: "\n")
            },
            Mutation(name: "TECH-1.26 without its cardholder-data condition", names: "TECH-1.26") {
                try editingItem("TECH-1.26", $0) {
                    try replacing("    condition: handles_cardholder_data\n", "", in: $0)
                }
            },
            Mutation(name: "TECH-1.24 given the cardholder-data condition", names: "TECH-1.24") {
                try editingItem("TECH-1.24", $0) {
                    try replacing(
                        "    applies_to: [saas]\n", "    applies_to: [saas]\n    condition: handles_cardholder_data\n",
                        in: $0)
                }
            },
            Mutation(name: "PRE-3.1 with an empty English title", names: "PRE-3.1") {
                try editingItem("PRE-3.1", $0) {
                    try replacing("      en: The APN Partner's AWS landing page\n", "      en: \"\"\n", in: $0)
                }
            },
            Mutation(name: "PRE-1.2 without its ask", names: "PRE-1.2") { text in
                var lines = text.components(separatedBy: "\n")
                let block = try itemBlock("PRE-1.2", lines)
                guard let ask = lines[block].firstIndex(of: "    ask:") else { throw EditError("no ask in PRE-1.2") }
                // The key and its indented ja / en lines.
                var end = ask + 1
                while end < block.upperBound, lines[end].hasPrefix("      ") { end += 1 }
                lines.removeSubrange(ask..<end)
                return lines.joined(separator: "\n")
            },
            Mutation(name: "TECH-1.14's Japanese title corrected away from the seed", names: "TECH-1.14") {
                try editingItem("TECH-1.14", $0) {
                    try replacing("ja: CloudTrail S3 ログバケットでバージョンング", "ja: CloudTrail S3 ログバケットでバージョニング", in: $0)
                }
            },
            Mutation(name: "TECH-2.2 and TECH-2.3 swapped", names: "TECH-2.2") { text in
                var lines = text.components(separatedBy: "\n")
                let first = try itemBlock("TECH-2.2", lines)
                let second = try itemBlock("TECH-2.3", lines)
                let swapped = Array(lines[second]) + Array(lines[first])
                lines.replaceSubrange(first.lowerBound..<second.upperBound, with: swapped)
                return lines.joined(separator: "\n")
            },
            Mutation(name: "the deployment guide required for SaaS too", names: "deployment-guide") { text in
                guard let start = text.range(of: "    - id: deployment-guide\n") else {
                    throw EditError("no deployment-guide")
                }
                let tail = try replacing(
                    "      applies_to: [customer-deployed]\n", "      applies_to: [saas, customer-deployed]\n",
                    in: String(text[start.upperBound...]))
                return String(text[..<start.upperBound]) + tail
            },
        ]

        /// Lines of the item `id`: from `  - id: ID` up to the next item or top-level key.
        static func itemBlock(_ id: String, _ lines: [String]) throws -> Range<Int> {
            guard let start = lines.firstIndex(of: "  - id: \(id)") else { throw EditError("no item \(id)") }
            var end = start + 1
            while end < lines.count, !lines[end].hasPrefix("  - id: "),
                !(lines[end].first.map { !$0.isWhitespace && $0 != "#" } ?? false)
            {
                end += 1
            }
            return start..<end
        }

        static func removing(_ id: String, _ text: String) throws -> String {
            var lines = text.components(separatedBy: "\n")
            lines.removeSubrange(try itemBlock(id, lines))
            return lines.joined(separator: "\n")
        }

        static func editingItem(_ id: String, _ text: String, _ edit: (String) throws -> String) throws -> String {
            var lines = text.components(separatedBy: "\n")
            let block = try itemBlock(id, lines)
            let edited = try edit(lines[block].joined(separator: "\n") + "\n")
            lines.replaceSubrange(block, with: edited.components(separatedBy: "\n").dropLast())
            return lines.joined(separator: "\n")
        }

        /// Replaces the first occurrence; throws when there is none, so a stale edit fails loudly.
        static func replacing(_ old: String, _ new: String, in text: String) throws -> String {
            guard let range = text.range(of: old) else { throw EditError("\"\(old)\" not found") }
            return text.replacingCharacters(in: range, with: new)
        }
    }

    struct EditError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

// MARK: - The checklist file, as the test reads it (lenient, so a gap is a complaint, not a crash)

extension ChecklistFileTests {
    struct LocalText: Decodable, Sendable {
        var ja: String?
        var en: String?
    }

    struct SectionRef: Decodable, Sendable {
        var id: String?
        var ja: String?
        var en: String?
    }

    struct ChecklistItem: Decodable, Sendable {
        var id: String
        var kind: String?
        var section: SectionRef?
        var title: LocalText?
        var requirement: LocalText?
        var reviewEvidence: LocalText?
        var appliesTo: [String]?
        var condition: String?
        var fields: [String]?
        var ask: LocalText?

        enum CodingKeys: String, CodingKey {
            case id, kind, section, title, requirement, condition, fields, ask
            case reviewEvidence = "review_evidence"
            case appliesTo = "applies_to"
        }
    }

    struct TechDocument: Decodable, Sendable {
        var id: String
        var title: LocalText?
        var appliesTo: [String]?
        var seedColumns: [String: String]?
        var required: [String: [String: Int]]?
        var requirement: LocalText?
        var reviewEvidence: LocalText?
        var ask: LocalText?

        enum CodingKeys: String, CodingKey {
            case id, title, required, requirement, ask
            case appliesTo = "applies_to"
            case seedColumns = "seed_columns"
            case reviewEvidence = "review_evidence"
        }
    }

    struct TechDocs: Decodable, Sendable {
        var id: String?
        var documents: [TechDocument]
    }

    struct Source: Decodable, Sendable {
        var title: LocalText?
        var version: String?
        var date: String?
    }

    struct ChecklistFile: Decodable, Sendable {
        var schema: String?
        var id: String?
        var name: LocalText?
        var version: String?
        var source: Source?
        var items: [ChecklistItem]
        var techDocs: TechDocs?

        enum CodingKeys: String, CodingKey {
            case schema, id, name, version, source, items
            case techDocs = "tech_docs"
        }

        static func decode(_ text: String) throws -> ChecklistFile {
            try YAMLDecoder().decode(ChecklistFile.self, from: text)
        }
    }
}

// MARK: - The seed, read with plain string handling

extension ChecklistFileTests {
    /// The seed's two tables. Rows are lines with tab-separated cells; a cell may carry
    /// HTML fragments (`<p>`, `<ul>`, `<input/>`). A row whose first cell is `x.0 …` is a
    /// section heading; `x.y …` is an item; an empty first cell continues the item above.
    /// Rows before the header row holding `SaaS` belong to the prerequisites table, rows
    /// after it to the technical table, whose SaaS / 顧客による AWS へのデプロイ columns
    /// are found from that header. Technical rows before the first section are the
    /// document rows (アーキテクチャ図, デプロイガイド, 完了した検証チェックリスト).
    struct Seed: Sendable {
        enum Kind: String, Sendable { case prerequisite, technical }

        struct Item: Sendable {
            let kind: Kind
            let major: Int
            let minor: Int
            let title: String
            let sectionHeading: String
            var body: String
            let saasCell: String
            let customerDeployedCell: String
            let saas: Bool?
            let customerDeployed: Bool?
            let line: Int
            var id: String { "\(kind == .prerequisite ? "PRE" : "TECH")-\(major).\(minor)" }
        }

        struct Document: Sendable {
            let title: String
            let body: String
            let saasCell: String
            let customerDeployedCell: String
            let saas: Bool
            let customerDeployed: Bool
        }

        var items: [Item] = []
        var documents: [Document] = []
        var problems: [String] = []
        var lines: [String] = []
        var version: String?
        var date: String?

        func item(_ id: String) -> Item? { items.first { $0.id == id } }

        /// Technical items whose text limits them to applications holding cardholder data.
        var cardholderItemIDs: [String] {
            items.filter { $0.kind == .technical && $0.body.contains("カード所有者のデータが存在する") }.map(\.id)
        }

        /// Removes HTML fragments and collapses white space.
        static func clean(_ text: String) -> String {
            text.replacing(#/<[^>]*>/#, with: " ").replacing(#/\s+/#, with: " ").trimmingCharacters(
                in: .whitespacesAndNewlines)
        }

        static func mark(_ cell: String) -> Bool? {
            if cell.hasPrefix("いいえ") { return false }
            if cell.hasPrefix("はい") { return true }
            return nil
        }

        static func parse(_ text: String) -> Seed {
            var seed = Seed()
            let rawLines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
            seed.lines = rawLines.map(clean)
            if let match = text.firstMatch(of: #/バージョン\s*(\d+\.\d+)/#) { seed.version = String(match.1) }
            if let match = text.firstMatch(of: #/(\d{4})\s*年\s*(\d{1,2})\s*月/#), let month = Int(match.2) {
                seed.date = "\(match.1)-\(month < 10 ? "0" : "")\(month)"
            }

            var technical = false
            var saasColumn = 0
            var deployColumn = 0
            var section: (major: Int, heading: String)?
            enum Last { case item(Int), document(Int) }
            var last: Last?

            for (index, raw) in rawLines.enumerated() {
                let lineNumber = index + 1
                let cells = raw.components(separatedBy: "\t").map(clean)
                let first = cells[0]

                if !technical, let s = cells.firstIndex(of: "SaaS"),
                    let d = cells.indices.first(where: { $0 != s && cells[$0].contains("デプロイ") })
                {
                    technical = true
                    saasColumn = s
                    deployColumn = d
                    section = nil
                    last = nil
                    continue
                }

                if let number = first.wholeMatch(of: #/(\d+)\.(\d+)(?:\s+(.*))?/#),
                    let major = Int(number.1), let minor = Int(number.2)
                {
                    let rest = number.3.map(String.init) ?? ""
                    if minor == 0 {
                        section = (major, rest)
                        last = nil
                        continue
                    }
                    let kind: Kind = technical ? .technical : .prerequisite
                    guard let current = section, current.major == major else {
                        seed.problems.append("line \(lineNumber): \(major).\(minor) is outside a \(major).0 section")
                        continue
                    }
                    guard cells.count >= 2 else {
                        seed.problems.append("line \(lineNumber): \(major).\(minor) has no text cell")
                        continue
                    }
                    var saasCell = "", deployCell = ""
                    if technical {
                        guard cells.count > max(saasColumn, deployColumn) else {
                            seed.problems.append("line \(lineNumber): \(major).\(minor) has no SaaS / デプロイ cells")
                            continue
                        }
                        saasCell = cells[saasColumn]
                        deployCell = cells[deployColumn]
                        if mark(saasCell) == nil || mark(deployCell) == nil {
                            seed.problems.append(
                                "line \(lineNumber): \(major).\(minor) marks \"\(saasCell)\" / \"\(deployCell)\" are not はい/いいえ"
                            )
                        }
                    }
                    seed.items.append(
                        Item(
                            kind: kind, major: major, minor: minor, title: rest, sectionHeading: current.heading,
                            body: cells[1], saasCell: saasCell, customerDeployedCell: deployCell,
                            saas: technical ? mark(saasCell) : nil,
                            customerDeployed: technical ? mark(deployCell) : nil,
                            line: lineNumber))
                    last = .item(seed.items.count - 1)
                    continue
                }

                if first.isEmpty, cells.count >= 2 {
                    // A continuation row (or a blank line, which changes nothing).
                    let more = cells[1]
                    guard !more.isEmpty else { continue }
                    switch last {
                    case .item(let i): seed.items[i].body = clean(seed.items[i].body + " " + more)
                    case .document(let i):
                        let d = seed.documents[i]
                        seed.documents[i] = Document(
                            title: d.title, body: clean(d.body + " " + more), saasCell: d.saasCell,
                            customerDeployedCell: d.customerDeployedCell, saas: d.saas,
                            customerDeployed: d.customerDeployed)
                    case nil: seed.problems.append("line \(lineNumber): a continuation row follows no item")
                    }
                    continue
                }
                if first.isEmpty { continue }  // a blank line

                if technical, section == nil, cells.count > max(saasColumn, deployColumn) {
                    let saasCell = cells[saasColumn], deployCell = cells[deployColumn]
                    guard let s = mark(saasCell), let d = mark(deployCell) else {
                        seed.problems.append(
                            "line \(lineNumber): document row \(first) marks \"\(saasCell)\" / \"\(deployCell)\"")
                        continue
                    }
                    seed.documents.append(
                        Document(
                            title: first, body: cells[1], saasCell: saasCell, customerDeployedCell: deployCell, saas: s,
                            customerDeployed: d))
                    last = .document(seed.documents.count - 1)
                    continue
                }
                last = nil  // prose or another table: nothing continues across it
            }
            if !technical { seed.problems.append("no technical table header (SaaS / 顧客による AWS へのデプロイ) found") }
            return seed
        }
    }
}
