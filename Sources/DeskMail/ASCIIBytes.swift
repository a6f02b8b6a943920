// Byte-class helpers for scanning mail as bytes rather than as String: header
// syntax is ASCII, and working on bytes keeps 8-bit junk from ever being
// mis-decoded before we decide what charset it is in.

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let escape: UInt8 = 0x1B
    static let colon: UInt8 = 0x3A

    /// RFC 5322 WSP: space or horizontal tab.
    var isLinearWhitespace: Bool { self == .space || self == .tab }

    /// Space, tab, CR or LF.
    var isASCIIWhitespace: Bool { isLinearWhitespace || self == .lineFeed || self == .carriageReturn }

    var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }

    var isASCIILetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }

    /// RFC 5322 `ftext`: the bytes allowed in a header field name.
    var isFieldNameByte: Bool { self >= 33 && self <= 126 && self != .colon }

    var asciiLowercased: UInt8 { (self >= 0x41 && self <= 0x5A) ? self + 0x20 : self }

    /// The value of a hexadecimal digit, or nil.
    var hexDigitValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x41 + 10
        case 0x61...0x66: return self - 0x61 + 10
        default: return nil
        }
    }
}

extension StringProtocol {
    /// Compares two strings ignoring ASCII letter case, without allocating:
    /// header names and charset labels are ASCII, and `lowercased()` per lookup
    /// would allocate on every header access.
    func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8) { $0.asciiLowercased == $1.asciiLowercased }
    }

    /// The string without leading and trailing spaces, tabs, CRs and LFs.
    var trimmingASCIIWhitespace: String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !$0.isASCIIWhitespace }),
            let last = bytes.lastIndex(where: { !$0.isASCIIWhitespace })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
