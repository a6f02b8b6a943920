import DeskCore
import Foundation

/// One row of the CSV form or of the XLSX `Self-Assessment`/`Technical` sheets:
/// a canonical key path, its value, and where each was written.
struct PathEntry: Sendable {
    /// e.g. `case_studies.1.technical.TECH-1.9.answer`; list positions count from 1.
    var path: String
    var pathLocation: String?
    var value: DocumentScalar
    var valueLocation: String?
}

/// Folds `path,value` rows into the intermediate tree the binder reads, so the
/// tabular encodings share every rule with YAML and JSON.
///
/// - Numeric path segments become list positions (`case_studies.2` is the second
///   case study); a position left out becomes an empty item, so case study 4 stays
///   the fourth.
/// - A technical item id keeps its dot: in `…technical.TECH-1.9.answer` the id is `TECH-1.9`.
/// - The same path given twice with the same meaning is one value; with different
///   meanings it is a conflict: both places are named and the value is left out,
///   never guessed. This is how `Technical` and `Self-Assessment` answers are compared.
enum PathTableBuilder {
    /// List positions above this are refused: no list in the form is that long.
    static let maxListPosition = 1_000
    /// Paths deeper than this are refused: the deepest in the form has five keys
    /// (`case_studies.1.technical.TECH-1.9.answer`), and the tree is built recursively.
    static let maxPathDepth = 12

    static func tree(from entries: [PathEntry], problems: inout [DocumentProblem]) -> DocumentNode {
        let root = Branch(location: nil)
        for entry in entries {
            let segments = segments(of: entry.path)
            guard !segments.isEmpty, !segments.contains(where: \.isEmpty) else {
                problems.append(
                    DocumentProblem(
                        location: entry.pathLocation, field: entry.path,
                        message: "`\(entry.path)` is not a key path (keys joined by dots, e.g. partner.name)"))
                continue
            }
            if segments.count > maxPathDepth {
                problems.append(
                    DocumentProblem(
                        location: entry.pathLocation, field: String(entry.path.prefix(80)),
                        message: "the path has more than \(maxPathDepth) keys; no key of the form is that deep"))
                continue
            }
            if let bad = segments.first(where: { Int($0).map { $0 < 1 || $0 > maxListPosition } ?? false }) {
                problems.append(
                    DocumentProblem(
                        location: entry.pathLocation, field: entry.path,
                        message:
                            "list position \(bad) is out of range; positions count from 1 (case_studies.1 … case_studies.4)"
                    ))
                continue
            }
            insert(entry, segments: segments, into: root, problems: &problems)
        }
        return root.node(problems: &problems)
    }

    /// Splits a path at its dots, keeping a technical item id (`TECH-1.9`) whole.
    static func segments(of path: String) -> [String] {
        // ASCII is its own NFKC form; Foundation's normalisation and trimming cost most
        // of reading a document (issue 11), so they run only where they can change something.
        let normalised = path.utf8.allSatisfy { $0 < 0x80 } ? path : path.precomposedStringWithCompatibilityMapping
        let parts = trimmed(Substring(normalised), newlines: true)
            .split(separator: ".", omittingEmptySubsequences: false)
            .map { trimmed($0, newlines: false) }
        guard let technical = parts.firstIndex(where: { $0.lowercased() == "technical" }), technical + 1 < parts.count
        else {
            return parts
        }
        var rest = Array(parts[(technical + 1)...])
        var leaf: [String] = []
        if rest.count >= 2, let last = rest.last, ["answer", "evidence"].contains(last.lowercased()) {
            leaf = [last]
            rest.removeLast()
        }
        return Array(parts[...technical]) + [rest.joined(separator: ".")] + leaf
    }

    /// `text` without leading and trailing white space (and line breaks, with `newlines`).
    static func trimmed(_ text: Substring, newlines: Bool) -> String {
        newlines ? text.trimmedWhitespace : text.trimmedSpaces
    }

