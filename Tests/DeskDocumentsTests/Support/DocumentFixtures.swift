import DeskCore
import DeskDocuments
import DeskTesting
import Foundation

/// Reads a document written in the test, failing loudly on nothing.
func reading(_ text: String, _ format: DocumentFormat, limits: DocumentLimits = .init()) -> DocumentReading {
    SelfAssessmentReader.read(Array(text.utf8), format: format, fileName: "doc.\(format.rawValue)", limits: limits)
}

func reading(_ bytes: [UInt8], _ format: DocumentFormat, limits: DocumentLimits = .init()) -> DocumentReading {
    SelfAssessmentReader.read(bytes, format: format, fileName: "doc.\(format.rawValue)", limits: limits)
}

extension DocumentReading {
    /// Every problem as one line, for `#expect` messages.
    var problemText: String { problems.map(\.description).joined(separator: "\n") }

    func problems(about field: String) -> [DocumentProblem] { problems.filter { $0.field == field } }
}

func date(_ iso: String) -> LocalDate? { LocalDate(iso: iso) }

/// The four example documents in `../shared/examples/documents`, when this checkout has them.
enum ExampleDocuments {
    static var folder: URL? {
        guard let shared = RepositoryPaths.shared else { return nil }
        let folder = shared.appendingPathComponent("examples/documents")
        return FileManager.default.fileExists(atPath: folder.path) ? folder : nil
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let folder else { throw CocoaError(.fileNoSuchFile) }
        return Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}

/// Encodes text as CP932 with the C library's iconv, as Excel on Japanese Windows saves CSV.
func cp932(_ text: String) throws -> [UInt8] {
    try LegacyEncoding.encode(text, as: "CP932")
}
