/// Trimming without Foundation's `CharacterSet` (whose NSString bridge was a tenth
/// of ingest, issue 11). White space is Unicode's `White_Space` property, as
/// `CharacterSet.whitespacesAndNewlines`; `trimmedSpaces` keeps line breaks, as
/// `CharacterSet.whitespaces` does.
extension StringProtocol {
    /// Without leading and trailing white space and line breaks.
    var trimmedWhitespace: String { trimmed(Character.isSpaceOrLineBreak) }

    /// Without leading and trailing white space, line breaks kept.
    var trimmedSpaces: String { trimmed(Character.isSpaceNotLineBreak) }

    private func trimmed(_ isSpace: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) }) ?? first
        return String(self[first...last])
    }
}

extension Character {
    /// `isWhitespace`, answered for ASCII without Unicode's property tables (a
    /// lookup per character of every document cell was 3 % of ingest, issue 11).
    /// ASCII white space is U+0009–U+000D and U+0020; `"\r\n"` is one Character
    /// whose `asciiValue` is 0x0A.
    @inline(__always)
    static func isSpaceOrLineBreak(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return ascii == 0x20 || (0x09...0x0D).contains(ascii) }
        return character.isWhitespace
    }

    /// `isWhitespace && !isNewline` (line breaks are U+000A–U+000D, U+0085, U+2028, U+2029).
    @inline(__always)
    static func isSpaceNotLineBreak(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return ascii == 0x20 || ascii == 0x09 }
        return character.isWhitespace && !character.isNewline
    }
}
