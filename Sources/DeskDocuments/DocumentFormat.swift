/// The encodings a self-assessment can arrive in (PRODUCT.md §4).
public enum DocumentFormat: String, Sendable, CaseIterable {
    case yaml
    case json
    case csv
    case xlsx

    /// The format a file name's extension names, if any.
    public init?(fileName: String) {
        let lower = fileName.lowercased()
        guard let dot = lower.lastIndex(of: ".") else { return nil }
        switch lower[lower.index(after: dot)...] {
        case "yaml", "yml": self = .yaml
        case "json": self = .json
        case "csv": self = .csv
        case "xlsx": self = .xlsx
        default: return nil
        }
    }
}
