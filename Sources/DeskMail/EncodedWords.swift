/// RFC 2047 encoded words (`=?charset?B?…?=`, `=?charset?Q?…?=`) in header text.
///
/// Decoding follows what senders do rather than only what the RFC allows:
/// - whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2);
/// - the bytes of adjacent words in the same charset are joined *before*
///   charset decoding, because mailers split a multibyte character (or an
///   ISO-2022-JP escape run) across two words;
/// - `B`/`Q` in either case, the RFC 2231 language suffix (`utf-8*ja`), and
///   spaces inside Q words are accepted;
/// - a word that cannot be decoded (bad base64, unknown encoding letter) is
///   left exactly as written, so the reader still sees something, and a
///   problem says so.
public enum EncodedWords {
    /// One encoded word found in the text.
    private struct Word {
        /// Where the word starts and ends (`=?` … `?=`) in the text's UTF-8.
        var range: Range<Int>
        /// The charset label without the language suffix.
        var charsetLabel: String
        /// The decoded payload bytes, still in the word's charset.
        var payload: [UInt8]
    }

    /// A run of adjacent words in one charset, waiting to be decoded together.
    private struct PendingRun {
        var charsetKey: String
        var charsetLabel: String
        var bytes: [UInt8]
    }

    /// Decodes every encoded word in `text` (unfolded header text: a Subject, a
    /// display name); text outside encoded words is kept as it is.
    public static func decode(_ text: String) -> DecodedText {
        let bytes = Array(text.utf8)
        // Fast path: no `=?`, nothing to do.
        guard bytes.indices.dropLast().contains(where: { bytes[$0] == 0x3D && bytes[$0 + 1] == 0x3F }) else {
            return DecodedText(text: text)
        }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var problems: [String] = []
        var pending: PendingRun?
        var cursor = 0  // start of text not yet copied to output
        var lastWasWord = false

        func flushPending() {
            guard let run = pending else { return }
            pending = nil
            let decoded: DecodedText
            if let charset = Charset(label: run.charsetLabel) {
                decoded = charset.decode(run.bytes)
            } else {
                decoded = Charset.decodeUndeclared(
                    run.bytes, context: "an encoded word names the unknown charset '\(run.charsetLabel)'")
            }
            output.append(contentsOf: decoded.text.utf8)
            problems.append(contentsOf: decoded.problems)
        }

        // Where the next `?=` and the next line break are, from every position:
        // each `=?` then finds its end at once, so text full of `=?` that never
        // closes costs one pass, not one scan to the end per `=?`.
        var nextTerminator = [Int](repeating: bytes.count, count: bytes.count + 1)
        var nextLineBreak = [Int](repeating: bytes.count, count: bytes.count + 1)
        if bytes.count >= 2 {
            for index in stride(from: bytes.count - 1, through: 0, by: -1) {
                nextTerminator[index] =
                    index + 1 < bytes.count && bytes[index] == 0x3F && bytes[index + 1] == 0x3D
                    ? index : nextTerminator[index + 1]
                nextLineBreak[index] =
                    bytes[index] == .carriageReturn || bytes[index] == .lineFeed ? index : nextLineBreak[index + 1]
            }
        }
        let ends = WordEnds(nextTerminator: nextTerminator, nextLineBreak: nextLineBreak)

        var searchFrom = 0
        while let start = nextWordStart(in: bytes, from: searchFrom) {
            guard let word = parseWord(in: bytes, at: start, ends: ends, problems: &problems) else {
                searchFrom = start + 2
                continue
            }
            let between = bytes[cursor..<start]
            if lastWasWord && between.allSatisfy({ $0.isASCIIWhitespace }) {
                // Whitespace between adjacent encoded words is not text.
            } else {
                flushPending()
                output.append(contentsOf: between)
            }
            let key = Charset.lookupKey(word.charsetLabel)
            if var run = pending, run.charsetKey == key {
                run.bytes.append(contentsOf: word.payload)
                pending = run
            } else {
                flushPending()
                pending = PendingRun(charsetKey: key, charsetLabel: word.charsetLabel, bytes: word.payload)
            }
            lastWasWord = true
            cursor = word.range.upperBound
            searchFrom = cursor
        }
        flushPending()
        output.append(contentsOf: bytes[cursor...])
        return DecodedText(text: String(decoding: output, as: UTF8.self), problems: problems)
    }

