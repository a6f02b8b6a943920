import DeskCore
import Foundation

/// The XLSX form (PRODUCT.md §4.3) → `path,value` rows → the intermediate tree.
///
/// Sheet `Self-Assessment` holds the CSV form's table; the optional sheet `Technical`
/// has one row per item (A: id, B: title, C–F: answers for case studies 1–4, G–J:
/// their evidence). Both become `path,value` entries, so an answer given in both
/// sheets is compared like any repeated path: agreeing answers are one, disagreeing
/// ones are a conflict naming both cells.
///
/// Refused before anything is inflated: an OLE2 container (a password-protected
/// workbook, or an old .xls), anything that is not a ZIP, too many entries, a
/// declared size over the limit. Refused while reading: an actual size over the
/// limit, XML with a document type declaration, a sheet over the row limit.
enum XLSXDocumentReader {
    static let selfAssessmentSheet = "Self-Assessment"
    static let technicalSheet = "Technical"

    static func read(
        _ bytes: [UInt8], source: DocumentSource, limits: DocumentLimits, problems: inout [DocumentProblem]
    ) -> DocumentNode? {
        do throws(WorkbookFailure) {
            let workbook = try Workbook(bytes: bytes, source: source, limits: limits)
            return try rows(of: workbook, problems: &problems)
        } catch {
            problems.append(DocumentProblem(location: error.location, message: error.message))
            return nil
        }
    }

    private static func rows(of workbook: Workbook, problems: inout [DocumentProblem]) throws(WorkbookFailure)
        -> DocumentNode?
    {
        let source = workbook.source
        var entries: [PathEntry] = []
        let main = workbook.sheet(named: selfAssessmentSheet)
        let technical = workbook.sheet(named: technicalSheet)
        if let main {
            entries += try pathRows(of: main, in: workbook, problems: &problems)
        } else if technical == nil {
            let names = workbook.sheets.map(\.name).joined(separator: ", ")
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook has no sheet named \(selfAssessmentSheet) (its sheets: \(names.isEmpty ? "none" : names))"
            )
        } else {
            problems.append(
                DocumentProblem(
                    location: source.fileLocation,
                    message:
                        "the workbook has no sheet named \(selfAssessmentSheet); only the \(technicalSheet) answers were read"
                ))
        }
        if let technical {
            entries += try technicalRows(of: technical, in: workbook, problems: &problems)
        }
        return PathTableBuilder.tree(from: entries, problems: &problems)
    }

    /// The `path,value` table: column A the path, column B the value, a header row first.
    private static func pathRows(of sheet: Workbook.Sheet, in workbook: Workbook, problems: inout [DocumentProblem])
        throws(WorkbookFailure) -> [PathEntry]
    {
        let cells = try workbook.cells(of: sheet, maxColumn: 2)
        let rows = Dictionary(grouping: cells, by: \.row).sorted { $0.key < $1.key }
        var entries: [PathEntry] = []
        var sawHeader = false
        for (_, rowCells) in rows {
            let pathCell = rowCells.first { $0.column == 1 }
            let valueCell = rowCells.first { $0.column == 2 }
            let path =
                pathCell.map {
                    workbook.scalar(of: $0, sheet: sheet, problems: &problems).written.trimmingCharacters(
                        in: .whitespacesAndNewlines)
                } ?? ""
            if !sawHeader {
                sawHeader = true
                if path.lowercased() == "path" { continue }
                problems.append(
                    DocumentProblem(
                        location: pathCell.map { workbook.location(sheet, $0) },
                        message: "no `path`,`value` header row; the first row is read as data"))
            }
            if path.hasPrefix("#") { continue }
            let value =
                valueCell.map { workbook.scalar(of: $0, sheet: sheet, problems: &problems) }
                ?? DocumentScalar(kind: .null, written: "")
            guard let pathCell, !path.isEmpty else {
                if let valueCell, value.kind != .null {
                    problems.append(
                        DocumentProblem(
                            location: workbook.location(sheet, valueCell),
                            message: "a value without a path; it was ignored"))
                }
                continue
            }
            let valueReference = WorksheetParser.reference(row: pathCell.row, column: 2)
            entries.append(
                PathEntry(
                    path: path, pathLocation: workbook.location(sheet, pathCell), value: value,
                    valueLocation: workbook.source.cell(
                        sheet: sheet.name, reference: valueCell?.reference ?? valueReference)))
        }
        return entries
    }

    /// One row per technical item: A the id, B its title (ignored), C–F the answers
    /// for case studies 1–4, G–J their evidence; one header row.
    private static func technicalRows(
        of sheet: Workbook.Sheet, in workbook: Workbook, problems: inout [DocumentProblem]
    ) throws(WorkbookFailure) -> [PathEntry] {
        let cells = try workbook.cells(of: sheet, maxColumn: 10)
        let rows = Dictionary(grouping: cells, by: \.row).sorted { $0.key < $1.key }
        var entries: [PathEntry] = []
        for (offset, (_, rowCells)) in rows.enumerated() {
            let idCell = rowCells.first { $0.column == 1 }
            let id =
                idCell.map {
                    workbook.scalar(of: $0, sheet: sheet, problems: &problems).written.trimmingCharacters(
                        in: .whitespacesAndNewlines)
                } ?? ""
            // The first row is the header unless it already names an item.
            if offset == 0, !id.uppercased().hasPrefix("TECH") { continue }
            let answerCells = rowCells.filter { $0.column >= 3 }
            guard let idCell, !id.isEmpty else {
                if let stray = answerCells.first {
                    problems.append(
                        DocumentProblem(
                            location: workbook.location(sheet, stray),
                            message: "an answer in a row without an item id in column A; it was ignored"))
                }
                continue
            }
            for cell in answerCells {
                let isEvidence = cell.column >= 7
                let caseStudy = isEvidence ? cell.column - 6 : cell.column - 2
                let field = isEvidence ? "evidence" : "answer"
                entries.append(
                    PathEntry(
                        path: "case_studies.\(caseStudy).technical.\(id).\(field)",
                        pathLocation: workbook.location(sheet, idCell),
                        value: workbook.scalar(of: cell, sheet: sheet, problems: &problems),
                        valueLocation: workbook.location(sheet, cell)))
            }
        }
        return entries
    }
}

