/// Text decoded from bytes, with what went wrong on the way.
///
/// Decoding mail never fails outright: bytes that cannot be read become U+FFFD
/// and a problem says so, because damaged-but-readable mail must still be kept.
public struct DecodedText: Sendable, Hashable {
    /// The decoded text.
    public var text: String
    /// What was damaged or guessed, in plain words; empty when the bytes were clean.
    public var problems: [String]

    /// Creates decoded text.
    public init(text: String, problems: [String] = []) {
        self.text = text
        self.problems = problems
    }
}
