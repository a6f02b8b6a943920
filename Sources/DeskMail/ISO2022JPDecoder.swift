/// Decodes ISO-2022-JP (RFC 1468) the way Japanese mail clients write it,
/// vendor characters included.
///
/// glibc's ISO-2022-JP, -JP-2 and -JP-3 decoders all reject the NEC row 13
/// characters (①, ㈱, №, ㍻ …) and the IBM extension kanji that Windows mailers
/// put into ISO-2022-JP (Microsoft's CP50220 behaviour). So this decoder reads
/// the escape sequences itself, turns each JIS X 0208 pair into its CP932 pair
/// (a fixed arithmetic transform), and lets iconv's CP932 table, which has the
/// vendor characters, do the decoding. JIS X 0212 and JIS X 0213 runs, rare in
/// mail, go through iconv's EUC tables.
enum ISO2022JPDecoder {
    /// The character set the escape sequences have switched to.
    private enum Mode {
        case ascii
        /// `ESC ( I`, or SO: JIS X 0201 half-width katakana.
        case katakana
        /// `ESC $ @`, `ESC $ B`.
        case jisX0208
        /// `ESC $ ( D`.
        case jisX0212
        /// `ESC $ ( O`, `ESC $ ( Q`.
        case jisX0213Plane1
        /// `ESC $ ( P`.
        case jisX0213Plane2
    }

    /// Which iconv table the pending bytes are written for.
    private enum Run: Equatable {
        case cp932
        case eucJPMS
        case eucJISX0213
    }

    /// Whether `bytes` contain an escape sequence that switches to a JIS set:
    /// the sign of unlabelled ISO-2022-JP text.
    static func containsJISEscape(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var previous: (UInt8, UInt8) = (0, 0)
        while let byte = iterator.next() {
            if previous.0 == .escape && (previous.1 == 0x24 || previous.1 == 0x28)
                && (byte == 0x40 || byte == 0x42 || byte == 0x49 || byte == 0x28)
            {
                return true
            }
            previous = (previous.1, byte)
        }
        return false
    }

