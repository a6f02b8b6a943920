/// A part's body with its Content-Transfer-Encoding undone, and what was
/// damaged on the way.
public struct DecodedBody: Sendable, Hashable {
    /// The decoded bytes.
    public var bytes: [UInt8]
    /// What was damaged or guessed, in plain words, without the part's name.
    public var problems: [String]

    /// Creates a decoded body.
    public init(bytes: [UInt8], problems: [String] = []) {
        self.bytes = bytes
        self.problems = problems
    }
}
