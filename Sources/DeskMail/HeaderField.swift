/// One header field as it appeared in the message.
public struct HeaderField: Sendable, Hashable {
    /// The field name as written, e.g. `Subject`. Compare it case-insensitively.
    public var name: String
    /// The value unfolded (line breaks of folding removed, the whitespace after
    /// them kept), leading and trailing whitespace trimmed, raw 8-bit bytes
    /// decoded. RFC 2047 encoded words are *not* decoded here: structured
    /// fields (addresses, Content-Type) must be parsed before they are.
    public var value: String
    /// The bytes after the colon exactly as in the file, folding included.
    public var rawValue: [UInt8]

    /// Creates a field; `rawValue` defaults to the value's UTF-8.
    public init(name: String, value: String, rawValue: [UInt8]? = nil) {
        self.name = name
        self.value = value
        self.rawValue = rawValue ?? Array(" \(value)".utf8)
    }

    /// Whether this field's name is `name`, ignoring case.
    public func hasName(_ name: some StringProtocol) -> Bool {
        self.name.equalsIgnoringASCIICase(name)
    }
}
