import Foundation

extension TemplateForm {
    /// The `path,value` table: UTF-8 with a byte order mark, so Excel does not read it
    /// as the system code page; CRLF line ends and quoting as RFC 4180 says. Comment
    /// rows (`# …`, which the reader skips) head each section and technical item.
    func csv() -> [UInt8] {
        var text = "path,value\r\n"
        for line in words.instructions {
            text += Self.csvField("# " + line) + "\r\n"
        }
        for line in tableLines() {
            switch line {
            case .comment(let comment):
                text += Self.csvField("# " + Self.oneLine(comment)) + "\r\n"
            case .row(let row):
                text += Self.csvField(row.path) + "," + Self.csvField(row.value ?? "") + "\r\n"
            }
        }
        return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
    }

    /// A field, quoted when it holds a comma, a quote, a line break or edge spaces.
    static func csvField(_ text: String) -> String {
        let needsQuotes =
            text.contains { $0 == "," || $0 == "\"" || $0.isNewline }
            || text.first?.isWhitespace == true || text.last?.isWhitespace == true
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