    /// Decodes 7-bit ISO-2022-JP text. Unknown escape sequences and odd bytes
    /// become U+FFFD with a problem; the rest of the text is still read.
    static func decode(_ input: some Collection<UInt8>) -> DecodedText {
        let bytes = Array(input)
        var text = ""
        var replaced = 0
        var unknownEscapes = 0

        var pending: [UInt8] = []
        var run = Run.cp932
        func flush() {
            guard !pending.isEmpty else { return }
            let iconvName: String
            switch run {
            case .cp932: iconvName = "CP932"
            case .eucJPMS: iconvName = "EUC-JP-MS"
            case .eucJISX0213: iconvName = "EUC-JISX0213"
            }
            if let output = IconvDecoder(encodingName: iconvName).decode(pending) {
                text += run == .cp932 ? JISMapping.standardizing(output.text) : output.text
                replaced += output.replacedSequences
            } else {
                text += "\u{FFFD}"
                replaced += 1
            }
            pending.removeAll(keepingCapacity: true)
        }
        func append(_ newBytes: UInt8..., in newRun: Run) {
            if newRun != run {
                flush()
                run = newRun
            }
            pending.append(contentsOf: newBytes)
        }

        var mode = Mode.ascii
        var shiftedOut = false  // SO/SI: katakana without an escape (CP50222)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .escape {
                if let (newMode, length) = escapeSequence(in: bytes, at: index) {
                    if let newMode { mode = newMode }
                    index += length
                } else {
                    flush()
                    text += "\u{FFFD}"
                    unknownEscapes += 1
                    index += 1
                }
                continue
            }
            if byte == 0x0E {
                shiftedOut = true
                index += 1
                continue
            }
            if byte == 0x0F {
                shiftedOut = false
                index += 1
                continue
            }
            // Controls, space and 8-bit bytes are never part of a two-byte
            // character; pass the 7-bit ones through so line breaks survive a
            // missing `ESC ( B`.
            guard byte >= 0x21 && byte <= 0x7E else {
                if byte < 0x80 {
                    append(byte, in: .cp932)
                } else {
                    flush()
                    text += "\u{FFFD}"
                    replaced += 1
                }
                index += 1
                continue
            }
            let effectiveMode = shiftedOut ? Mode.katakana : mode
            switch effectiveMode {
            case .ascii:
                // JIS X 0201 Roman (`ESC ( J`) differs from ASCII only at 0x5C
                // and 0x7E (¥ and ‾); mailers use it for plain ASCII, so read it as such.
                append(byte, in: .cp932)
                index += 1
            case .katakana:
                // Half-width katakana sit at 0xA1…0xDF in CP932.
                if byte <= 0x5F {
                    append(byte + 0x80, in: .cp932)
                } else {
                    flush()
                    text += "\u{FFFD}"
                    replaced += 1
                }
                index += 1
            case .jisX0208, .jisX0212, .jisX0213Plane1, .jisX0213Plane2:
                guard index + 1 < bytes.count, bytes[index + 1] >= 0x21, bytes[index + 1] <= 0x7E else {
                    flush()
                    text += "\u{FFFD}"
                    replaced += 1
                    index += 1
                    continue
                }
                let first = byte
                let second = bytes[index + 1]
                switch effectiveMode {
                case .jisX0208:
                    let (lead, trail) = shiftJISPair(first, second)
                    append(lead, trail, in: .cp932)
                case .jisX0212:
                    append(0x8F, first | 0x80, second | 0x80, in: .eucJPMS)
                case .jisX0213Plane1:
                    append(first | 0x80, second | 0x80, in: .eucJISX0213)
                default:
                    append(0x8F, first | 0x80, second | 0x80, in: .eucJISX0213)
                }
                index += 2
            }
        }
        flush()

        var problems: [String] = []
        if replaced > 0 {
            problems.append("\(replaced) byte sequence(s) were not valid ISO-2022-JP and became U+FFFD")
        }
        if unknownEscapes > 0 {
            problems.append("\(unknownEscapes) unknown ISO-2022-JP escape sequence(s) became U+FFFD")
        }
        return DecodedText(text: text, problems: problems)
    }

    /// The JIS X 0208 row/cell pair `first second` (each 0x21…0x7E) as Shift_JIS bytes.
    ///
    /// Shift_JIS packs two JIS rows into one lead byte: odd rows take trail bytes
    /// 0x40…0x9E (skipping 0x7F), even rows 0x9F…0xFC; lead bytes run 0x81…0x9F,
    /// then jump to 0xE0…0xEF. Rows 13 and 89–92 land exactly where CP932 keeps
    /// the NEC and NEC-selected IBM characters.
    static func shiftJISPair(_ first: UInt8, _ second: UInt8) -> (UInt8, UInt8) {
        let lead = (first + 1) / 2 + (first <= 0x5E ? 0x70 : 0xB0)
        let trail: UInt8
        if first % 2 == 1 {
            trail = second + (second >= 0x60 ? 0x20 : 0x1F)
        } else {
            trail = second + 0x7E
        }
        return (lead, trail)
    }

    /// The escape sequence at `index`: the mode it selects (nil for
    /// announcers that select nothing) and its length; nil when unknown.
    private static func escapeSequence(in bytes: [UInt8], at index: Int) -> (Mode?, Int)? {
        func byte(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }
        switch (byte(1), byte(2), byte(3)) {
        case (0x28, 0x42, _), (0x28, 0x4A, _), (0x28, 0x48, _):  // ESC ( B, ESC ( J, ESC ( H
            return (.ascii, 3)
        case (0x28, 0x49, _):  // ESC ( I
            return (.katakana, 3)
        case (0x24, 0x40, _), (0x24, 0x42, _):  // ESC $ @, ESC $ B
            return (.jisX0208, 3)
        case (0x26, 0x40, _):  // ESC & @: "JIS X 0208-1990 follows", an announcer only
            return (nil, 3)
        case (0x24, 0x28, 0x42):  // ESC $ ( B, the long form of ESC $ B
            return (.jisX0208, 4)
        case (0x24, 0x28, 0x44):  // ESC $ ( D
            return (.jisX0212, 4)
        case (0x24, 0x28, 0x4F), (0x24, 0x28, 0x51):  // ESC $ ( O, ESC $ ( Q
            return (.jisX0213Plane1, 4)
        case (0x24, 0x28, 0x50):  // ESC $ ( P
            return (.jisX0213Plane2, 4)
        default:
            return nil
        }
    }
}
