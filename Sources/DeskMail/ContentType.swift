/// A parsed `Content-Type` value: `type/subtype; name=value; …`.
///
/// Type, subtype and parameter names are lowercased (they are
/// case-insensitive); parameter values are unquoted but otherwise kept as
/// written. RFC 2231 continuations and charsets in parameters (`name*0*=…`)
/// are joined by the MIME reader, which needs them for attachment names.
public struct ContentType: Sendable, Hashable, CustomStringConvertible {
    /// One `name=value` parameter.
    public struct Parameter: Sendable, Hashable {
        /// The name, lowercased.
        public var name: String
        /// The value, quotes and backslash escapes removed.
        public var value: String

        /// Creates a parameter.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The top-level type, e.g. `multipart`.
    public var type: String
    /// The subtype, e.g. `report`.
    public var subtype: String
    /// The parameters in the order written.
    public var parameters: [Parameter]

    /// Creates a content type; type and subtype are lowercased.
    public init(type: String, subtype: String, parameters: [Parameter] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// RFC 2045's default for a message or part without a (readable) Content-Type.
    public static let textPlain = ContentType(
        type: "text", subtype: "plain", parameters: [Parameter(name: "charset", value: "us-ascii")])

    /// `type/subtype`, lowercased.
    public var mimeType: String { "\(type)/\(subtype)" }

    /// The mime type followed by its parameters.
    public var description: String {
        ([mimeType] + parameters.map { "\($0.name)=\"\($0.value)\"" }).joined(separator: "; ")
    }

    /// The value of the first parameter called `name` (any case).
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Whether this is `multipart/*`.
    public var isMultipart: Bool { type == "multipart" }

    /// Parses a Content-Type value; nil when there is no `type/subtype`.
    public init?(parsing value: String) {
        var scanner = ParameterScanner(Array(value.utf8))
        guard let type = scanner.token(), scanner.consume(0x2F), let subtype = scanner.token() else { return nil }
        self.init(type: type, subtype: subtype, parameters: scanner.parameters())
    }

    /// `fallback` with the parameters of an unreadable Content-Type value
    /// (`BINARY;name="a.bin"` has no `type/subtype` but still names its file,
    /// and Python's `email` still reads its parameters); `fallback` as it is
    /// when the value has none.
    static func fallback(_ fallback: ContentType, keepingParametersOf value: String) -> ContentType {
        var scanner = ParameterScanner(Array(value.utf8))
        let parameters = scanner.parameters()
        guard !parameters.isEmpty else { return fallback }
        var result = fallback
        result.parameters = parameters
        return result
    }
}

/// Reads the `; name=value` lists that follow a MIME value (Content-Type,
/// Content-Disposition), leniently: comments skipped, values with stray
/// spaces kept up to the next `;`.
struct ParameterScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Skips whitespace and `(comments)`.
    private mutating func skipIgnorable() {
        while index < bytes.count {
            if bytes[index].isASCIIWhitespace {
                index += 1
            } else if bytes[index] == 0x28 {
                var depth = 0
                while index < bytes.count {
                    if bytes[index] == 0x5C {
                        index += 1
                    } else if bytes[index] == 0x28 {
                        depth += 1
                    } else if bytes[index] == 0x29 {
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            break
                        }
                    }
                    index += 1
                }
            } else {
                return
            }
        }
    }

    /// Consumes `byte` (after ignorable text) if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipIgnorable()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// An RFC 2045 token (no specials, no spaces).
    mutating func token() -> String? {
        skipIgnorable()
        let start = index
        while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte != 0x7F else { return false }
        // tspecials: ( ) < > @ , ; : \ " / [ ] ? =
        return !"()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    /// The `; name=value` parameters from here to the end.
    mutating func parameters() -> [ContentType.Parameter] {
        var result: [ContentType.Parameter] = []
        while index < bytes.count {
            // Find the next `;`; anything before it that is not a parameter is noise.
            while index < bytes.count, bytes[index] != 0x3B { index += 1 }
            guard index < bytes.count else { break }
            index += 1
            guard let name = token(), consume(0x3D) else { continue }
            skipIgnorable()
            let value: String
            if index < bytes.count, bytes[index] == 0x22 {
                value = quotedString()
            } else {
                let start = index
                while index < bytes.count, bytes[index] != 0x3B { index += 1 }
                var end = index
                while end > start, bytes[end - 1].isASCIIWhitespace { end -= 1 }
                value = String(decoding: bytes[start..<end], as: UTF8.self)
            }
            result.append(ContentType.Parameter(name: name.lowercased(), value: value))
        }
        return result
    }

    /// A quoted string starting at the opening quote; an unclosed one runs to the end.
    private mutating func quotedString() -> String {
        index += 1
        var content: [UInt8] = []
        while index < bytes.count, bytes[index] != 0x22 {
            if bytes[index] == 0x5C, index + 1 < bytes.count { index += 1 }
            content.append(bytes[index])
            index += 1
        }
        index += 1
        return String(decoding: content, as: UTF8.self)
    }
}
