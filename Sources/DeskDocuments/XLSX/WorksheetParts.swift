import Foundation

/// A cell's content as the sheet stores it, before styles and shared strings are applied.
enum RawCellValue: Sendable, Equatable {
    case sharedString(index: String)
    case text(String)
    case number(String)
    case bool(Bool)
    /// `t="d"`: an ISO 8601 date written as text.
    case isoDate(String)
    /// `t="e"`: `#N/A`, `#REF!` …
    case error(String)
}

struct RawCell: Sendable {
    var row: Int
    var column: Int
    var reference: String
    var style: Int?
    var value: RawCellValue
}

/// Reads the cells of one worksheet, keeping only the first `maxColumn` columns and
/// stopping with a failure past `maxRows` rows.
final class WorksheetParser: XMLPartHandler {
    private(set) var cells: [RawCell] = []
    private let maxColumn: Int
    private let maxRows: Int
    private let tooManyRows: WorkbookFailure

    private var rowCount = 0
    private var currentRow = 0
    private var currentColumn = 0
    private var cell: (row: Int, column: Int, style: Int?, type: String)?
    private var value: String?
    /// `<v>` text being collected.
    private var collectingValue = false
    private var buffer = ""
    /// The `<is>` inline string being collected.
    private var inlineText = RichTextRuns()

    init(maxColumn: Int, maxRows: Int, tooManyRows: WorkbookFailure) {
        self.maxColumn = maxColumn
        self.maxRows = maxRows
        self.tooManyRows = tooManyRows
    }

    func start(_ element: String, attributes: [String: String]) throws(WorkbookFailure) {
        switch element {
        case "row":
            rowCount += 1
            // The header row is one more than the limit allows for data.
            if rowCount > maxRows + 1 { throw tooManyRows }
            currentRow = attributes["r"].flatMap(Int.init) ?? currentRow + 1
            currentColumn = 0
        case "c":
            let position = attributes["r"].flatMap(Self.position)
            currentColumn = position?.column ?? currentColumn + 1
            if let row = position?.row { currentRow = row }
            cell = (currentRow, currentColumn, attributes["s"].flatMap(Int.init), attributes["t"] ?? "n")
            value = nil
            inlineText = RichTextRuns()
        case "v" where cell != nil:
            collectingValue = true
            buffer = ""
        case "is" where cell != nil:
            inlineText.begin()
        default:
            inlineText.start(element)
        }
    }

    func end(_ element: String) {
        switch element {
        case "v" where collectingValue:
            value = buffer
            collectingValue = false
        case "c":
            if let cell, cell.column <= maxColumn,
                let content = Self.value(type: cell.type, value: value, inlineText: inlineText.text)
            {
                cells.append(
                    RawCell(
                        row: cell.row, column: cell.column,
                        reference: Self.reference(row: cell.row, column: cell.column),
                        style: cell.style, value: content))
            }
            cell = nil
        default:
            inlineText.end(element)
        }
    }

    func characters(_ text: String) {
        if collectingValue { buffer += text }
        inlineText.characters(text)
    }

    private static func value(type: String, value: String?, inlineText: String?) -> RawCellValue? {
        switch type {
        case "inlineStr": return inlineText.map(RawCellValue.text) ?? value.map(RawCellValue.text)
        case "s": return value.map { .sharedString(index: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        case "str": return value.map(RawCellValue.text)
        case "b":
            return value.map {
                .bool(
                    $0.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
                        || $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "true")
            }
        case "d": return value.map(RawCellValue.isoDate)
        case "e": return value.map(RawCellValue.error)
        default: return value.map { .number($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// `B7` → row 7, column 2.
    static func position(_ reference: String) -> (row: Int, column: Int)? {
        var column = 0
        var row = 0
        var sawDigit = false
        for scalar in reference.unicodeScalars {
            switch scalar {
            case "A"..."Z" where !sawDigit:
                column = column * 26 + Int(scalar.value - 64)
                if column > 16_384 { return nil }
            case "a"..."z" where !sawDigit:
                column = column * 26 + Int(scalar.value - 96)
                if column > 16_384 { return nil }
            case "0"..."9":
                sawDigit = true
                row = row * 10 + Int(scalar.value - 48)
                if row > 1_048_576 { return nil }
            case "$":
                continue
            default:
                return nil
            }
        }
        return column > 0 && row > 0 ? (row, column) : nil
    }

    static func reference(row: Int, column: Int) -> String {
        var letters = ""
        var remaining = column
        while remaining > 0 {
            let digit = (remaining - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + digit))) + letters
            remaining = (remaining - 1) / 26
        }
        return letters + String(row)
    }
}

/// Reads `sharedStrings.xml`: each `<si>` is the text of its `<t>` runs (rich text
/// included), phonetic guides left out.
final class SharedStringsParser: XMLPartHandler {
    private(set) var strings: [String] = []
    private let maxStrings: Int
    private let tooMany: WorkbookFailure
    private var current = RichTextRuns()

    init(maxStrings: Int, tooMany: WorkbookFailure) {
        self.maxStrings = maxStrings
        self.tooMany = tooMany
    }

    func start(_ element: String, attributes: [String: String]) throws(WorkbookFailure) {
        switch element {
        case "si":
            if strings.count >= maxStrings { throw tooMany }
            current.begin()
        default:
            current.start(element)
        }
    }

    func end(_ element: String) {
        switch element {
        case "si":
            strings.append(current.text ?? "")
            current = RichTextRuns()
        default:
            current.end(element)
        }
    }

    func characters(_ text: String) { current.characters(text) }
}

/// The text of one Excel string (`<si>` in sharedStrings.xml, `<is>` in a cell):
/// its `<t>` runs in order, rich text included, phonetic guides (`<rPh>`,
/// furigana) left out. Shared by both parsers so the two cannot read text differently.
struct RichTextRuns {
    /// The text so far; nil when no string has begun.
    private(set) var text: String?
    private var phoneticDepth = 0
    private var inRun = false
    private var run = ""

    /// A string starts (`<si>`, `<is>`).
    mutating func begin() {
        self = RichTextRuns()
        text = ""
    }

    mutating func start(_ element: String) {
        switch element {
        case "rPh": phoneticDepth += 1
        case "t" where text != nil && phoneticDepth == 0:
            inRun = true
            run = ""
        default: break
        }
    }

    mutating func end(_ element: String) {
        switch element {
        case "t" where inRun:
            text? += run
            inRun = false
        case "rPh": phoneticDepth = max(0, phoneticDepth - 1)
        default: break
        }
    }

    mutating func characters(_ characters: String) { if inRun { run += characters } }
}
