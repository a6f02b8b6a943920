import DeskCore
import Foundation
import ZIPFoundation

/// Writes minimal XLSX files in tests, part by part, so each test controls exactly
/// what the reader sees: shared or inline strings, date styles, the date system,
/// hostile parts.
struct WorkbookBuilder {
    enum Cell {
        case inline(String)
        /// A shared string: the text goes into sharedStrings.xml.
        case shared(String)
        /// A shared string written as rich text runs, with a phonetic guide that must not be read.
        case rich([String], phonetic: String)
        /// The same rich text and furigana, written inline in the cell (`<is>`).
        case inlineRich([String], phonetic: String)
        case number(String)
        /// A number with the date style (`yyyy-mm-dd`).
        case dateSerial(Int)
        case bool(Bool)
        /// `t="d"`: ISO 8601 text.
        case isoDate(String)
        case error(String)
    }

    struct Sheet {
        var name: String
        /// Rows from row 1; `nil` cells are left out.
        var rows: [[Cell?]]
    }

    var sheets: [Sheet]
    var date1904 = false
    /// Extra or replacement parts, by path.
    var overrides: [String: String] = [:]

    /// A `Self-Assessment` sheet holding `path,value` rows under a header.
    static func pathTable(_ rows: [(String, Cell?)], technical: [[Cell?]]? = nil) -> WorkbookBuilder {
        var sheets = [
            Sheet(
                name: "Self-Assessment",
                rows: [[.inline("path"), .inline("value")]] + rows.map { [.inline($0.0), $0.1] })
        ]
        if let technical { sheets.append(Sheet(name: "Technical", rows: technical)) }
        return WorkbookBuilder(sheets: sheets)
    }

    func parts() -> [(String, String)] {
        var sharedStrings: [String] = []
        func sheetXML(_ sheet: Sheet) -> String {
            var xml =
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            for (rowIndex, row) in sheet.rows.enumerated() {
                xml += #"<row r="\#(rowIndex + 1)">"#
                for (columnIndex, cell) in row.enumerated() {
                    guard let cell else { continue }
                    let reference = String(UnicodeScalar(UInt8(65 + columnIndex))) + String(rowIndex + 1)
                    switch cell {
                    case .inline(let text):
                        xml += #"<c r="\#(reference)" t="inlineStr"><is><t>\#(escaped(text))</t></is></c>"#
                    case .shared(let text):
                        sharedStrings.append("<si><t>\(escaped(text))</t></si>")
                        xml += #"<c r="\#(reference)" t="s"><v>\#(sharedStrings.count - 1)</v></c>"#
                    case .rich(let runs, let phonetic):
                        let body = runs.map { "<r><rPr><b/></rPr><t xml:space=\"preserve\">\(escaped($0))</t></r>" }
                            .joined()
                        sharedStrings.append("<si>\(body)<rPh sb=\"0\" eb=\"1\"><t>\(escaped(phonetic))</t></rPh></si>")
                        xml += #"<c r="\#(reference)" t="s"><v>\#(sharedStrings.count - 1)</v></c>"#
                    case .inlineRich(let runs, let phonetic):
                        let body = runs.map { "<r><t xml:space=\"preserve\">\(escaped($0))</t></r>" }.joined()
                        xml += #"<c r="\#(reference)" t="inlineStr"><is>\#(body)<rPh sb="0" eb="1"><t>\#(escaped(phonetic))</t></rPh></is></c>"#
                    case .number(let text): xml += #"<c r="\#(reference)"><v>\#(text)</v></c>"#
                    case .dateSerial(let serial): xml += #"<c r="\#(reference)" s="1"><v>\#(serial)</v></c>"#
                    case .bool(let value): xml += #"<c r="\#(reference)" t="b"><v>\#(value ? 1 : 0)</v></c>"#
                    case .isoDate(let text): xml += #"<c r="\#(reference)" t="d"><v>\#(text)</v></c>"#
                    case .error(let code): xml += #"<c r="\#(reference)" t="e"><v>\#(code)</v></c>"#
                    }
                }
                xml += "</row>"
            }
            return xml + "</sheetData></worksheet>"
        }
        let sheetParts = sheets.enumerated().map { ("xl/worksheets/sheet\($0.offset + 1).xml", sheetXML($0.element)) }
        let sheetEntries = sheets.enumerated().map {
            #"<sheet name="\#(escaped($0.element.name))" sheetId="\#($0.offset + 1)" r:id="rId\#($0.offset + 1)"/>"#
        }.joined()
        let sheetRelationships = sheets.indices.map {
            #"<Relationship Id="rId\#($0 + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#($0 + 1).xml"/>"#
        }.joined()
        var parts: [(String, String)] = [
            (
                "[Content_Types].xml",
                #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#
            ),
            (
                "_rels/.rels",
                #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
            (
                "xl/workbook.xml",
                #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr\#(date1904 ? #" date1904="1""# : "")/><sheets>\#(sheetEntries)</sheets></workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#(sheetRelationships)<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
            (
                "xl/styles.xml",
                #"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="164" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ]
        parts += sheetParts
        parts.append(
            (
                "xl/sharedStrings.xml",
                #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(sharedStrings.count)" uniqueCount="\#(sharedStrings.count)">\#(sharedStrings.joined())</sst>"#
            ))
        for (path, content) in overrides.sorted(by: { $0.key < $1.key }) {
            if let index = parts.firstIndex(where: { $0.0 == path }) {
                parts[index].1 = content
            } else {
                parts.append((path, content))
            }
        }
        return parts
    }

    func bytes() throws -> [UInt8] { try Self.zip(parts().map { ($0.0, Data($0.1.utf8)) }) }

    /// A ZIP of the given entries, deflated.
    static func zip(_ entries: [(String, Data)]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in entries {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return Array(data)
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
