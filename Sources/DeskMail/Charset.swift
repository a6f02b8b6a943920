/// A character encoding named in mail (`charset=` parameters, RFC 2047 words),
/// with the lenient label matching real mail needs.
///
/// Labels are matched after lowercasing and dropping everything but letters and
/// digits, so `Shift_JIS`, `shift-jis` and `SHIFTJIS` are one label. Japanese
/// labels are widened to the encodings senders actually use: every Shift_JIS
/// label decodes as CP932 (Windows' Shift_JIS, with the NEC and IBM vendor
/// characters such as ① and ㈱), `iso-2022-jp` accepts those vendor characters
/// too, and `euc-jp` accepts eucJP-ms. Labels this table does not know are handed
/// to iconv when iconv knows them (ISO-8859-*, windows-125x, KOI8-R, GB18030, …).
public struct Charset: Sendable, Hashable, CustomStringConvertible {
    /// How the bytes are turned into text.
    enum Decoding: Sendable, Hashable {
        /// UTF-8, decoded by the standard library.
        case utf8
        /// US-ASCII; 8-bit bytes under this label are read as UTF-8 (see `decode`).
        case usASCII
        /// ISO-2022-JP with vendor extensions, decoded by `ISO2022JPDecoder`.
        case iso2022JP
        /// Anything iconv converts; `jisStandardMapping` maps the six code points
        /// where Microsoft's tables differ from JIS back to the JIS ones.
        case iconv(name: String, jisStandardMapping: Bool)
    }

    /// The canonical lowercase name, e.g. `utf-8`, `iso-2022-jp`, `cp932`.
    public let name: String
    let decoding: Decoding

    init(name: String, decoding: Decoding) {
        self.name = name
        self.decoding = decoding
    }

    /// The canonical name.
    public var description: String { name }

    /// UTF-8.
    public static let utf8 = Charset(name: "utf-8", decoding: .utf8)
    /// US-ASCII.
    public static let usASCII = Charset(name: "us-ascii", decoding: .usASCII)
    /// ISO-2022-JP (RFC 1468) with the NEC row 13 and IBM extension characters.
    public static let iso2022JP = Charset(name: "iso-2022-jp", decoding: .iso2022JP)
    /// CP932 / Windows-31J, what Japanese Windows means by Shift_JIS.
    public static let cp932 = Charset(name: "cp932", decoding: .iconv(name: "CP932", jisStandardMapping: false))
    /// EUC-JP, read as eucJP-ms so vendor characters survive.
    public static let eucJP = Charset(name: "euc-jp", decoding: .iconv(name: "EUC-JP-MS", jisStandardMapping: true))
    /// KOI8-R, Russian mail's traditional charset (and the only other one guessed).
    public static let koi8R = Charset(name: "koi8-r", decoding: .iconv(name: "KOI8-R", jisStandardMapping: false))
    /// Windows-1252, what mail labelled ISO-8859-1 almost always is.
    public static let windows1252 = Charset(
        name: "windows-1252", decoding: .iconv(name: "WINDOWS-1252", jisStandardMapping: false))

    /// Finds the charset a label names, or nil when neither the alias table nor
    /// iconv knows it.
    public init?(label: some StringProtocol) {
        let key = Charset.lookupKey(label)
        guard !key.isEmpty else { return nil }
        if let known = Charset.aliases[key] {
            self = known
            return
        }
        // Hand unknown labels to iconv only when they look like a charset name:
        // the label comes from the message, and iconv reads suffixes such as
        // `//TRANSLIT` as options.
        let trimmed = label.trimmingASCIIWhitespace.trimmingQuotes
        guard trimmed.utf8.count <= 40, !trimmed.isEmpty,
            trimmed.utf8.allSatisfy({
                $0.isASCIILetter || $0.isASCIIDigit || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A
            }),
            IconvDecoder.isSupported(trimmed.uppercased())
        else { return nil }
        self.init(name: trimmed.lowercased(), decoding: .iconv(name: trimmed.uppercased(), jisStandardMapping: false))
    }

    /// Lowercase letters and digits only: `Shift_JIS` → `shiftjis`.
    static func lookupKey(_ label: some StringProtocol) -> String {
        var key: [UInt8] = []
        for byte in label.utf8 where byte.isASCIILetter || byte.isASCIIDigit {
            key.append(byte.asciiLowercased)
        }
        return String(decoding: key, as: UTF8.self)
    }