    private static func insert(
        _ entry: PathEntry, segments: [String], into root: Branch, problems: inout [DocumentProblem]
    ) {
        var branch = root
        for (offset, segment) in segments.enumerated() {
            let isLast = offset == segments.count - 1
            let key = segment
            switch branch.children[key] {
            case nil:
                if isLast {
                    branch.add(key, .leaf(entry), keyLocation: entry.pathLocation)
                } else {
                    let child = Branch(location: entry.pathLocation)
                    branch.add(key, .branch(child), keyLocation: entry.pathLocation)
                    branch = child
                }
            case .branch(let child):
                if isLast {
                    problems.append(
                        DocumentProblem(
                            location: entry.pathLocation, field: entry.path,
                            message:
                                "`\(entry.path)` is given a value here and also has keys below it (\(child.location ?? "elsewhere")); this value is ignored"
                        ))
                    return
                }
                branch = child
            case .leaf(let existing):
                if !isLast {
                    problems.append(
                        DocumentProblem(
                            location: entry.pathLocation, field: entry.path,
                            message:
                                "`\(existing.path)` already has a value (\(existing.valueLocation ?? "elsewhere")), so it cannot have keys below it; this row is ignored"
                        ))
                    return
                }
                if sameMeaning(existing.value, entry.value) { return }
                if case .null = existing.value.kind {
                    branch.children[key] = .leaf(entry)
                    return
                }
                if case .null = entry.value.kind { return }
                problems.append(
                    DocumentProblem(
                        location: entry.valueLocation, field: entry.path,
                        message:
                            "conflicting values: `\(existing.value.written)` at \(existing.valueLocation ?? "another place") and `\(entry.value.written)` here; neither is used, correct one of them"
                    ))
                var conflicted = existing
                conflicted.value = DocumentScalar(kind: .null, written: "")
                branch.children[key] = .conflict(conflicted)
            case .conflict:
                problems.append(
                    DocumentProblem(
                        location: entry.valueLocation, field: entry.path,
                        message: "given yet again, after a conflict; not used"))
            }
        }
    }

    /// Two values mean the same when they are the same answer word (`yes`, `はい`,
    /// `TRUE`), the same date, or the same text.
    static func sameMeaning(_ a: DocumentScalar, _ b: DocumentScalar) -> Bool {
        if a.kind == b.kind && a.written == b.written { return true }
        let answerA = answer(of: a)
        if answerA != nil, answerA == answer(of: b) { return true }
        if let dateA = date(of: a), dateA == date(of: b) { return true }
        return a.written.trimmedWhitespace == b.written.trimmedWhitespace
    }

    private static func answer(of scalar: DocumentScalar) -> Answer? {
        if case .bool(let value) = scalar.kind { return value ? .yes : .no }
        return DocumentVocabulary.answer(scalar.written)
    }

    private static func date(of scalar: DocumentScalar) -> LocalDate? {
        if case .date(let date) = scalar.kind { return date }
        return DocumentDateParser.date(from: scalar.written)
    }

    private enum Child {
        case leaf(PathEntry)
        case branch(Branch)
        /// Two values that disagree: kept so later rows know, bound as no value.
        case conflict(PathEntry)
    }

    /// A node under construction; a class so that descending into a child and
    /// adding to it needs no copying back.
    private final class Branch {
        var children: [String: Child] = [:]
        var order: [String] = []
        var keyLocations: [String: String?] = [:]
        let location: String?

        init(location: String?) { self.location = location }

        func add(_ key: String, _ child: Child, keyLocation: String?) {
            children[key] = child
            order.append(key)
            keyLocations[key] = keyLocation
        }

        func node(problems: inout [DocumentProblem]) -> DocumentNode {
            let positions = order.compactMap { Int($0) }
            if !order.isEmpty, positions.count == order.count, let highest = positions.max() {
                // Every key is a list position: a list, with positions left out as empty items.
                var items = Array(repeating: DocumentNode.null(at: location), count: highest)
                for key in order {
                    guard let position = Int(key), let child = children[key] else { continue }
                    items[position - 1] = Self.node(child, problems: &problems)
                }
                return DocumentNode(content: .sequence(items), location: location)
            }
            let entries = order.compactMap { key -> DocumentNode.MappingEntry? in
                guard let child = children[key] else { return nil }
                return DocumentNode.MappingEntry(
                    key: key, keyLocation: keyLocations[key] ?? nil, value: Self.node(child, problems: &problems))
            }
            return DocumentNode(content: .mapping(entries), location: location)
        }

        private static func node(_ child: Child, problems: inout [DocumentProblem]) -> DocumentNode {
            switch child {
            case .leaf(let entry): return DocumentNode(content: .scalar(entry.value), location: entry.valueLocation)
            case .conflict(let entry):
                var node = DocumentNode.null(at: entry.valueLocation)
                node.isConflict = true
                return node
            case .branch(let branch): return branch.node(problems: &problems)
            }
        }
    }
}
