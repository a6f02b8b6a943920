/// One MIME entity: a header block and the body bytes after it.
///
/// The whole message is the root part. The body is a slice of the bytes the
/// message was read from, so it shares their storage: reading the headers of
/// a 50 MiB message copies nothing of its body. The MIME reader grows this
/// into a tree (the parts of a multipart body, decoded transfer encodings,
/// attachment names); today the body is kept as it is in the file.
public struct MessagePart: Sendable {
    /// The part's header fields.
    public var headers: MessageHeaders
    /// The part's Content-Type, or `text/plain` (RFC 2045's default) when it
    /// has none or it cannot be read.
    public var contentType: ContentType
    /// The body as it is in the file: still transfer-encoded (base64,
    /// quoted-printable) and, for multiparts, with boundaries.
    public var body: ArraySlice<UInt8>

    /// Creates a part.
    public init(headers: MessageHeaders, contentType: ContentType = .textPlain, body: ArraySlice<UInt8> = []) {
        self.headers = headers
        self.contentType = contentType
        self.body = body
    }
}
