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
    /// How many problems the message reports; past it one line says how many more
    /// there were. Every problem becomes a line in the submission's history, and
    /// a reviewer reads the first few: a thousand damaged parts must not become a
    /// thousand lines (or, through the documents, millions of rows).
    public var maximumProblems: Int
    /// How many decoded bytes all attachments together may hold, uuencoded files
    /// in the text included. Attachments are copies of the message's bytes held
    /// in memory next to it; past this limit the rest are dropped, with one
    /// problem naming the limit.
    public var maximumAttachmentBytes: Int

    /// Creates limits; the defaults are far above anything legitimate mail needs.
    public init(
        maximumDepth: Int = 20, maximumParts: Int = 1_000, maximumHeaderFields: Int = 2_000,
        maximumProblems: Int = MessageLimits.defaultMaximumProblems,
        maximumAttachmentBytes: Int = MessageLimits.defaultMaximumAttachmentBytes
    ) {
        self.maximumDepth = maximumDepth
        self.maximumParts = maximumParts
        self.maximumHeaderFields = maximumHeaderFields
        self.maximumProblems = maximumProblems
        self.maximumAttachmentBytes = maximumAttachmentBytes
    }

    /// 100 problems: more than any real damaged message has (a few dozen at most),
    /// few enough to read.
    public static let defaultMaximumProblems = 100

    /// 64 MiB: a message within the default 50 MiB file limit decodes to less
    /// (base64 shrinks by a quarter), so only hostile or oddly built mail, such
    /// as a text part that is also a named attachment many times over, reaches it.
    public static let defaultMaximumAttachmentBytes = 64 * 1024 * 1024

    /// Depth 20, 1,000 parts, 2,000 header fields per part, 100 problems, 64 MiB of attachments.
    public static let `default` = MessageLimits()
}
