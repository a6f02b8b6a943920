/// Where Microsoft's JIS X 0208 table (CP932, eucJP-ms) and the JIS standard
/// table (Python, glibc's plain EUC-JP and ISO-2022-JP) give different code
/// points for the same character.
///
/// ISO-2022-JP and EUC-JP are decoded through Microsoft-flavoured tables so
/// that vendor characters (①, ㈱, IBM kanji) are readable; this maps the six
/// characters on which the tables disagree back to the standard ones, so that
/// plain Japanese text reads the same as every other Unix tool reads it.
enum JISMapping {
    private static let microsoftToStandard: [Unicode.Scalar: Unicode.Scalar] = [
        "\u{FF5E}": "\u{301C}",  // ～ → 〜 WAVE DASH (JIS 0x2141)
        "\u{2225}": "\u{2016}",  // ∥ → ‖ DOUBLE VERTICAL LINE (0x2142)
        "\u{FF0D}": "\u{2212}",  // － → − MINUS SIGN (0x215D)
        "\u{FFE0}": "\u{00A2}",  // ￠ → ¢ (0x2171)
        "\u{FFE1}": "\u{00A3}",  // ￡ → £ (0x2172)
        "\u{FFE2}": "\u{00AC}",  // ￢ → ¬ (0x224C)
    ]

    /// `text` with the six Microsoft code points replaced by the JIS standard ones.
    static func standardizing(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { microsoftToStandard[$0] != nil }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(microsoftToStandard[scalar] ?? scalar)
        }
        return String(scalars)
    }
}
