extension Charset {
    /// Decodes `bytes` in this charset. Never fails: undecodable bytes become
    /// U+FFFD, and bytes that plainly are not in this charset (8-bit bytes under
    /// an ASCII or ISO-2022-JP label) are read in the charset they look like.
    /// Either way `problems` says what happened.
    public func decode(_ bytes: some Collection<UInt8>) -> DecodedText {
        switch decoding {
        case .utf8:
            return Charset.decodeUTF8(bytes)
        case .usASCII:
            guard bytes.contains(where: { $0 >= 0x80 }) else {
                return DecodedText(text: String(decoding: bytes, as: UTF8.self))
            }
            return Charset.decodeMislabelled(bytes, label: name)
        case .iso2022JP:
            // ISO-2022-JP is 7-bit; 8-bit bytes mean the label is wrong, usually
            // a client that wrote Shift_JIS or UTF-8 under a stock label.
            guard bytes.contains(where: { $0 >= 0x80 }) else {
                return ISO2022JPDecoder.decode(bytes)
            }
            return Charset.decodeMislabelled(bytes, label: name)
        case .iconv(let iconvName, let jisStandardMapping):
            guard let output = IconvDecoder(encodingName: iconvName).decode(bytes) else {
                var fallback = Charset.decodeUTF8(bytes)
                fallback.problems.insert("the system cannot convert \(name); read as UTF-8", at: 0)
                return fallback
            }
            let text = jisStandardMapping ? JISMapping.standardizing(output.text) : output.text
            var problems: [String] = []
            if output.replacedSequences > 0 {
                problems.append(
                    "\(output.replacedSequences) byte sequence(s) were not valid \(name) and became U+FFFD")
            }
            return DecodedText(text: text, problems: problems)
        }
    }

    /// Decodes bytes whose charset is unknown: the label was missing, unknown,
    /// or (raw 8-bit header bytes) never given. Records that it guessed.
    static func decodeUndeclared(_ bytes: some Collection<UInt8>, context: String) -> DecodedText {
        let guessed = Charset.guess(for: bytes)
        var decoded = guessed.decode(bytes)
        decoded.problems.insert("\(context); read as \(guessed.name) (a guess)", at: 0)
        return decoded
    }

    private static func decodeMislabelled(_ bytes: some Collection<UInt8>, label: String) -> DecodedText {
        decodeUndeclared(bytes, context: "text labelled \(label) contains 8-bit bytes")
    }

    /// UTF-8, dropping a leading byte order mark (Windows editors write one).
    static func decodeUTF8(_ bytes: some Collection<UInt8>) -> DecodedText {
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) {
            content = content.dropFirst(3)
        }
        if let text = String(validating: content, as: UTF8.self) {
            return DecodedText(text: text)
        }
        return DecodedText(
            text: String(decoding: content, as: UTF8.self),
            problems: ["bytes that are not valid UTF-8 became U+FFFD"])
    }

    /// The likeliest charset for bytes nobody labelled.
    ///
    /// 7-bit bytes with JIS escape sequences are ISO-2022-JP; other 7-bit bytes
    /// are ASCII; valid UTF-8 is UTF-8 (random legacy bytes are almost never
    /// valid UTF-8). Otherwise this is Japanese mail in CP932 or EUC-JP: both are
    /// decoded strictly, and the one that decodes cleanly into more kana and
    /// kanji wins (EUC-JP bytes read as CP932 turn into half-width katakana).
    public static func guess(for bytes: some Collection<UInt8>) -> Charset {
        let has8Bit = bytes.contains(where: { $0 >= 0x80 })
        if !has8Bit {
            return ISO2022JPDecoder.containsJISEscape(bytes) ? .iso2022JP : .usASCII
        }
        if String(validating: bytes, as: UTF8.self) != nil {
            return .utf8
        }
        let candidates: [Charset] = [.cp932, .eucJP]
        var best = Charset.cp932
        var bestRank = (replaced: Int.max, score: Int.min)
        for candidate in candidates {
            guard case .iconv(let iconvName, _) = candidate.decoding,
                let output = IconvDecoder(encodingName: iconvName).decode(bytes)
            else { continue }
            let rank = (replaced: output.replacedSequences, score: japaneseScore(output.text))
            // Fewer undecodable bytes first, then the more Japanese-looking text;
            // ties keep CP932, the more common of the two in mail today.
            if rank.replaced < bestRank.replaced || (rank.replaced == bestRank.replaced && rank.score > bestRank.score)
            {
                best = candidate
                bestRank = rank
            }
        }
        return best
    }

    /// How much `text` looks like ordinary Japanese: kana and common kanji score,
    /// half-width katakana and private-use characters (the debris of decoding
    /// with the wrong table) cost.
    static func japaneseScore(_ text: String) -> Int {
        var score = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x3041...0x309F: score += 3  // hiragana
            case 0x30A0...0x30FF: score += 2  // katakana
            case 0x4E00...0x9FFF: score += 1  // CJK unified ideographs
            case 0x3000...0x303F, 0xFF01...0xFF5E: score += 1  // Japanese punctuation, full-width ASCII
            case 0xFF61...0xFF9F: score -= 2  // half-width katakana
            case 0xE000...0xF8FF: score -= 3  // private use
            case 0x80...0x9F: score -= 3  // C1 controls
            default: break
            }
        }
        return score
    }
}
