#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns a document's bytes into text: UTF-8 with or without a byte order mark,
/// UTF-16 with one, and (for CSV, as Excel on Japanese Windows saves it) CP932.
enum DocumentText {
    /// The text when the bytes are Unicode (UTF-8, or UTF-16 with a BOM); the BOM is dropped.
    static func unicode(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return String(validating: bytes.dropFirst(3), as: UTF8.self) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return utf16(bytes.dropFirst(2), bigEndian: bytes[0] == 0xFE)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Where the first byte that is not UTF-8 is: its offset and 1-based line.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (offset: Int, line: Int)? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1 }
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return (offset, line)
            }
        }
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> String? {
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let first = UInt16(bytes[index])
            let second = UInt16(bytes[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        return String(validating: units, as: UTF16.self)
    }

    /// Decodes CP932 (Microsoft's Shift_JIS, with the NEC and IBM extensions such as
    /// ① and 髙) with the C library's iconv. A byte that is not CP932 becomes U+FFFD;
    /// `replaced` counts them. Nil when iconv has no CP932 at all.
    static func cp932(_ bytes: [UInt8]) -> (text: String, replaced: Int)? {
        // iconv_open reports failure as `(iconv_t) -1`, not NULL.
        guard let descriptor = iconv_open("UTF-8", "CP932"), Int(bitPattern: descriptor) != -1 else { return nil }
        defer { _ = iconv_close(descriptor) }
        var input = bytes.map { CChar(bitPattern: $0) }
        // CP932 never takes more than 3 UTF-8 bytes per input byte; U+FFFD takes 3.
        var output = [CChar](repeating: 0, count: bytes.count * 3 + 4)
        var replaced = 0
        var produced = 0
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                guard let inputBase = inputBuffer.baseAddress, let outputBase = outputBuffer.baseAddress else { return }
                var inPointer: UnsafeMutablePointer<CChar>? = inputBase
                var inLeft = inputBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outputBase
                var outLeft = outputBuffer.count
                while inLeft > 0 {
                    if iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) != -1 { break }
                    // EILSEQ or a truncated last character: write U+FFFD, skip one byte, go on.
                    guard outLeft >= 3, let out = outPointer else { break }
                    out[0] = CChar(bitPattern: 0xEF)
                    out[1] = CChar(bitPattern: 0xBF)
                    out[2] = CChar(bitPattern: 0xBD)
                    outPointer = out + 3
                    outLeft -= 3
                    replaced += 1
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                }
                produced = outputBuffer.count - outLeft
            }
        }
        let text = String(decoding: output[..<produced].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (text, replaced)
    }
}
