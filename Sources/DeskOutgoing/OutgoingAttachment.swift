import Foundation

/// A file attached to an outgoing message: a calendar invitation, a template.
public struct OutgoingAttachment: Sendable {
    /// The name the recipient sees (any language: non-ASCII is written per RFC 2231).
    public var filename: String
    /// The MIME type with its parameters, e.g. `text/calendar; method=REQUEST`;
    /// `charset=UTF-8` is added to a `text/` type that names no charset.
    public var contentType: String
    /// The bytes, sent exactly (base64).
    public var data: Data

    /// An attachment of `data` named `filename`, of type `contentType`.
    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}