    private static func iconvCharset(_ name: String, _ iconvName: String) -> Charset {
        Charset(name: name, decoding: .iconv(name: iconvName, jisStandardMapping: false))
    }

    /// Labels seen in real mail, by lookup key.
    static let aliases: [String: Charset] = {
        var table: [String: Charset] = [:]
        func add(_ labels: [String], _ charset: Charset) {
            for label in labels { table[lookupKey(label)] = charset }
        }
        add(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode-2-0-utf-8", "x-unicode20utf8"], .utf8)
        add(["us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "csascii", "us", "iso-ir-6"], .usASCII)
        add(
            [
                "iso-2022-jp", "csiso2022jp", "iso2022jp", "jis", "jis7", "x-iso-2022-jp", "cp50220", "cp50221",
                "cp50222", "iso-2022-jp-1", "iso-2022-jp-ms",
            ], .iso2022JP)
        // ISO-2022-JP-2 adds Chinese, Korean and Latin sets: glibc decodes those.
        add(["iso-2022-jp-2", "csiso2022jp2"], iconvCharset("iso-2022-jp-2", "ISO-2022-JP-2"))
        add(["iso-2022-jp-3", "iso-2022-jp-2004"], iconvCharset("iso-2022-jp-3", "ISO-2022-JP-3"))
        add(
            [
                "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cswindows31j",
                "cp932", "ms932", "x-ms-cp932", "ibm-943", "ibm943", "sjis-open", "sjis-win", "x-shift_jis",
            ], .cp932)
        add(["shift_jisx0213", "shift_jis-2004", "sjis-2004"], iconvCharset("shift_jis-2004", "SHIFT_JISX0213"))
        add(
            [
                "euc-jp", "eucjp", "x-euc-jp", "x-euc", "cseucpkdfmtjapanese", "eucjp-ms", "euc-jp-ms", "eucjp-win",
                "eucjp-open", "ujis",
            ], .eucJP)
        add(["euc-jis-2004", "euc-jisx0213"], iconvCharset("euc-jis-2004", "EUC-JISX0213"))
        // Senders label Windows-1252 text as Latin-1 so often that browsers read
        // every Latin-1 label as Windows-1252 (WHATWG Encoding); do the same.
        add(
            ["iso-8859-1", "latin1", "l1", "iso-ir-100", "cp819", "ibm819", "csisolatin1", "windows-1252", "cp1252"],
            .windows1252)
        // Supersets that decode everything the narrower label can.
        add(
            ["gb2312", "gbk", "cp936", "x-gbk", "euc-cn", "csgb2312", "gb18030", "chinese"],
            iconvCharset("gb18030", "GB18030"))
        add(["big5", "csbig5", "x-x-big5", "big5-hkscs", "cn-big5"], iconvCharset("big5-hkscs", "BIG5-HKSCS"))
        add(
            ["euc-kr", "ks_c_5601-1987", "ks_c_5601", "ksc5601", "cseuckr", "cp949", "windows-949", "uhc"],
            iconvCharset("cp949", "CP949"))
        add(["utf-16"], iconvCharset("utf-16", "UTF-16"))
        add(["utf-16le"], iconvCharset("utf-16le", "UTF-16LE"))
        add(["utf-16be"], iconvCharset("utf-16be", "UTF-16BE"))
        add(["utf-7", "unicode-1-1-utf-7"], iconvCharset("utf-7", "UTF-7"))
        // Hebrew: `-i` (logical order) and `-e` (explicit) name the same bytes as ISO-8859-8.
        add(["iso-8859-8-i", "iso-8859-8-e", "csiso88598i", "csiso88598e", "logical"], iconvCharset("iso-8859-8", "ISO-8859-8"))
        add(["koi8-r", "cskoi8r"], .koi8R)
        add(["koi8-u"], iconvCharset("koi8-u", "KOI8-U"))
        return table
    }()
}

extension StringProtocol {
    /// The string without one pair of surrounding double quotes.
    var trimmingQuotes: String {
        let text = String(self)
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast())
    }
}
