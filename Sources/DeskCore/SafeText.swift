/// Text from mail made safe to show: on a reviewer's terminal, in a log line,
/// in a reason file.
///
/// A partner (or anyone who can send mail) controls subjects, display names and
/// file names. Raw C0/C1 control characters in them can retitle or clear a
/// terminal, write to its clipboard (OSC 52), or forge a second log line with a
/// newline. Every place where such text leaves the desk passes it through here:
/// controls become visible escapes (`\x1B`, `\n`, `\u{202E}`), so nothing is
/// lost from view and nothing is executed.
public enum SafeText {
    /// `text` with every control character escaped. With `keepingLineBreaks`,
    /// `\n` (and `\t`) pass through: for multi-line text such as a note shown
    /// by itself, where the caller controls the layout.
    public static func escapingControls(_ text: String, keepingLineBreaks: Bool = false) -> String {
        // Fast path: most text has nothing to escape.
        if !text.unicodeScalars.contains(where: { needsEscape($0, keepingLineBreaks: keepingLineBreaks) }) {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepingLineBreaks: keepingLineBreaks) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                if scalar.value <= 0xFF {
                    result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    result += "\\u{" + hex + "}"
                }
            }
        }
        return result
    }

    /// Whether `text` holds anything `escapingControls` would change.
    public static func hasControls(_ text: String) -> Bool {
        text.unicodeScalars.contains { needsEscape($0, keepingLineBreaks: false) }
    }

    /// Whether `escapingControls` escapes `scalar`: for output formats with escapes
    /// of their own (JSON's `\uXXXX`) that must treat the same characters as unsafe.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        needsEscape(scalar, keepingLineBreaks: false)
    }

    static func needsEscape(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool) -> Bool {
        let value = scalar.value
        if keepingLineBreaks, value == 0x0A || value == 0x09 { return false }
        switch value {
        case 0x00...0x1F, 0x7F...0x9F: return true  // C0, DEL, C1 (CSI 0x9B, OSC 0x9D …)
        case 0x2028, 0x2029: return true  // line and paragraph separators split log lines too
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidi overrides ("Trojan Source")
        default: return false
        }
    }
}
