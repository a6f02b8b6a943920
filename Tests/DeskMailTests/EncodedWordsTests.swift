import Testing

@testable import DeskMail

@Suite("RFC 2047 encoded words")
struct EncodedWordsTests {
    @Test(
        "decoding",
        arguments: [
            // B and Q, any case
            ("=?UTF-8?B?5pel5pys6Kqe?=", "日本語"),
            ("=?utf-8?b?5pel5pys6Kqe?=", "日本語"),
            ("=?UTF-8?Q?caf=C3=A9_au_lait?=", "café au lait"),
            ("=?utf-8?q?caf=c3=a9?=", "café"),
            // ISO-2022-JP in B and in Q
            ("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
            ("=?iso-2022-jp?Q?=1B$B$3$s$K$A$O=1B(B?=", "こんにちは"),
            // text around words is kept; whitespace between words is not
            ("Re: =?UTF-8?B?5pel5pys6Kqe?= test", "Re: 日本語 test"),
            ("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"),
            ("=?UTF-8?Q?a?=\r\n  \t=?UTF-8?Q?b?=", "ab"),
            ("=?UTF-8?Q?a?= b =?UTF-8?Q?c?=", "a b c"),
            // adjacent words in different charsets are joined too
            ("=?UTF-8?Q?a?= =?ISO-8859-1?Q?=E9?=", "aé"),
            // a UTF-8 character split across two words
            ("=?UTF-8?B?6Ieq5Q==?= =?UTF-8?B?t7HoqLrmlq3jg4Hjgqfjg4Pjgq8=?=", "自己診断チェック"),
            ("=?UTF-8?Q?=E6=97?= =?utf-8?Q?=A5?=", "日"),
            // the RFC 2231 language suffix
            ("=?UTF-8*ja?B?5pel5pys6Kqe?=", "日本語"),
            // Python-style padding leniency and spaces inside Q words
            ("=?UTF-8?B?YWI?=", "ab"),
            ("=?UTF-8?Q?hello world?=", "hello world"),
            // not encoded words at all
            ("plain text = ? yes", "plain text = ? yes"),
            ("a =? b ?= c", "a =? b ?= c"),
            ("", ""),
        ])
    func decoding(input: String, expected: String) {
        let decoded = EncodedWords.decode(input)
        #expect(decoded.text == expected)
        #expect(decoded.problems.isEmpty)
    }

    @Test(
        "broken words are left as written and reported",
        arguments: [
            ("=?UTF-8?B?5pel!!!?=", "=?UTF-8?B?5pel!!!?="),
            ("=?UTF-8?B?5?=", "=?UTF-8?B?5?="),
            ("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="),
            ("ok =?UTF-8?B?5pel5pys6Kqe?= =?UTF-8?B?%%%?= tail", "ok 日本語 =?UTF-8?B?%%%?= tail"),
        ])
    func brokenWords(input: String, expected: String) {
        let decoded = EncodedWords.decode(input)
        #expect(decoded.text == expected)
        #expect(decoded.problems.count == 1)
        #expect(decoded.problems.first?.contains("kept as written") == true)
    }

    @Test("an unterminated word is plain text")
    func unterminatedWord() {
        let decoded = EncodedWords.decode("=?UTF-8?B?5pel5pys6Kqe")
        #expect(decoded.text == "=?UTF-8?B?5pel5pys6Kqe")
    }

    @Test("ISO-2022-JP word with NEC row 13 characters ① and ㈱")
    func iso2022JPVendorCharacters() {
        // ESC $ B, 0x2D21 (①), 0x2D6A (㈱), 株式会社テスト, ESC ( B
        let decoded = EncodedWords.decode("=?ISO-2022-JP?B?GyRCLSEtajN0PDAycTxSJUYlOSVIGyhC?=")
        #expect(decoded.text == "①㈱株式会社テスト")
        #expect(decoded.problems.isEmpty)
    }

    @Test("ISO-2022-JP split across words mid-escape-run")
    func iso2022JPSplitAcrossWords() {
        // `ESC $ B 3t<0` / `2q<R ESC ( B`: the second word has no escape of its own.
        let first = "=?ISO-2022-JP?Q?=1B$B3t<0?="
        let second = "=?iso-2022-jp?Q?2q<R=1B(B?="
        #expect(EncodedWords.decode("\(first) \(second)").text == "株式会社")
    }

    @Test("an unknown charset is guessed and reported")
    func unknownCharset() {
        let decoded = EncodedWords.decode("=?x-unknown?B?5pel5pys6Kqe?=")
        #expect(decoded.text == "日本語")
        #expect(decoded.problems == ["an encoded word names the unknown charset 'x-unknown'; read as utf-8 (a guess)"])
    }

    @Test("invalid bytes in a word become U+FFFD and are reported")
    func invalidBytes() {
        let decoded = EncodedWords.decode("=?UTF-8?Q?a=FFb?=")
        #expect(decoded.text == "a\u{FFFD}b")
        #expect(decoded.problems.count == 1)
    }

    @Test("Shift_JIS words decode as CP932")
    func shiftJISWords() {
        // From the CSV example: [株式会社ツバメ流通システム], in two Shift_JIS words.
        let decoded = EncodedWords.decode(
            "=?Shift_JIS?b?W4qUjq6J747Qg2ODb4OBl6ySyg==?= =?Shift_JIS?b?g1aDWINlg4BdLA==?= Retail")
        #expect(decoded.text == "[株式会社ツバメ流通システム], Retail")
    }

    @Test("text full of `=?` that never closes is read in one pass", .timeLimit(.minutes(1)))
    func unclosedWordsAreLinear() {
        // Each `=?` used to scan to the end of the text for its `?=`: 100,000 of
        // them in a 700 KB subject took minutes.
        let text = String(repeating: "=?a?Q?x ", count: 100_000)
        let decoded = EncodedWords.decode(text)
        #expect(decoded.text == text)
        let closed = EncodedWords.decode(String(repeating: "=?a?Q?x ", count: 1_000) + "=?utf-8?Q?caf=C3=A9?=")
        #expect(closed.text.hasSuffix("café"))
    }

    @Test("raw 8-bit bytes inside a Q word are escaped, so the word's own charset decodes them")
    func rawBytesInQWordsEscaped() {
        let raw = Array("=?iso-8859-1?Q?Fr".utf8) + [0xF6] + Array("sche?= and ".utf8) + [0xE5]
        #expect(HeaderBlock.escapingRawBytesInQWords(raw) == Array("=?iso-8859-1?Q?Fr=F6sche?= and ".utf8) + [0xE5])
    }
}
