import Testing

@testable import DeskMail

@Suite("Charsets")
struct CharsetTests {
    @Test(
        "labels and aliases",
        arguments: [
            ("utf-8", "utf-8"), ("UTF8", "utf-8"), ("\"utf-8\"", "utf-8"),
            ("us-ascii", "us-ascii"), ("ASCII", "us-ascii"),
            ("iso-2022-jp", "iso-2022-jp"), ("ISO-2022-JP", "iso-2022-jp"), ("csISO2022JP", "iso-2022-jp"),
            ("shift_jis", "cp932"), ("Shift_JIS", "cp932"), ("x-sjis", "cp932"), ("windows-31j", "cp932"),
            ("cp932", "cp932"), ("MS932", "cp932"),
            ("euc-jp", "euc-jp"), ("EUC-JP", "euc-jp"), ("x-euc-jp", "euc-jp"),
            ("iso-8859-1", "windows-1252"), ("latin1", "windows-1252"),
            ("gb2312", "gb18030"), ("ks_c_5601-1987", "cp949"),
            ("iso-8859-2", "iso-8859-2"), ("windows-1251", "windows-1251"), ("KOI8-R", "koi8-r"),
        ])
    func labels(label: String, name: String) throws {
        let charset = try #require(Charset(label: label))
        #expect(charset.name == name)
    }

    @Test(
        "unknown and unsafe labels are refused",
        arguments: ["x-no-such-charset", "", "utf-8//TRANSLIT", "../../etc/passwd"])
    func unknownLabels(label: String) {
        #expect(Charset(label: label) == nil)
    }

    @Test("ISO-2022-JP decodes NEC row 13 (① ㈱), which glibc's decoders reject")
    func iso2022JPRow13() throws {
        let bytes = Array("\u{1B}$B-!-j-b\u{1B}(B ok".utf8)
        let decoded = try #require(Charset(label: "iso-2022-jp")).decode(bytes)
        #expect(decoded.text == "①㈱№ ok")
        #expect(decoded.problems.isEmpty)
    }

    @Test("ISO-2022-JP keeps the JIS mapping for standard characters (wave dash, minus)")
    func iso2022JPStandardMapping() {
        let decoded = Charset.iso2022JP.decode(Array("\u{1B}$B!A!]\u{1B}(B".utf8))
        #expect(decoded.text == "\u{301C}\u{2212}")
    }

    @Test("ISO-2022-JP half-width katakana, by escape and by SO/SI")
    func iso2022JPKatakana() {
        #expect(Charset.iso2022JP.decode(Array("\u{1B}(I1\u{1B}(Ba".utf8)).text == "ｱa")
        #expect(Charset.iso2022JP.decode([0x0E, 0x31, 0x0F, 0x61]).text == "ｱa")
    }

    @Test("ISO-2022-JP with an unknown escape keeps the rest readable")
    func iso2022JPUnknownEscape() {
        let decoded = Charset.iso2022JP.decode(Array("a\u{1B}%Zb".utf8))
        #expect(decoded.text == "a\u{FFFD}%Zb")
        #expect(decoded.problems.count == 1)
    }

    @Test("8-bit bytes under an ISO-2022-JP label are read as what they are")
    func mislabelledISO2022JP() {
        let decoded = Charset.iso2022JP.decode(Array("日本語".utf8))
        #expect(decoded.text == "日本語")
        #expect(decoded.problems == ["text labelled iso-2022-jp contains 8-bit bytes; read as utf-8 (a guess)"])
    }

    @Test(
        "JIS X 0208 to Shift_JIS arithmetic",
        arguments: [
            (UInt8(0x21), UInt8(0x21), UInt8(0x81), UInt8(0x40)),  // ideographic space
            (0x22, 0x21, 0x81, 0x9F),  // ◆
            (0x2D, 0x21, 0x87, 0x40),  // ①
            (0x2D, 0x6A, 0x87, 0x8A),  // ㈱
            (0x30, 0x21, 0x88, 0x9F),  // 亜
            (0x5F, 0x21, 0xE0, 0x40),  // row 63
            (0x7C, 0x7E, 0xEE, 0xFC),  // the last IBM extension cell
        ])
    func shiftJISPair(first: UInt8, second: UInt8, lead: UInt8, trail: UInt8) {
        let pair = ISO2022JPDecoder.shiftJISPair(first, second)
        #expect(pair.0 == lead && pair.1 == trail)
    }

    @Test("Shift_JIS labels decode CP932 vendor characters")
    func cp932VendorCharacters() throws {
        let decoded = try #require(Charset(label: "Shift_JIS")).decode([0x87, 0x40, 0x87, 0x8A, 0x5C, 0x7E])
        #expect(decoded.text == "①㈱\\~")
    }

    @Test("EUC-JP, with a NEC row 13 character")
    func eucJP() throws {
        let bytes: [UInt8] = [0xC6, 0xFC, 0xCB, 0xDC, 0xB8, 0xEC, 0xAD, 0xA1, 0x8E, 0xB1]
        let decoded = try #require(Charset(label: "euc-jp")).decode(bytes)
        #expect(decoded.text == "日本語①ｱ")
        #expect(decoded.problems.isEmpty)
    }

    @Test(
        "bad bytes become U+FFFD, never a crash",
        arguments: [
            ("utf-8", [0x61, 0xFF, 0x62] as [UInt8]),
            ("cp932", [0x61, 0x81, 0x20, 0x62]),
            ("euc-jp", [0x61, 0xA4, 0x62]),
            ("cp932", [0x61, 0x82]),  // truncated at the end
        ])
    func lossyDecoding(label: String, bytes: [UInt8]) throws {
        let decoded = try #require(Charset(label: label)).decode(bytes)
        #expect(decoded.text.hasPrefix("a"))
        #expect(decoded.text.contains("\u{FFFD}"))
        #expect(decoded.problems.count == 1)
    }

