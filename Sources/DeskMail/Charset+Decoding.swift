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
    /// Except: Russian words in KOI8-R with no kana in the Japanese reading are
    /// KOI8-R (see `looksLikeKOI8R`), and isolated Latin-1 letters between ASCII
    /// letters with no kana in the Japanese reading (`H\xE5vard`) are
    /// windows-1252 (see `looksLikeLatinAccents`).
    public static func guess(for bytes: some Collection<UInt8>) -> Charset {
        let has8Bit = bytes.contains(where: { $0 >= 0x80 })
        if !has8Bit {
            return ISO2022JPDecoder.containsJISEscape(bytes) ? .iso2022JP : .usASCII
        }
        if String(validating: bytes, as: UTF8.self) != nil || isMostlyUTF8(bytes) {
            return .utf8
        }
        let candidates: [Charset] = [.cp932, .eucJP]
        var best = Charset.cp932
        var bestRank = (replaced: Int.max, score: Int.min)
        var bestText = ""
        for candidate in candidates {
            guard case .iconv(let iconvName, _) = candidate.decoding,
                let output = IconvDecoder(encodingName: iconvName).decode(bytes)
            else { continue }
            // A C1 control (EUC-JP passes 0x80–0x8D through as U+0080–U+008D) is
            // never text: it counts as an undecodable byte.
            let controls = output.text.unicodeScalars.lazy.filter { (0x80...0x9F).contains($0.value) }.count
            let rank = (replaced: output.replacedSequences + controls, score: japaneseScore(output.text))
            // Fewer undecodable bytes first, then the more Japanese-looking text;
            // ties keep CP932, the more common of the two in mail today.
            if rank.replaced < bestRank.replaced || (rank.replaced == bestRank.replaced && rank.score > bestRank.score)
            {
                best = candidate
                bestRank = rank
                bestText = output.text
            }
        }
        let japaneseIsClean = bestRank.replaced == 0 && !bestText.isEmpty
        if !(japaneseIsClean && containsKana(bestText)) && looksLikeKOI8R(bytes) {
            return .koi8R
        }
        if looksLikeLatinAccents(bytes, japaneseReading: best) {
            return .windows1252
        }
        return best
    }

    /// Windows-1252's letters in 0x80–0x9F (Š Œ Ž š œ ž Ÿ) and its apostrophe ’.
    private static let windows1252Letters: Set<UInt8> = [0x8A, 0x8C, 0x8E, 0x92, 0x9A, 0x9C, 0x9E, 0x9F]

    /// Whether bytes that are not quite UTF-8 are UTF-8 all the same: many
    /// well-formed multibyte sequences and only a few broken bytes (a name cut
    /// in the middle of a character, one damaged byte). Legacy Japanese or
    /// Latin text almost never forms even a few valid UTF-8 sequences.
    static func isMostlyUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var valid = 0
        var invalid = 0
        var index = 0
        while index < array.count {
            let byte = array[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            if length > 0, index + length <= array.count,
                array[(index + 1)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 }),
                String(validating: array[index..<(index + length)], as: UTF8.self) != nil
            {
                valid += 1
                index += length
            } else {
                invalid += 1
                index += 1
            }
        }
        return valid >= 3 && invalid * 4 <= valid
    }

    /// Whether 8-bit bytes that are not UTF-8 are Western European accents
    /// rather than Japanese: every run of 8-bit bytes is one or two Latin-1
    /// letters or signs (0xA0–0xFF but × and ÷: `¡`, `é`) next to an ASCII letter, as in
    /// `H\xE5vard` or `Forma\xE7\xE3o`, and the Japanese reading has no kana at
    /// all (real Japanese, even a short subject, almost always has some; a name
    /// in kanji alone is written in longer runs: two bytes a character, no
    /// ASCII letters around it in EUC-JP).
    static func looksLikeLatinAccents(_ bytes: some Collection<UInt8>, japaneseReading: Charset) -> Bool {
        let array = Array(bytes)
        var sawRun = false
        for range in highByteRuns(array) {
            let (index, end) = (range.lowerBound, range.upperBound)
            let run = array[range]
            let before = index > 0 && array[index - 1].isASCIILetter
            let after = end < array.count && array[end].isASCIILetter
            guard before || after, run.count <= 2 else { return false }
            // Of 0x80–0x9F only Windows-1252's letters (Š, Œ, Ž, š, œ, ž, Ÿ) and
            // the apostrophe ’ (`don\x92t`), alone between two letters: other bytes
            // there are as often CP932 lead bytes (`ABC様` is 41 42 43 97 6C).
            guard run.count == 1 || run.allSatisfy({ $0 >= 0xA0 }) else { return false }
            guard run.allSatisfy({ $0 >= 0xA0 ? $0 != 0xD7 && $0 != 0xF7 : before && after && windows1252Letters.contains($0) })
            else { return false }
            sawRun = true
        }
        guard sawRun else { return false }
        let text = japaneseReading.decode(array).text
        return !text.unicodeScalars.contains { (0x3041...0x30FF).contains($0.value) }
    }

    /// Whether `text` has hiragana or (full-width) katakana, which real Japanese
    /// almost always has and KOI8-R read as CP932 or EUC-JP never gives.
    static func containsKana(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x3041...0x30FF).contains($0.value) }
    }

    /// The smallest number of Cyrillic letters taken as evidence of KOI8-R.
    /// Kanji-only names in EUC-JP (池田 明 is `цсед лю` in KOI8-R) can look like
    /// two short Russian words; none of 50,000 tried names reached eight letters
    /// that pass the word rules below, while `тест тест` has eight.
    static let minimumKOI8RLetters = 8

    /// Whether 8-bit bytes that are neither UTF-8 nor kana-bearing Japanese are
    /// Russian written in KOI8-R (unlabelled Russian mail and raw Russian headers).
    ///
    /// Every run of 8-bit bytes must be one Russian-looking word: only KOI8-R
    /// letters (0xC0–0xFF, ё/Ё), not glued to ASCII letters or digits, in one of
    /// the cases words are written in (`тест`, `Тест`, `ТЕСТ`), not starting with
    /// ь, ъ or ы, with no ь or ъ after a vowel, and (unless an all-capital
    /// abbreviation) with a vowel, no more than four consonants or two vowels in
    /// a row. Together at least `minimumKOI8RLetters` letters, a fifth to seven
    /// tenths of them vowels. CP932 and EUC-JP kanji bytes fall into the same
    /// range but make words no Russian writes; this errs towards Japanese, so a
    /// single short Russian word stays a (wrong) Japanese guess.
    static func looksLikeKOI8R(_ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var letters = 0
        var vowels = 0
        for range in highByteRuns(array) {
            let (index, end) = (range.lowerBound, range.upperBound)
            if index > 0 && (array[index - 1].isASCIILetter || array[index - 1].isASCIIDigit) { return false }
            if end < array.count && (array[end].isASCIILetter || array[end].isASCIIDigit) { return false }
            guard let word = KOI8RWord(array[index..<end]) else { return false }
            letters += word.letters
            vowels += word.vowels
        }
        guard letters >= minimumKOI8RLetters else { return false }
        return vowels * 10 >= letters * 2 && vowels * 10 <= letters * 7
    }

    /// The runs of consecutive 8-bit bytes (≥ 0x80) in `array`, in order: the
    /// units the raw-header guesses above judge one at a time.
    static func highByteRuns(_ array: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var index = 0
        while index < array.count {
            guard array[index] >= 0x80 else {
                index += 1
                continue
            }
            var end = index
            while end < array.count && array[end] >= 0x80 { end += 1 }
            runs.append(index..<end)
            index = end
        }
        return runs
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

/// One run of 8-bit bytes read as a KOI8-R word; nil when it cannot be one.
private struct KOI8RWord {
    var letters = 0
    var vowels = 0

    /// KOI8-R's letters from 0xC0 (lowercase; uppercase is 0x20 higher) by
    /// `byte & 0x1F`: ю а б ц д е ф г х и й к л м н о п я р с т у ж в ь ы з ш э щ ч ъ.
    private static let vowelPositions: Set<UInt8> = [0, 1, 5, 9, 15, 17, 21, 25, 28]  // ю а е и о я у ы э
    private static let softSign: UInt8 = 24, hardSign: UInt8 = 31, yeru: UInt8 = 25, shortI: UInt8 = 10

    init?(_ run: ArraySlice<UInt8>) {
        // ё and Ё sit outside the block, at 0xA3 and 0xB3.
        func isLetter(_ byte: UInt8) -> Bool { byte >= 0xC0 || byte == 0xA3 || byte == 0xB3 }
        func isUpper(_ byte: UInt8) -> Bool { byte >= 0xE0 || byte == 0xB3 }
        func isVowel(_ byte: UInt8) -> Bool { byte < 0xC0 || Self.vowelPositions.contains(byte & 0x1F) }
        func isSign(_ byte: UInt8) -> Bool { byte >= 0xC0 && [Self.softSign, Self.hardSign].contains(byte & 0x1F) }

        guard let first = run.first, run.allSatisfy(isLetter) else { return nil }
        let rest = run.dropFirst()
        let allUpper = run.allSatisfy(isUpper)
        guard rest.allSatisfy({ !isUpper($0) }) || allUpper else { return nil }
        if first >= 0xC0 && [Self.softSign, Self.hardSign, Self.yeru].contains(first & 0x1F) { return nil }
        var previous: UInt8?
        var consonantRun = 0
        var vowelRun = 0
        for byte in run {
            if isSign(byte), let previous,
                isVowel(previous) || isSign(previous) || (previous >= 0xC0 && previous & 0x1F == Self.shortI)
            {
                return nil
            }
            if isVowel(byte) {
                vowels += 1
                vowelRun += 1
                consonantRun = 0
            } else {
                consonantRun += 1
                vowelRun = 0
            }
            if !allUpper && (consonantRun > 4 || vowelRun > 2) { return nil }
            previous = byte
        }
        letters = run.count
        if !allUpper && letters >= 2 && vowels == 0 { return nil }
    }
}
