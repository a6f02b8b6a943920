import DeskCore

/// The one shape every encoding is turned into before binding: a tree of mappings,
/// sequences and scalars, each remembering where it was written.
///
/// YAML and JSON give this tree directly; CSV and XLSX give `path,value` rows that
/// ``PathTableBuilder`` folds into it. ``SelfAssessmentBinder`` then reads the tree
/// into a ``SelfAssessment``, so every normalisation rule lives in one place.
struct DocumentNode: Sendable {
    enum Content: Sendable {
        case scalar(DocumentScalar)
        case mapping([MappingEntry])
        case sequence([DocumentNode])
    }

    struct MappingEntry: Sendable {
        var key: String
        /// Where the key was written: a YAML/JSON line, a CSV path cell, an XLSX `A` cell.
        var keyLocation: String?
        var value: DocumentNode
    }

    var content: Content
    /// Where the value was written, e.g. `a.yaml line 12`, `a.csv line 4, column 2`, `a.xlsx Self-Assessment!B7`.
    var location: String?
    /// A value left out because two places gave it differently (``PathTableBuilder``):
    /// no value, but not blank either.
    var isConflict = false

    static func null(at location: String?) -> DocumentNode {
        DocumentNode(content: .scalar(DocumentScalar(kind: .null, written: "")), location: location)
    }

    var isNull: Bool {
        if case .scalar(let scalar) = content, case .null = scalar.kind { return true }
        return false
    }

    /// Whether any value at or below this node is filled in: a section of empty
    /// template rows, or `business: {}`, is not present.
    var hasValue: Bool {
        switch content {
        case .scalar(let scalar):
            if case .null = scalar.kind { return false }
            return !scalar.written.allSatisfy(\.isWhitespace)
        case .mapping(let entries): return entries.contains { $0.value.hasValue }
        case .sequence(let items): return items.contains { $0.hasValue }
        }
    }

    /// Nothing at or below this node was written: no value and no conflict. The blank
    /// slots of a template are blank.
    var isBlank: Bool {
        if isConflict { return false }
        switch content {
        case .scalar: return !hasValue
        case .mapping(let entries): return entries.allSatisfy { $0.value.isBlank }
        case .sequence(let items): return items.allSatisfy(\.isBlank)
        }
    }

    /// What kind of value this is, in words for a problem message.
    var kindDescription: String {
        switch content {
        case .scalar: return "a single value"
        case .mapping: return "a group of keys"
        case .sequence: return "a list"
        }
    }
}

/// One value as written, with the type its encoding gave it.
///
/// `written` is always the text as the partner wrote it (for an XLSX number, its
/// plain decimal form; for an XLSX date cell, ISO 8601), so a field that is kept
/// as text never depends on how an encoding typed it: YAML's `customer: yes`
/// stays the text `yes`.
struct DocumentScalar: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case text
        case bool(Bool)
        case number
        /// A real date: a YAML date scalar, an XLSX date cell.
        case date(LocalDate)
        case null
    }

    var kind: Kind
    var written: String
    /// For an XLSX number cell without a date format: the date the number would be
    /// as a serial in the workbook's date system, for a date field that received it.
    var serialDate: LocalDate?

    init(kind: Kind, written: String, serialDate: LocalDate? = nil) {
        self.kind = kind
        self.written = written
        self.serialDate = serialDate
    }

    static func text(_ written: String) -> DocumentScalar {
        DocumentScalar(kind: written.isEmpty ? .null : .text, written: written)
    }
}
