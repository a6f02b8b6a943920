/// How much MIME structure the reader descends into.
///
/// Mail from the internet can be built to hurt a parser: a hundred thousand
/// nested multiparts, a million empty parts, a part with a million header
/// lines. Past a limit the reader does not throw (the message is still
/// readable up to there, and still a submission): the excess is not descended
/// into and a problem names the limit. The whole-file size limit is the
/// caller's (`limits.max_message_bytes`), checked before the bytes are read.
public struct MessageLimits: Sendable, Hashable {
    /// How deep multiparts and attached messages may nest; the root is depth 0.
    /// A part deeper than this keeps its raw body but gets no children.
    public var maximumDepth: Int
    /// How many parts the whole tree may hold, the root included. Parts after
    /// the limit are not read; the multipart holding them keeps those before.
    public var maximumParts: Int
    /// How many header fields one part (or the message itself) may have; the
    /// rest are dropped. Real mail has a few dozen, heavily relayed mail a few hundred.
    public var maximumHeaderFields: Int

    /// Creates limits; the defaults are far above anything legitimate mail needs.
    public init(maximumDepth: Int = 20, maximumParts: Int = 1_000, maximumHeaderFields: Int = 2_000) {
        self.maximumDepth = maximumDepth
        self.maximumParts = maximumParts
        self.maximumHeaderFields = maximumHeaderFields
    }

    /// Depth 20, 1,000 parts, 2,000 header fields per part.
    public static let `default` = MessageLimits()
}
