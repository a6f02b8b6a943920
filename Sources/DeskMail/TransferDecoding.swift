/// Byte-level decoders for Content-Transfer-Encoding (RFC 2045 §6).
///
/// They never fail: damaged input decodes as far as it can and the damage is
/// counted, so the caller can say what happened. Each runs in one pass over
/// the bytes with no String round trips, so a 50 MiB attachment costs a copy.
enum TransferDecoding {
    /// The result of decoding base64.
    struct Base64Result {
        var bytes: [UInt8]
        /// Characters outside the base64 alphabet (other than line breaks and
        /// whitespace), skipped.
        var junkCount = 0
        /// The data ended without its `=` padding.
        var missingPadding = false
        /// One stray character at the end held less than a byte, dropped.
        var danglingCharacter = false
        /// Non-whitespace bytes after the `=` padding that ends the data, ignored.
        var bytesAfterPadding = 0
    }

    /// 0–63 for alphabet characters, 0xFE for whitespace, 0xFF otherwise.
    private static let base64Table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        for whitespace: UInt8 in [.space, .tab, .lineFeed, .carriageReturn, 0x0B, 0x0C] { table[Int(whitespace)] = 0xFE }
        return table
    }()

    /// Decodes base64 the way mail readers do: line breaks and whitespace
    /// ignored, other junk skipped (and counted), missing padding tolerated.
    /// A complete `=` padding ends the data, as in Python's `email` (which
    /// conformance is measured against); what follows it is counted, not decoded.
    static func base64(_ input: ArraySlice<UInt8>) -> Base64Result {
        var result = Base64Result(bytes: [])
        result.bytes.reserveCapacity(input.count / 4 * 3 + 3)
        input.withUnsafeBufferPointer { buffer in
            base64Table.withUnsafeBufferPointer { table in
                var quad: UInt32 = 0
                var quadPosition = 0
                var pads = 0
                var index = 0
                let count = buffer.count
                while index < count {
                    let byte = buffer[index]
                    index += 1
                    let value = table[Int(byte)]
                    if value < 64 {
                        quad = quad << 6 | UInt32(value)
                        quadPosition += 1
                        if quadPosition == 4 {
                            result.bytes.append(UInt8(truncatingIfNeeded: quad >> 16))
                            result.bytes.append(UInt8(truncatingIfNeeded: quad >> 8))
                            result.bytes.append(UInt8(truncatingIfNeeded: quad))
                            quad = 0
                            quadPosition = 0
                            pads = 0
                        }
                    } else if value == 0xFE {
                        continue
                    } else if byte == 0x3D {
                        pads += 1
                        if quadPosition >= 2 && quadPosition + pads >= 4 {
                            if quadPosition == 2 {
                                result.bytes.append(UInt8(truncatingIfNeeded: quad >> 4))
                            } else {
                                result.bytes.append(UInt8(truncatingIfNeeded: quad >> 10))
                                result.bytes.append(UInt8(truncatingIfNeeded: quad >> 2))
                            }
                            quadPosition = 0
                            while index < count {
                                if table[Int(buffer[index])] != 0xFE && buffer[index] != 0x3D {
                                    result.bytesAfterPadding += 1
                                }
                                index += 1
                            }
                            return
                        } else if quadPosition < 2 {
                            result.junkCount += 1
                        }
                    } else {
                        result.junkCount += 1
                    }
                }
                switch quadPosition {
                case 1:
                    result.danglingCharacter = true
                case 2:
                    result.bytes.append(UInt8(truncatingIfNeeded: quad >> 4))
                    result.missingPadding = true
                case 3:
                    result.bytes.append(UInt8(truncatingIfNeeded: quad >> 10))
                    result.bytes.append(UInt8(truncatingIfNeeded: quad >> 2))
                    result.missingPadding = true
                default:
                    break
                }
            }
        }
        return result
    }

    /// Decodes quoted-printable (RFC 2045 §6.7): `=XX` is a byte (either case
    /// of hex), `=` at a line end is a soft line break (also with spaces or
    /// tabs between, and for CRLF, LF and CR line ends). Any other `=` is kept
    /// literally and counted in `badEscapes`.
    static func quotedPrintable(_ input: ArraySlice<UInt8>) -> (bytes: [UInt8], badEscapes: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var badEscapes = 0
        input.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = 0
            while index < count {
                let byte = buffer[index]
                guard byte == 0x3D else {
                    output.append(byte)
                    index += 1
                    continue
                }
                // `=` at the very end: a soft break with its line end lost.
                guard index + 1 < count else { return }
                if index + 2 < count, let high = buffer[index + 1].hexDigitValue,
                    let low = buffer[index + 2].hexDigitValue
                {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
                var cursor = index + 1
                while cursor < count && buffer[cursor].isLinearWhitespace { cursor += 1 }
                if cursor == count {
                    return
                }
                if buffer[cursor] == .carriageReturn {
                    index = cursor + 1
                    if index < count && buffer[index] == .lineFeed { index += 1 }
                    continue
                }
                if buffer[cursor] == .lineFeed {
                    index = cursor + 1
                    continue
                }
                badEscapes += 1
                output.append(byte)
                index += 1
            }
        }
        return (output, badEscapes)
    }

    /// The result of reading uuencoded data.
    struct UUDecoded {
        /// The name after `begin MODE`, as written.
        var name: String
        var bytes: [UInt8]
        /// Lines that were not valid uuencode, skipped.
        var badLines = 0
        /// The `end` line was missing.
        var missingEnd = false
        /// Where the `begin` line starts and where the block ends (after `end`), in the input's indices.
        var range: Range<Int>
    }

    /// Finds uuencoded blocks (`begin 644 name` … `end`) in text: what old mail
    /// programs put inline in a plain-text body. Only `begin` lines with an
    /// octal mode and a name count, so ordinary prose is never read as one.
    /// At most `maximumCount` blocks are decoded; the scan stops at the next.
    static func uuencodedBlocks(in text: ArraySlice<UInt8>, maximumCount: Int = .max) -> [UUDecoded] {
        var blocks: [UUDecoded] = []
        var index = text.startIndex
        let beginPrefix = Array("begin ".utf8)
        while index < text.endIndex {
            let line = HeaderBlock.nextLine(in: text, from: index)
            let content = text[index..<line.contentEnd]
            if content.starts(with: beginPrefix), let name = uuBeginName(content) {
                // The caller's part limit: later blocks are left where they are, undecoded.
                guard blocks.count < maximumCount else { break }
                var block = UUDecoded(name: name, bytes: [], missingEnd: true, range: index..<text.endIndex)
                var cursor = line.nextStart
                while cursor < text.endIndex {
                    let dataLine = HeaderBlock.nextLine(in: text, from: cursor)
                    let data = text[cursor..<dataLine.contentEnd]
                    cursor = dataLine.nextStart
                    // Trailing spaces are data in uuencode (a space is zero), so only `end` is trimmed.
                    if data.prefix(while: { $0 != .space && $0 != .tab }).elementsEqual("end".utf8)
                        && data.dropFirst(3).allSatisfy({ $0.isLinearWhitespace })
                    {
                        block.missingEnd = false
                        break
                    }
                    if !uuDecodeLine(data, into: &block.bytes) { block.badLines += 1 }
                }
                block.range = index..<cursor
                blocks.append(block)
                index = cursor
                continue
            }
            index = line.nextStart
        }
        return blocks
    }

    /// The name on a `begin 644 name` line, or nil when the line is not one.
    private static func uuBeginName(_ line: ArraySlice<UInt8>) -> String? {
        let rest = line.dropFirst(6)
        guard let space = rest.firstIndex(of: .space) else { return nil }
        let mode = rest[rest.startIndex..<space]
        guard (3...4).contains(mode.count), mode.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) else { return nil }
        let name = rest[(space + 1)...]
        guard !name.isEmpty, !name.allSatisfy({ $0.isASCIIWhitespace }) else { return nil }
        return String(decoding: name, as: UTF8.self).trimmingASCIIWhitespace
    }

    /// Decodes one uuencoded line (its first character gives the byte count).
    /// False when the line is not uuencode.
    private static func uuDecodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) -> Bool {
        guard let first = line.first else { return true }
        guard first >= 0x20 && first <= 0x60 else { return false }
        let length = Int((first &- 0x20) & 0x3F)
        if length == 0 { return true }
        var produced = 0
        var index = line.startIndex + 1
        func sextet(_ position: Int) -> UInt32 {
            guard position < line.endIndex else { return 0 }
            return UInt32((line[position] &- 0x20) & 0x3F)
        }
        // Mailers strip trailing spaces, which uuencode uses for zero bits:
        // characters missing at the end of a line count as zero.
        guard line.count > 1 else { return false }
        while produced < length {
            let group = sextet(index) << 18 | sextet(index + 1) << 12 | sextet(index + 2) << 6 | sextet(index + 3)
            for shift in [16, 8, 0] where produced < length {
                output.append(UInt8(truncatingIfNeeded: group >> UInt32(shift)))
                produced += 1
            }
            index += 4
        }
        return true
    }
}
