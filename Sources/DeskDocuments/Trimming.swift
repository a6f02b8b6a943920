/// Trimming without Foundation's `CharacterSet` (whose NSString bridge was a tenth
/// of ingest, issue 11). White space is Unicode's `White_Space` property, as
/// `CharacterSet.whitespacesAndNewlines`; `trimmedSpaces` keeps line breaks, as
/// `CharacterSet.whitespaces` does.
extension StringProtocol {
    /// Without leading and trailing white space and line breaks.
    var trimmedWhitespace: String { trimmed { $0.isWhitespace } }

    /// Without leading and trailing white space, line breaks kept.
    var trimmedSpaces: String { trimmed { $0.isWhitespace && !$0.isNewline } }

    private func trimmed(_ isSpace: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) }) ?? first
        return String(self[first...last])
    }
}
