/// An RFC 4180 table: rows of fields, each remembering its line and column so a
/// reading error can say exactly where ("line 12, column 3").
///
/// Accepts CRLF, LF or CR line ends, quoted fields with doubled quotes and line
/// breaks inside, a UTF-8 byte order mark, and a missing final line end.
public struct CSVTable: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public let value: String
        /// 1-based line of the field's first character.
        public let line: Int
        /// 1-based field position within its row.
        public let column: Int
    }

    public let rows: [[Field]]

    /// A problem that makes the text unreadable as CSV.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses `text`; blank lines are skipped.
    public init(parsing text: String) throws(ParseError) {
        var rows: [[Field]] = []
        var row: [Field] = []
        var field = ""
        var fieldLine = 1
        var line = 1
        var inQuotes = false
        var quotedField = false
        var quoteOpenedOn = 1
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var index = 0

        func endField() {
            row.append(Field(value: field, line: fieldLine, column: row.count + 1))
            field = ""
            quotedField = false
            fieldLine = line
        }
        func endRow() {
            endField()
            // A row of one empty, unquoted field is a blank line.
            if !(row.count == 1 && row[0].value.isEmpty) { rows.append(row) }
            row = []
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if inQuotes {
                if scalar == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" || (scalar == "\r" && !(index + 1 < scalars.count && scalars[index + 1] == "\n")) {
                        line += 1
                    }
                    field.unicodeScalars.append(scalar)
                }
            } else {
                switch scalar {
                case "\"" where field.isEmpty && !quotedField:
                    inQuotes = true
                    quotedField = true
                    quoteOpenedOn = line
                case "\"":
                    throw ParseError(line: line, message: "a quote inside an unquoted field (column \(row.count + 1)); quote the whole field and double the quote")
                case ",":
                    endField()
                case "\r", "\n":
                    if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                    endRow()
                    line += 1
                    fieldLine = line
                default:
                    if quotedField {
                        throw ParseError(line: line, message: "text after a closing quote (column \(row.count + 1))")
                    }
                    field.unicodeScalars.append(scalar)
                }
            }
            index += 1
        }
        if inQuotes { throw ParseError(line: quoteOpenedOn, message: "a quoted field is never closed") }
        if !field.isEmpty || !row.isEmpty || quotedField { endRow() }
        self.rows = rows
    }
}
