import Crypto

/// One attached file: a part with a file name or `Content-Disposition: attachment`.
public struct Attachment: Sendable, Hashable {
    /// The file name as the sender wrote it, decoded (RFC 2231, RFC 2047);
    /// nil when the part has none. Never a path: use `safeFilename` for that.
    public var filename: String?
    /// The name made safe for the file system: no `/`, `\`, `..` elements,
    /// control characters or leading dots, capped in length, never empty
    /// (`attachment` when nothing usable is left).
    public var safeFilename: String
    /// The part's `type/subtype`, lowercased.
    public var contentType: String
    /// The decoded bytes (transfer encoding undone).
    public var bytes: [UInt8]
    /// `bytes.count`.
    public var size: Int
    /// SHA-256 of `bytes`, lowercase hex.
    public var sha256: String
    /// The part's section number (`2`, `1.3`), or for a uuencoded block inside
    /// a text part that part's number; empty for the message itself.
    public var section: String

    /// Creates an attachment from decoded bytes; size, hash and safe name are computed.
    public init(filename: String?, contentType: String, bytes: [UInt8], section: String = "") {
        self.filename = filename
        self.safeFilename = SafeFilename.make(from: filename)
        self.contentType = contentType.lowercased()
        self.bytes = bytes
        self.size = bytes.count
        self.sha256 = Self.hexDigest(bytes)
        self.section = section
    }

    /// SHA-256 of `bytes` as lowercase hex.
    static func hexDigest(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
