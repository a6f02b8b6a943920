import Testing

@testable import DeskDocuments

/// The ASCII fast paths taken for speed (issue 11) must give what the Unicode
/// paths give, for every ASCII character and for mixed text.
struct FastPathTests {
    static let asciiSamples: [String] = {
        var samples = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        samples += [
            " Web Chat ", "web_chat", "WEB-CHAT", "\tcase_studies\r\n", "A1 b2\u{0B}c3\u{0C}", "\r\n", " \r\n x \r\n ",
            "Tier", "public URL", "--__--", "",
        ]
        return samples
    }()

    @Test func matchingKeyOfASCIIIsTheNFKCKey() {
        for text in Self.asciiSamples {
            #expect(DocumentVocabulary.matchingKey(text) == DocumentVocabulary.unicodeMatchingKey(text), "\(text.debugDescription)")
        }
        // Beyond ASCII the NFKC path is taken: full-width letters meet their ASCII form.
        #expect(DocumentVocabulary.matchingKey("ｗｅｂ－ｃｈａｔ") == DocumentVocabulary.matchingKey("Web Chat"))
    }

    @Test func trimmingAgreesWithCharacterProperties() {
        let texts = Self.asciiSamples + ["\u{3000}全角\u{3000}", "\u{85}x\u{2028}", "\u{A0} nbsp \u{A0}", "é\r\n"]
        for text in texts {
            let expectedWhitespace: String = {
                guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
                return String(text[first...text.lastIndex(where: { !$0.isWhitespace })!])
            }()
            let expectedSpaces: String = {
                let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
                guard let first = text.firstIndex(where: { !isSpace($0) }) else { return "" }
                return String(text[first...text.lastIndex(where: { !isSpace($0) })!])
            }()
            #expect(text.trimmedWhitespace == expectedWhitespace, "\(text.debugDescription)")
            #expect(text.trimmedSpaces == expectedSpaces, "\(text.debugDescription)")
        }
        for scalar in (0..<128).compactMap(UnicodeScalar.init) {
            let character = Character(scalar)
            #expect(Character.isSpaceOrLineBreak(character) == character.isWhitespace, "U+\(scalar.value)")
            #expect(Character.isSpaceNotLineBreak(character) == (character.isWhitespace && !character.isNewline), "U+\(scalar.value)")
        }
    }

    @Test func yamlAliasScanCountsTheSameWithUnicodeBlanks() {
        // An alias after an ideographic space (Unicode white space) still counts.
        #expect(YAMLAliasScan("a: *x\n").aliases == 1)
        #expect(YAMLAliasScan("a:\u{3000}*x\n").aliases == 1)
        #expect(YAMLAliasScan("a: b*x\n").aliases == 0)
        #expect(YAMLAliasScan("? a\n: b\n").complexKeyLine == 1)
        #expect(YAMLAliasScan("- *a : 1\n").complexKeyLine == 1)
    }
}