    @Test("iconv charsets beyond Japanese")
    func otherCharsets() throws {
        #expect(try #require(Charset(label: "iso-8859-1")).decode([0x63, 0x61, 0x66, 0xE9, 0x80]).text == "café€")
        #expect(try #require(Charset(label: "koi8-r")).decode([0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4]).text == "Привет")
        #expect(try #require(Charset(label: "utf-16")).decode([0xFE, 0xFF, 0x65, 0xE5]).text == "日")
        // php-mime-mail-parser issue149: Hebrew labelled iso-8859-8-i
        #expect(try #require(Charset(label: "iso-8859-8-i")).decode([0xF9, 0xEC, 0xE5, 0xED]).text == "שלום")
    }

    @Test("a UTF-8 byte order mark is dropped")
    func utf8ByteOrderMark() {
        #expect(Charset.utf8.decode([0xEF, 0xBB, 0xBF, 0x61]).text == "a")
    }

    @Test(
        "guessing the charset of unlabelled bytes",
        arguments: [
            (Array("plain".utf8), "us-ascii"),
            (Array("\u{1B}$B$3$s\u{1B}(B".utf8), "iso-2022-jp"),
            (Array("見積書".utf8), "utf-8"),
            ([0x8C, 0xA9, 0x90, 0xCF, 0x8F, 0x91, 0x82, 0xCC, 0x82, 0xB2, 0x91, 0x97, 0x95, 0x74], "cp932"),
            ([0xB8, 0xAB, 0xC0, 0xD1, 0xBD, 0xF1, 0xA4, 0xCE, 0xA4, 0xB4, 0xC1, 0xF7, 0xC9, 0xD5], "euc-jp"),
            // こんにちは in EUC-JP is also valid CP932 (as half-width katakana)
            ([0xA4, 0xB3, 0xA4, 0xF3, 0xA4, 0xCB, 0xA4, 0xC1, 0xA4, 0xCF], "euc-jp"),
            // kanji bytes both tables read cleanly and equally well: CP932, the commoner
            ([0xE0, 0xA1, 0xE8, 0xB0], "cp932"),
            // ﾃｽﾄのご案内: half-width katakana among kana in CP932 is not EUC-JP
            ([0xC3, 0xBD, 0xC4, 0x82, 0xCC, 0x82, 0xB2, 0x88, 0xC4, 0x93, 0xE0], "cp932"),
            // Latin-1 letters between ASCII letters, no kana: H\xE5vard, se\xF1or, Dij\x8Aat
            (Array("H".utf8) + [0xE5] + Array("vard".utf8), "windows-1252"),
            ([0xA1] + Array("Hola se".utf8) + [0xF1] + Array("or".utf8), "windows-1252"),
            (Array("Dij".utf8) + [0x8A] + Array("at".utf8), "windows-1252"),
            (Array("don".utf8) + [0x92] + Array("t worry".utf8), "windows-1252"),
            // but kanji after a space, or with kana about, stay Japanese
            (Array("Re: ".utf8) + [0x8C, 0xA9, 0x90, 0xCF], "cp932"),
            (Array("a".utf8) + [0xE5, 0x76, 0x82, 0xB2], "cp932"),
            (Array("ABC".utf8) + [0x97, 0x6C], "cp932"),  // ABC様
            // a lone 0x85 is no EUC-JP text (it would be the control U+0085): CP932, whose U+FFFD shows the damage
            (Array("Link Exchange".utf8) + [0x85], "cp932"),
            // UTF-8 cut in the middle of its last character is still UTF-8
            (Array("Картинка".utf8) + [0xD1], "utf-8"),
        ] as [([UInt8], String)])
    func guess(bytes: [UInt8], expected: String) {
        #expect(Charset.guess(for: bytes).name == expected)
    }

    @Test(
        "unlabelled KOI8-R Russian is KOI8-R, not CP932 mojibake",
        arguments: ["Фёдор Михайлович Достоевский", "Москва - столица России.", "тест тест", "Заявка на сертификацию"])
    func unlabelledKOI8R(text: String) throws {
        let bytes = try MessageBytes.encoded(text, as: "KOI8-R")
        #expect(Charset.guess(for: bytes).name == "koi8-r")
        #expect(Charset.decodeUndeclared(bytes, context: "test").text == text)
    }

    /// Kanji-only names whose every byte is also a KOI8-R letter, in words
    /// that even look like Russian ones (池田 明 in EUC-JP reads `цсед лю`).
    @Test(
        "kanji-only Japanese names are never taken for KOI8-R",
        arguments: [
            ("池田 明", "EUC-JP"), ("和田 凛", "EUC-JP"), ("渡辺 学", "EUC-JP"), ("太田 明", "EUC-JP"),
            ("藤田茂", "EUC-JP"), ("長谷川 久美子", "EUC-JP"), ("株式会社 日立製作所", "EUC-JP"),
            ("池田 明", "CP932"), ("長谷川 久美子", "CP932"), ("株式会社 日立製作所", "CP932"),
        ])
    func kanjiNamesStayJapanese(text: String, charset: String) throws {
        let bytes = try MessageBytes.encoded(text, as: charset)
        #expect(Charset.decodeUndeclared(bytes, context: "test").text == text)
    }
}
