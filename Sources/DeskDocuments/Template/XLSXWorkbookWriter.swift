import Foundation
import ZIPFoundation

/// Writes a small XLSX workbook (Office Open XML, ECMA-376): text cells as inline
/// strings, a bold header row that stays in view, column widths, and cells that Excel
/// keeps as typed text. Just what the template needs; every part is written in the
/// element order the schema requires, which Excel (unlike most readers) insists on.
struct XLSXWorkbookWriter {
    /// The cell formats of `styles.xml`, by their index in `cellXfs`.
    enum Style: Int {
        case plain = 0
        case header = 1
        /// A blank to fill in: text format (`@`), so Excel keeps `2026/03/01` or `1.10`
        /// as typed, on a light fill that shows where to write.
        case input = 2
        /// A description: wrapped, top-aligned.
        case note = 3
        /// A comment row's heading.
        case heading = 4
    }

    struct Cell {
        var text: String?
        var style: Style

        static func text(_ text: String, _ style: Style = .plain) -> Cell { Cell(text: text, style: style) }
        static let input = Cell(text: nil, style: .input)
    }

    struct Column {
        var width: Double
        /// The style of cells a person adds to the column later.
        var style: Style?
    }

    struct Sheet {
        var name: String
        var columns: [Column]
        /// Rows from row 1; `nil` leaves a cell out.
        var rows: [[Cell?]]
    }

    var sheets: [Sheet] = []
    /// The font the workbook's cells use (Excel substitutes one with the glyphs if missing).
    var fontName = "Calibri"

    /// The workbook as the bytes of a ZIP archive.
    func bytes() throws(TemplateError) -> [UInt8] {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (path, text) in parts() {
                let data = Data(text.utf8)
                // A fixed date keeps the output a function of its input alone.
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count),
                    modificationDate: Date(timeIntervalSince1970: 946_684_800), compressionMethod: .deflate
                ) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw TemplateError("the workbook archive has no data") }
            return Array(data)
        } catch let error as TemplateError {
            throw error
        } catch {
            throw TemplateError("cannot write the XLSX workbook: \(error)")
        }
    }

    private static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationshipNamespace =
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"

    /// Every part, `[Content_Types].xml` first as the format recommends.
    func parts() -> [(String, String)] {
        var parts: [(String, String)] = []
        let sheetTypes = sheets.indices.map {
            #"<Override PartName="/xl/worksheets/sheet\#($0 + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }.joined()
        parts.append(
            (
                "[Content_Types].xml",
                Self.declaration
                    + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
                    + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
                    + #"<Default Extension="xml" ContentType="application/xml"/>"#
                    + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                    + sheetTypes
                    + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
                    + "</Types>"
            ))
        parts.append(
            (
                "_rels/.rels",
                Self.declaration
                    + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                    + #"<Relationship Id="rId1" Type="\#(Self.relationshipNamespace)/officeDocument" Target="xl/workbook.xml"/>"#
                    + "</Relationships>"
            ))
        let sheetEntries = sheets.enumerated().map { index, sheet in
            #"<sheet name="\#(Self.escape(sheet.name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }.joined()
        parts.append(
            (
                "xl/workbook.xml",
                Self.declaration
                    + #"<workbook xmlns="\#(Self.mainNamespace)" xmlns:r="\#(Self.relationshipNamespace)">"#
                    + #"<bookViews><workbookView activeTab="0"/></bookViews>"#
                    + "<sheets>\(sheetEntries)</sheets></workbook>"
            ))
        let sheetRelationships = sheets.indices.map {
            #"<Relationship Id="rId\#($0 + 1)" Type="\#(Self.relationshipNamespace)/worksheet" Target="worksheets/sheet\#($0 + 1).xml"/>"#
        }.joined()
        parts.append(
            (
                "xl/_rels/workbook.xml.rels",
                Self.declaration
                    + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                    + sheetRelationships
                    + #"<Relationship Id="rId\#(sheets.count + 1)" Type="\#(Self.relationshipNamespace)/styles" Target="styles.xml"/>"#
                    + "</Relationships>"
            ))
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", Self.worksheet(sheet, selected: index == 0)))
        }
        parts.append(("xl/styles.xml", styles()))
        return parts
    }

    private static func worksheet(_ sheet: Sheet, selected: Bool) -> String {
        var xml = declaration + #"<worksheet xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipNamespace)">"#
        let lastColumn = max(1, sheet.columns.count, sheet.rows.map(\.count).max() ?? 1)
        xml += #"<dimension ref="A1:\#(reference(row: max(1, sheet.rows.count), column: lastColumn))"/>"#
        // The header row stays in view while scrolling.
        xml +=
            #"<sheetViews><sheetView workbookViewId="0"\#(selected ? #" tabSelected="1""# : "")>"#
            + #"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            + #"<selection pane="bottomLeft" activeCell="B2" sqref="B2"/></sheetView></sheetViews>"#
        xml += #"<sheetFormatPr defaultRowHeight="15"/>"#
        if !sheet.columns.isEmpty {
            xml += "<cols>"
            for (index, column) in sheet.columns.enumerated() {
                let style = column.style.map { #" style="\#($0.rawValue)""# } ?? ""
                xml +=
                    #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(column.width)"\#(style) customWidth="1"/>"#
            }
            xml += "</cols>"
        }
        xml += "<sheetData>"
        for (rowIndex, row) in sheet.rows.enumerated() {
            xml += #"<row r="\#(rowIndex + 1)">"#
            for (columnIndex, cell) in row.enumerated() {
                guard let cell else { continue }
                let ref = reference(row: rowIndex + 1, column: columnIndex + 1)
                let style = cell.style == .plain ? "" : #" s="\#(cell.style.rawValue)""#
                if let text = cell.text {
                    let space =
                        text.first?.isWhitespace == true || text.last?.isWhitespace == true
                        ? #" xml:space="preserve""# : ""
                    xml += #"<c r="\#(ref)"\#(style) t="inlineStr"><is><t\#(space)>\#(escape(text))</t></is></c>"#
                } else {
                    xml += #"<c r="\#(ref)"\#(style)/>"#
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        xml += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        return xml + "</worksheet>"
    }

    private func styles() -> String {
        let font = #"<sz val="11"/><name val="\#(Self.escape(fontName))"/><family val="2"/>"#
        return Self.declaration
            + #"<styleSheet xmlns="\#(Self.mainNamespace)">"#
            + #"<fonts count="2"><font>\#(font)</font><font><b/>\#(font)</font></fonts>"#
            + #"<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#
            + #"<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/><bgColor indexed="64"/></patternFill></fill>"#
            + #"<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>"#
            + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
            + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
            + #"<cellXfs count="5">"#
            + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
            + #"<xf numFmtId="0" fontId="1" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>"#
            + #"<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>"#
            + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>"#
            + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
            + "</cellXfs>"
            + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
            + "</styleSheet>"
    }

    /// `B7` for row 7, column 2.
    static func reference(row: Int, column: Int) -> String {
        var letters = ""
        var number = column
        while number > 0 {
            let remainder = (number - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + remainder))) + letters
            number = (number - 1) / 26
        }
        return letters + String(row)
    }

    /// Text as XML character data or an attribute value. Characters XML 1.0 cannot
    /// hold (most C0 controls) are left out.
    static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
