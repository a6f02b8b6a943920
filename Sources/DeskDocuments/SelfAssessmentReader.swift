import DeskCore
import Foundation

/// What reading one self-assessment document gave.
public struct DocumentReading: Sendable {
    /// The document's content, or nil when nothing of it could be read.
    public var assessment: SelfAssessment?
    /// What was damaged, refused, guessed or ignored, each with its location.
    public var problems: [DocumentProblem]
    /// The encoding the document was read as.
    public var format: DocumentFormat

    public init(assessment: SelfAssessment?, problems: [DocumentProblem], format: DocumentFormat) {
        self.assessment = assessment
        self.problems = problems
        self.format = format
    }
}

/// Reads a self-assessment in any of its four encodings (PRODUCT.md §4) into one model.
///
/// Pure: bytes in, values out; no file or network access. Every encoding first becomes
/// the same intermediate tree (YAML and JSON directly, CSV and XLSX through their
/// `path,value` rows), and one binder maps that tree into ``SelfAssessment``, so the
/// rules for slugs, answer words and dates are the same whatever the partner sent.
public enum SelfAssessmentReader {
    /// Reads one document. Never throws for bad content: a document that cannot be read
    /// at all returns `assessment == nil` with problems saying why.
    ///
    /// - Parameters:
    ///   - fileName: the attachment's name, used in problem locations (`a.yaml line 3`).
    ///   - limits: how much work a hostile document may cause before it is refused.
    public static func read(
        _ bytes: [UInt8], format: DocumentFormat, fileName: String, limits: DocumentLimits = .init()
    ) -> DocumentReading {
        var problems: [DocumentProblem] = []
        let source = DocumentSource(fileName: fileName)
        let tree: DocumentNode?
        if bytes.isEmpty {
            problems.append(DocumentProblem(location: source.fileLocation, message: "the file is empty"))
            tree = nil
        } else if bytes.count > limits.maxUncompressedBytes {
            problems.append(
                DocumentProblem(
                    location: source.fileLocation,
                    message:
                        "the file is \(bytes.count) bytes, over the limit of \(limits.maxUncompressedBytes); it was not read"
                ))
            tree = nil
        } else {
            switch format {
            case .yaml: tree = YAMLDocumentReader.read(bytes, source: source, limits: limits, problems: &problems)
            case .json: tree = JSONDocumentReader.read(bytes, source: source, limits: limits, problems: &problems)
            case .csv: tree = CSVDocumentReader.read(bytes, source: source, limits: limits, problems: &problems)
            case .xlsx: tree = XLSXDocumentReader.read(bytes, source: source, limits: limits, problems: &problems)
            }
        }
        guard let tree else {
            return DocumentReading(
                assessment: nil, problems: capped(problems, at: limits.maxProblems, source: source), format: format)
        }
        var binder = SelfAssessmentBinder()
        let assessment = binder.bind(tree)
        let allProblems = capped(problems + binder.problems, at: limits.maxProblems, source: source)
        return DocumentReading(assessment: assessment, problems: allProblems, format: format)
    }

    /// The first `limit` problems, then one about the whole file saying how many more there were.
    static func capped(_ problems: [DocumentProblem], at limit: Int, source: DocumentSource) -> [DocumentProblem] {
        guard problems.count > limit else { return problems }
        let more = problems.count - limit
        let summary = DocumentProblem(
            location: source.fileLocation, message: "… and \(more) more problem\(more == 1 ? "" : "s")")
        return Array(problems.prefix(limit)) + [summary]
    }
}

/// Names locations within one document the same way in every reader.
struct DocumentSource: Sendable {
    let fileName: String

    /// The file itself, for problems about the whole document.
    var fileLocation: String? { fileName.isEmpty ? nil : fileName }

    func line(_ line: Int) -> String { prefixed("line \(line)") }

    func line(_ line: Int, column: Int) -> String { prefixed("line \(line), column \(column)") }

    /// `Sheet!B7`; a sheet name with spaces or punctuation is quoted as spreadsheets do.
    func cell(sheet: String, reference: String) -> String {
        let plain = sheet.unicodeScalars.allSatisfy {
            $0.isASCII
                ? ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
                : $0.properties.isAlphabetic
        }
        let name = plain ? sheet : "'" + sheet.replacingOccurrences(of: "'", with: "''") + "'"
        return prefixed("\(name)!\(reference)")
    }

    private func prefixed(_ text: String) -> String { fileName.isEmpty ? text : "\(fileName) \(text)" }
}
