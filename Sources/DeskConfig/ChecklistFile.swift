import DeskCore
import Foundation
import Yams

/// Reads a checklist file (`schema: competency-checklist/v1`) into a `Checklist`.
///
/// The file carries more than the checks read (requirements, review evidence,
/// notes for people); those keys are accepted and left to the people who read it.
/// A mistake — an item without an id, a technical item without `applies_to`, an
/// unknown delivery model — is a `ConfigError` naming the file, line and key.
enum ChecklistFile {
    static func load(_ url: URL, namedBy reference: ConfigNode) throws(ConfigError) -> Checklist {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw reference.error("the checklist file \(url.path) does not exist")
        }
        let file = ConfigFile(url: url)
        let root = try file.root().mapping(allowing: [
            "schema", "id", "name", "version", "source", "segments", "delivery_models", "reusable_competencies",
            "items", "tech_docs",
        ])
        let schemaNode = try root.require("schema")
        guard try schemaNode.string() == "competency-checklist/v1" else {
            throw schemaNode.error("unsupported schema (this version reads competency-checklist/v1)")
        }
        let id = try root.require("id").string()
        let segments = try labels(root.require("segments"))
        let deliveryModels = try labels(root.require("delivery_models"))
        let reusable = try root["reusable_competencies"].map(labels) ?? [:]

        var items: [ChecklistItem] = []
        for itemNode in try root.require("items").sequence() {
            let item = try itemNode.mapping(allowing: [
                "id", "kind", "section", "title", "requirement", "review_evidence", "applies_to", "condition", "fields",
                "registry", "rules", "ask", "note",
            ])
            let itemID = try item.require("id").string()
            let kindNode = try item.require("kind")
            guard let kind = ChecklistItem.Kind(rawValue: try kindNode.string()) else {
                throw kindNode.error("kind must be prerequisite or technical")
            }
            var appliesTo: Set<String> = []
            if let node = item["applies_to"] {
                for model in try node.sequence() {
                    let slug = try model.string()
                    guard deliveryModels[slug] != nil else {
                        throw model.error("\"\(slug)\" is not one of the delivery_models (\(deliveryModels.keys.sorted().joined(separator: ", ")))")
                    }
                    appliesTo.insert(slug)
                }
            } else if kind == .technical {
                throw itemNode.error("technical item \(itemID) has no applies_to")
            }
            if let earlier = items.first(where: { $0.id == itemID }) {
                throw try item.require("id").error("\(earlier.id) appears twice")
            }
            var figures: [String: Int] = [:]
            var lists: [String: [String]] = [:]
            if let rules = item["rules"] { try flatten(rules, prefix: "", into: &figures, &lists) }
            items.append(
                ChecklistItem(
                    id: itemID, kind: kind, title: try localized(item.require("title")), appliesTo: appliesTo,
                    condition: try item["condition"]?.string(), ask: try item["ask"].map(localized),
                    figures: figures, lists: lists))
        }
        var techDocsAsk: LocalizedText?
        if let techDocs = root["tech_docs"], let documents = techDocs.node.mapping?["documents"]?.sequence {
            // The architecture-diagram and deployment-guide asks, joined: one TECH-DOCS check covers both.
            var ja: [String] = []
            var en: [String] = []
            for document in documents {
                guard let ask = document.mapping?["ask"], let id = document.mapping?["id"]?.string,
                    id != "completed-checklist"
                else { continue }
                let text = try localized(ConfigNode(node: ask, file: file, keyPath: "tech_docs.documents.\(id).ask"))
                ja.append(text.ja)
                en.append(text.en)
            }
            if !ja.isEmpty { techDocsAsk = LocalizedText(ja: ja.joined(separator: " "), en: en.joined(separator: " ")) }
        }
        return Checklist(
            id: id, name: try localized(root.require("name")), segments: segments, deliveryModels: deliveryModels,
            reusableCompetencies: reusable, items: items, techDocsAsk: techDocsAsk)
    }

    static func localized(_ node: ConfigNode) throws(ConfigError) -> LocalizedText {
        let mapping = try node.mapping(allowing: ["ja", "en"])
        return LocalizedText(ja: try mapping.require("ja").string(), en: try mapping.require("en").string())
    }

    static func labels(_ node: ConfigNode) throws(ConfigError) -> [String: LocalizedText] {
        guard let pairs = node.node.mapping else { throw node.error("expected a mapping of slugs to {ja, en} labels") }
        var result: [String: LocalizedText] = [:]
        for (key, value) in pairs {
            guard let slug = key.string else { throw node.error("slugs must be plain text") }
            result[slug] = try localized(ConfigNode(node: value, file: node.file, keyPath: "\(node.keyPath).\(slug)"))
        }
        return result
    }

    /// `rules: {case_studies: 4, segments: {min: 1}, accepted_tiers: [a, b]}` →
    /// figures `case_studies`, `segments.min`; lists `accepted_tiers`.
    static func flatten(
        _ node: ConfigNode, prefix: String, into figures: inout [String: Int], _ lists: inout [String: [String]]
    ) throws(ConfigError) {
        guard let pairs = node.node.mapping else { throw node.error("rules must be a mapping") }
        for (key, value) in pairs {
            guard let name = key.string else { continue }
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            let child = ConfigNode(node: value, file: node.file, keyPath: "\(node.keyPath).\(name)")
            switch value {
            case .scalar(let scalar):
                if let number = Int(scalar.string) { figures[path] = number }
                else if scalar.string == "true" { figures[path] = 1 }
                else if scalar.string == "false" { figures[path] = 0 }
            case .sequence(let sequence): lists[path] = sequence.compactMap(\.string)
            case .mapping: try flatten(child, prefix: path, into: &figures, &lists)
            case .alias: throw child.error("aliases are not supported in rules")
            }
        }
    }
}
