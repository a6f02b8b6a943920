import DeskCore

extension TemplateForm {
    /// The XLSX form: `Self-Assessment` (path, value, what it means) without the
    /// technical items, which are on `Technical`, one row per item with a column per
    /// case study, the way reviewers and partners read the seed's checklist.
    func xlsx() throws(TemplateError) -> [UInt8] {
        var writer = XLSXWorkbookWriter()
        writer.fontName = language == .ja ? "Yu Gothic" : "Calibri"
        writer.sheets = [selfAssessmentSheet(), technicalSheet()]
        return try writer.bytes()
    }

    private func selfAssessmentSheet() -> XLSXWorkbookWriter.Sheet {
        typealias Cell = XLSXWorkbookWriter.Cell
        var rows: [[Cell?]] = [
            [.text("path", .header), .text("value", .header), .text(words.say("説明", "description"), .header)]
        ]
        for line in words.instructions {
            rows.append([.text("# " + line, .heading)])
        }
        rows.append([
            .text(
                "# "
                    + words.say(
                        "技術検証項目 (TECH-…) の回答と根拠は Technical シートに記入してください",
                        "Answer the technical items (TECH-…) and give their evidence on the Technical sheet"),
                .heading)
        ])
        // The Technical sheet has columns for four case studies; any further ones are answered here.
        for line in tableLines(technicalFor: { $0 > Self.technicalSheetCaseStudies }) {
            switch line {
            case .comment(let comment):
                rows.append([.text("# " + Self.oneLine(comment), .heading)])
            case .row(let row):
                let value: Cell = row.value.map { .text($0, .input) } ?? .input
                rows.append([.text(row.path), value, .text(row.help, .note)])
            }
        }
        return XLSXWorkbookWriter.Sheet(
            name: XLSXDocumentReader.selfAssessmentSheet,
            columns: [.init(width: 46), .init(width: 40, style: .input), .init(width: 90)],
            rows: rows)
    }

    /// The case studies the `Technical` sheet has columns for (C–F, G–J): the reader's layout.
    static let technicalSheetCaseStudies = 4

    private func technicalSheet() -> XLSXWorkbookWriter.Sheet {
        typealias Cell = XLSXWorkbookWriter.Cell
        let studies = 1...Self.technicalSheetCaseStudies
        let used = min(caseStudyCount, Self.technicalSheetCaseStudies)
        let answerHeader: [Cell?] = studies.map { n in
            n > used
                ? nil
                : Cell.text(
                    words.say("事例 \(n) 回答\n(はい/いいえ/該当なし)", "Case study \(n) answer\n(yes/no/n/a)"), .header)
        }
        let evidenceHeader: [Cell?] = studies.map { n in
            n > used ? nil : Cell.text(words.say("事例 \(n) 根拠", "Case study \(n) evidence"), .header)
        }
        let idHeader: [Cell?] = [.text("id", .header), .text(words.say("項目", "item"), .header)]
        let applicabilityHeader: [Cell?] = [.text(words.say("適用", "applies to"), .header)]
        var rows: [[Cell?]] = [idHeader + answerHeader + evidenceHeader + applicabilityHeader]
        let inputs: [Cell?] = studies.map { n in n > used ? nil : .input }
        for item in checklist.technicalItems {
            let head: [Cell?] = [.text(item.id), .text(item.title.text(language), .note)]
            let tail: [Cell?] = [.text(words.deliveryModels(of: item), .note)]
            rows.append(head + inputs + inputs + tail)
        }
        let columns: [XLSXWorkbookWriter.Column] =
            [.init(width: 11), .init(width: 60)]
            + studies.map { _ in .init(width: 14, style: .input) }
            + studies.map { _ in .init(width: 32, style: .input) }
            + [.init(width: 36)]
        return XLSXWorkbookWriter.Sheet(name: XLSXDocumentReader.technicalSheet, columns: columns, rows: rows)
    }
}
