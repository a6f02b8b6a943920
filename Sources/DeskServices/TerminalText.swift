/// Fitting text into terminal columns, where CJK characters take two cells.
public enum TerminalText {
    /// Display width of `text` in terminal cells (East Asian Wide and Fullwidth count 2).
    public static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x300...0x36F).contains(value) || value == 0x200B { return 0 }
        // The wide ranges of Unicode's EastAsianWidth.txt that Japanese text uses.
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
        ]
        return wide.contains { $0.contains(value) } ? 2 : 1
    }

    /// `text` cut to at most `columns` cells, ending in `…` when cut.
    public static func truncate(_ text: String, to columns: Int) -> String {
        guard width(text) > columns else { return text }
        var result = ""
        var used = 0
        for character in text {
            let cells = width(String(character))
            if used + cells > columns - 1 { break }
            result.append(character)
            used += cells
        }
        return result + "…"
    }

    /// `text` padded with spaces to `columns` cells.
    public static func pad(_ text: String, to columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - width(text)))
    }
}