/// The parts of a workbook this reader needs, found the way the format says:
/// `_rels/.rels` → the workbook → its relationships → sheets, shared strings, styles.
final class Workbook {
    struct Sheet {
        var name: String
        var partPath: String
    }

    let source: DocumentSource
    let limits: DocumentLimits
    private let archive: WorkbookArchive
    private(set) var sheets: [Sheet] = []
    private(set) var date1904 = false
    private var sharedStrings: [String] = []
    /// Per cell style (`s`): whether its number format shows a date.
    private var dateStyles: [Bool] = []

    init(bytes: [UInt8], source: DocumentSource, limits: DocumentLimits) throws(WorkbookFailure) {
        self.source = source
        self.limits = limits
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw WorkbookFailure(location: source.fileLocation, message: Self.describeOLE(bytes))
        }
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the file is not an XLSX workbook (not a ZIP archive); save it as .xlsx")
        }
        archive = try WorkbookArchive(bytes: bytes, source: source, limits: limits)
        try load()
    }

    /// An OLE2 compound file under an .xlsx name: Excel writes a password-protected
    /// workbook this way (the real workbook is encrypted inside); otherwise it is the
    /// old binary .xls format.
    private static func describeOLE(_ bytes: [UInt8]) -> String {
        let marker = Array("EncryptionInfo".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let encrypted =
            bytes.count >= marker.count
            && (0...(bytes.count - marker.count)).contains { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
        return encrypted
            ? "the workbook is password-protected; send it without a password"
            : "the file is an old Excel 97–2003 workbook (or a password-protected one), not .xlsx; save it as .xlsx without a password"
    }

    private func tree(_ path: String) throws(WorkbookFailure) -> XMLElementTree? {
        guard let bytes = try archive.part(path) else { return nil }
        let tree = XMLElementTree(
            maxElements: 100_000,
            failure: WorkbookFailure(
                location: source.fileLocation,
                message: "the workbook part \(path) has more than 100000 elements; it was not read"))
        try XMLPart.parse(bytes, partName: path, source: source, delegate: tree)
        return tree
    }

    /// Relationship targets by id, resolved against the folder of the part they belong to.
    private func relationships(of partPath: String) throws(WorkbookFailure) -> [(
        id: String, type: String, target: String
    )] {
        let folder = partPath.split(separator: "/").dropLast().joined(separator: "/")
        let fileName = partPath.split(separator: "/").last.map(String.init) ?? partPath
        let relsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + fileName + ".rels"
        guard let tree = try tree(relsPath), let root = tree.root.first("Relationships") else { return [] }
        return root.all("Relationship").compactMap { element in
            guard let id = element.attributes["Id"], let target = element.attributes["Target"],
                element.attributes["TargetMode"]?.lowercased() != "external"
            else { return nil }
            return (id, element.attributes["Type"] ?? "", Self.resolve(target, against: folder))
        }
    }

    static func resolve(_ target: String, against folder: String) -> String {
        var parts = target.hasPrefix("/") ? [] : folder.split(separator: "/").map(String.init)
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    private func load() throws(WorkbookFailure) {
        let packageRelationships = try relationships(of: "")
        let workbookPath =
            packageRelationships.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
        guard let workbook = try tree(workbookPath), let root = workbook.root.first("workbook") else {
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the file is not an XLSX workbook: it has no workbook part; save it as .xlsx")
        }
        if let flag = root.first("workbookPr")?.attributes["date1904"]?.lowercased() {
            date1904 = flag == "1" || flag == "true"
        }
        let relationships = try relationships(of: workbookPath)
        let targets = Dictionary(relationships.map { ($0.id, $0.target) }, uniquingKeysWith: { first, _ in first })
        let folder = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
        for sheet in root.first("sheets")?.all("sheet") ?? [] {
            guard let name = sheet.attributes["name"], let id = sheet.attributes["id"], let target = targets[id] else {
                continue
            }
            sheets.append(Sheet(name: name, partPath: target))
        }
        let sharedStringsPath =
            relationships.first { $0.type.hasSuffix("/sharedStrings") }?.target ?? (folder.isEmpty ? "" : folder + "/")
            + "sharedStrings.xml"
        if let bytes = try archive.part(sharedStringsPath) {
            let parser = SharedStringsParser(
                maxStrings: limits.maxSharedStrings,
                tooMany: WorkbookFailure(
                    location: source.fileLocation,
                    message: "the workbook has more than \(limits.maxSharedStrings) shared strings; it was not read"))
            try XMLPart.parse(bytes, partName: sharedStringsPath, source: source, delegate: parser)
            sharedStrings = parser.strings
        }
        if let stylesPath = relationships.first(where: { $0.type.hasSuffix("/styles") })?.target,
            let styles = try tree(stylesPath),
            let styleSheet = styles.root.first("styleSheet")
        {
            var codes: [Int: String] = [:]
            for format in styleSheet.first("numFmts")?.all("numFmt") ?? [] {
                if let id = format.attributes["numFmtId"].flatMap(Int.init), let code = format.attributes["formatCode"]
                {
                    codes[id] = code
                }
            }
            dateStyles = (styleSheet.first("cellXfs")?.all("xf") ?? []).map { xf in
                let id = xf.attributes["numFmtId"].flatMap(Int.init) ?? 0
                return SpreadsheetDates.isDateFormat(id: id, code: codes[id])
            }
        }
    }

    /// The sheet with this name; letter case and surrounding spaces do not matter.
    func sheet(named name: String) -> Sheet? {
        sheets.first { $0.name == name }
            ?? sheets.first { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() }
    }

    func cells(of sheet: Sheet, maxColumn: Int) throws(WorkbookFailure) -> [RawCell] {
        guard let bytes = try archive.part(sheet.partPath) else {
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the workbook is damaged: sheet \(sheet.name) has no part \(sheet.partPath)")
        }
        let parser = WorksheetParser(
            maxColumn: maxColumn, maxRows: limits.maxRows,
            tooManyRows: WorkbookFailure(
                location: source.cell(sheet: sheet.name, reference: "A\(limits.maxRows + 2)"),
                message:
                    "sheet \(sheet.name) has more than \(limits.maxRows) rows (a self-assessment has about 400); it was not read"
            ))
        try XMLPart.parse(bytes, partName: sheet.partPath, source: source, delegate: parser)
        return parser.cells
    }

    func location(_ sheet: Sheet, _ cell: RawCell) -> String {
        source.cell(sheet: sheet.name, reference: cell.reference)
    }

    /// A cell's value as the binder sees it: shared strings looked up, date cells as dates.
    func scalar(of cell: RawCell, sheet: Sheet, problems: inout [DocumentProblem]) -> DocumentScalar {
        switch cell.value {
        case .text(let text):
            return .text(text)
        case .sharedString(let index):
            guard let position = Int(index), sharedStrings.indices.contains(position) else {
                problems.append(
                    DocumentProblem(
                        location: location(sheet, cell),
                        message: "the cell refers to shared string \(index), which the workbook does not have"))
                return DocumentScalar(kind: .null, written: "")
            }
            return .text(sharedStrings[position])
        case .bool(let value):
            return DocumentScalar(kind: .bool(value), written: value ? "TRUE" : "FALSE")
        case .isoDate(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let date = LocalDate(iso: trimmed.prefix(10)) {
                return DocumentScalar(kind: .date(date), written: date.iso)
            }
            return .text(trimmed)
        case .error(let code):
            problems.append(
                DocumentProblem(
                    location: location(sheet, cell), message: "the cell shows the error \(code); its value was not read"
                ))
            return DocumentScalar(kind: .null, written: "")
        case .number(let text):
            guard let number = Double(text) else { return .text(text) }
            let serialDate = SpreadsheetDates.date(serial: number, date1904: date1904)
            let isDate = cell.style.map { dateStyles.indices.contains($0) && dateStyles[$0] } ?? false
            if isDate, let serialDate { return DocumentScalar(kind: .date(serialDate), written: serialDate.iso) }
            if isDate {
                problems.append(
                    DocumentProblem(
                        location: location(sheet, cell),
                        message:
                            "the date cell holds \(text), which is no calendar date in the workbook's \(date1904 ? "1904" : "1900") date system"
                    ))
            }
            let written = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : text
            return DocumentScalar(kind: .number, written: written, serialDate: serialDate)
        }
    }
}
