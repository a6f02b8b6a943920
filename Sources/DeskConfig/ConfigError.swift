/// A mistake in a config file, located precisely enough to fix it without guessing.
///
/// Printed as `FILE:LINE:COLUMN: KEY: MESSAGE`, the form editors and terminals
/// turn into a jump-to-line link.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file as the user would type it (relative paths are kept relative).
    public let file: String
    public let line: Int?
    public let column: Int?
    /// The dotted key path, e.g. `calendar.closures.2.from`; nil for whole-file problems.
    public let key: String?
    /// What is wrong and, where it helps, what would be right.
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}