    private static func nextWordStart(in bytes: [UInt8], from index: Int) -> Int? {
        var position = index
        while position + 1 < bytes.count {
            if bytes[position] == 0x3D && bytes[position + 1] == 0x3F { return position }
            position += 1
        }
        return nil
    }

    /// Parses `=?charset[*lang]?enc?payload?=` at `start`. Returns nil (and, for
    /// a word that is well-formed but undecodable, records a problem) when the
    /// text there is to be kept as written.
    /// Precomputed `nextTerminator[i]` (the first `?=` at or after `i`) and
    /// `nextLineBreak[i]`, `bytes.count` when there is none.
    private struct WordEnds {
        var nextTerminator: [Int]
        var nextLineBreak: [Int]
    }

    private static func parseWord(
        in bytes: [UInt8], at start: Int, ends: WordEnds, problems: inout [String]
    ) -> Word? {
        var index = start + 2
        let charsetStart = index
        while index < bytes.count, bytes[index] != 0x3F {
            // A charset is a short token; whitespace or a very long run means
            // this `=?` was ordinary text.
            if bytes[index].isASCIIWhitespace || index - charsetStart > 64 { return nil }
            index += 1
        }
        guard index < bytes.count, index > charsetStart else { return nil }
        var charsetBytes = bytes[charsetStart..<index]
        if let star = charsetBytes.firstIndex(of: 0x2A) {  // `*lang` (RFC 2231 §5)
            charsetBytes = charsetBytes[..<star]
        }
        guard !charsetBytes.isEmpty else { return nil }
        index += 1
        guard index + 1 < bytes.count, bytes[index + 1] == 0x3F else { return nil }
        let encoding = bytes[index].asciiLowercased
        index += 2
        let payloadStart = index
        index = ends.nextTerminator[payloadStart]
        guard index + 1 < bytes.count, ends.nextLineBreak[payloadStart] > index else { return nil }
        let end = index + 2
        let payloadText = bytes[payloadStart..<index]
        let original = String(decoding: bytes[start..<end], as: UTF8.self)

        let payload: [UInt8]?
        switch encoding {
        case 0x62: payload = decodeBase64(payloadText)  // b
        case 0x71: payload = decodeQ(payloadText)  // q
        default: payload = nil
        }
        guard let payload else {
            problems.append("an encoded word could not be decoded and was kept as written: \(original)")
            return nil
        }
        return Word(
            range: start..<end, charsetLabel: String(decoding: charsetBytes, as: UTF8.self), payload: payload)
    }

    /// RFC 2047 "Q": `_` is a space, `=XX` a byte. A stray `=` is kept.
    static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == 0x5F {
                result.append(.space)
            } else if byte == 0x3D, index + 2 < text.endIndex,
                let high = text[index + 1].hexDigitValue, let low = text[index + 2].hexDigitValue
            {
                result.append(high << 4 | low)
                index += 2
            } else {
                result.append(byte)
            }
            index += 1
        }
        return result
    }

    /// Base64 as found in encoded words: whitespace ignored and missing padding
    /// tolerated; any other stray character, or a length that cannot be base64,
    /// makes the word undecodable (nil).
    static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bitCount = 0
        var sextets = 0
        var sawPadding = false
        for byte in text {
            if byte.isASCIIWhitespace { continue }
            if byte == 0x3D {
                sawPadding = true
                continue
            }
            guard !sawPadding, let value = base64Value(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bitCount += 6
            sextets += 1
            if bitCount >= 8 {
                bitCount -= 8
                result.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bitCount)))
                accumulator &= (1 << UInt32(bitCount)) - 1
            }
        }
        // One leftover character holds only six bits: not a byte, not base64.
        guard sextets % 4 != 1 else { return nil }
        return result
    }

    private static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: return byte - 0x41
        case 0x61...0x7A: return byte - 0x61 + 26
        case 0x30...0x39: return byte - 0x30 + 52
        case 0x2B, 0x2D: return 62  // `+`, and `-` from URL-safe encoders
        case 0x2F, 0x5F: return 63  // `/`, and `_`
        default: return nil
        }
    }
}
