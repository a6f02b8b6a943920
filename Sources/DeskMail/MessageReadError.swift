/// Why some bytes are not a message at all: the file belongs in quarantine.
///
/// Only thrown when there is no header block to read (an empty file, an
/// image, prose). Damaged-but-readable mail is never an error: it is read
/// with `ParsedMessage.problems` filled in.
public struct MessageReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in plain words, e.g. "no header lines: the file does not start with 'Name: value'".
    public let reason: String

    /// Creates an error with a reason in plain words.
    public init(reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
