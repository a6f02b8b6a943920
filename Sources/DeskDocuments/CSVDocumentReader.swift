import DeskCore

/// The CSV form (PRODUCT.md §4.2) → `path,value` rows → the intermediate tree.
///
/// UTF-8 with or without a BOM, UTF-16 with a BOM, else CP932 (what Excel on Japanese
/// Windows saves). RFC 4180 quoting through DeskCore's ``CSVTable``. A table over
/// ``DocumentLimits/maxRows`` is refused after one quick pass over the bytes, before
/// any decoding or parsing.
enum CSVDocumentReader {
    static func read(
        _ bytes: [UInt8], source: DocumentSource, limits: DocumentLimits, problems: inout [DocumentProblem]
    ) -> DocumentNode? {
        // The header row, plus the limit, plus a blank last line.
        if let records = recordCount(bytes, stoppingAfter: limits.maxRows + 2), records > limits.maxRows + 1 {
            problems.append(
                DocumentProblem(
                    location: source.fileLocation,
                    message:
                        "the table has more than \(limits.maxRows) rows (a self-assessment has about 400); it was not read"
                ))
            return nil
        }
        let text: String
        if let unicode = DocumentText.unicode(bytes) {
            text = unicode
        } else if let decoded = DocumentText.cp932(bytes) {
            if decoded.replaced > 0 {
                let line = DocumentText.firstInvalidUTF8(bytes)?.line
                problems.append(
                    DocumentProblem(
                        location: line.map(source.line) ?? source.fileLocation,
                        message:
                            "the file is neither UTF-8 nor CP932 (Shift_JIS): \(decoded.replaced) bytes could not be read and show as �; save it as UTF-8 CSV"
                    ))
            }
            text = decoded.text
        } else {
            problems.append(
                DocumentProblem(
                    location: source.fileLocation,
                    message: "the file is not UTF-8, and CP932 cannot be decoded on this system"))
            return nil
        }
        let table: CSVTable
        do {
            table = try CSVTable(parsing: text)
        } catch {
            problems.append(
                DocumentProblem(
                    location: source.line(error.line), message: "the CSV is not well-formed: \(error.message)"))
            return nil
        }
        if table.rows.count > limits.maxRows + 1 {
            problems.append(
                DocumentProblem(
                    location: source.fileLocation,
                    message:
                        "the table has more than \(limits.maxRows) rows (a self-assessment has about 400); it was not read"
                ))
            return nil
        }
        var rows = table.rows[...]
        // Excel's `sep=,` hint line, when present, comes before the header.
        if let first = rows.first, first.count == 1, first[0].value.lowercased().hasPrefix("sep=") {
            rows = rows.dropFirst()
        }
        guard let header = rows.first else {
            problems.append(DocumentProblem(location: source.fileLocation, message: "the CSV has no rows"))
            return nil
        }
        let headerCells = header.map { $0.value.trimmingCharacters(in: .whitespaces).lowercased() }
        if headerCells.first == "path" {
            rows = rows.dropFirst()
            if headerCells.count < 2 || headerCells[1] != "value" {
                problems.append(
                    DocumentProblem(
                        location: source.line(header[0].line),
                        message: "the header should be `path,value`; the second column is read as the value"))
            }
        } else if header[0].value.contains(".") || SelfAssessmentBinder.topLevelKeys.contains(headerCells[0]) {
            problems.append(
                DocumentProblem(
                    location: source.line(header[0].line),
                    message: "no `path,value` header row; the first row is read as data"))
        } else {
            problems.append(
                DocumentProblem(
                    location: source.line(header[0].line),
                    message:
                        "not a self-assessment table: its header is `\(header.map(\.value).joined(separator: ","))`, not `path,value`"
                ))
            return nil
        }
        var entries: [PathEntry] = []
        var reportedExtraColumns = false
        for row in rows {
            let path = row[0].value.trimmingCharacters(in: .whitespaces)
            let valueField = row.count > 1 ? row[1] : nil
            let value = valueField?.value ?? ""
            if path.hasPrefix("#") { continue }  // a comment row, as a template may have
            if path.isEmpty {
                if !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problems.append(
                        DocumentProblem(
                            location: source.line(row[0].line, column: 1),
                            message: "a value without a path; it was ignored"))
                }
                continue
            }
            if !reportedExtraColumns,
                row.dropFirst(2).contains(where: { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty })
            {
                reportedExtraColumns = true
                problems.append(
                    DocumentProblem(
                        location: source.line(row[0].line, column: 3),
                        message: "columns after `value` are ignored (first seen here)"))
            }
            entries.append(
                PathEntry(
                    path: path, pathLocation: source.line(row[0].line, column: 1),
                    value: .text(value),
                    valueLocation: source.line(valueField?.line ?? row[0].line, column: 2)))
        }
        return PathTableBuilder.tree(from: entries, problems: &problems)
    }

    /// Counts records (line ends outside quoted fields) up to `limit`, in one pass over
    /// the bytes. Quotes and line ends are single bytes in UTF-8 and CP932 alike (no CP932
    /// trail byte is below 0x40), so this needs no decoding. Nil for UTF-16 text.
    static func recordCount(_ bytes: [UInt8], stoppingAfter limit: Int) -> Int? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return nil }
        var records = 0
        var inQuotes = false
        var lastWasLineEnd = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""):
                inQuotes.toggle()
                lastWasLineEnd = false
            case 0x0A where !inQuotes, 0x0D where !inQuotes:
                if !lastWasLineEnd {
                    records += 1
                    if records > limit { return records }
                }
                lastWasLineEnd = true
            default:
                lastWasLineEnd = false
            }
        }
        return lastWasLineEnd ? records : records + 1
    }
}
