/// One MIME entity: a header block, the body bytes after it, and for
/// multiparts and attached messages the entities inside.
///
/// The whole message is the root part. The body is a slice of the bytes the
/// message was read from, so it shares their storage: reading a 50 MiB message
/// copies nothing of its body until a part is decoded (`decodedBody()`).
public struct MessagePart: Sendable {
    /// The part's header fields.
    public var headers: MessageHeaders
    /// The part's Content-Type, or `text/plain` (RFC 2045's default) when it
    /// has none or it cannot be read; `message/rfc822` inside `multipart/digest`.
    public var contentType: ContentType
    /// The body as it is in the file: still transfer-encoded (base64,
    /// quoted-printable) and, for multiparts, with boundaries, preamble and epilogue.
    public var body: ArraySlice<UInt8>
    /// The parts inside: the body parts of a multipart, in order, or for a
    /// `message/rfc822` part exactly one, the attached message (with its own
    /// headers and children). Empty for other parts, and for parts past a
    /// `MessageLimits` limit.
    public var children: [MessagePart]
    /// Where the part sits, IMAP style: `""` for the message itself, `"2"` for
    /// its second body part, `"2.1"` for the first part inside that. An attached
    /// message has the number of the part that holds it.
    public var section: String
    /// What was damaged or guessed in this part's structure (its header block,
    /// its boundaries), in plain words and without the part's name; the
    /// message's `problems` lists them again, named.
    public var problems: [String]

    /// Creates a part.
    public init(
        headers: MessageHeaders, contentType: ContentType = .textPlain, body: ArraySlice<UInt8> = [],
        children: [MessagePart] = [], section: String = "", problems: [String] = []
    ) {
        self.headers = headers
        self.contentType = contentType
        self.body = body
        self.children = children
        self.section = section
        self.problems = problems
    }
}
