import Foundation
import ZIPFoundation

/// Why a workbook could not be read at all, and where.
struct WorkbookFailure: Error {
    var location: String?
    var message: String
}

/// The ZIP container of an XLSX, opened so that a hostile archive costs little:
/// entries are counted and their declared sizes summed before anything is inflated,
/// and inflation stops as soon as the actual output passes the limit, whatever the
/// headers declared.
final class WorkbookArchive {
    private let archive: Archive
    /// Entries by lower-cased path: OPC part names are case-insensitive.
    private let entries: [String: Entry]
    private let limits: DocumentLimits
    private let source: DocumentSource
    private var inflatedBytes = 0

    init(bytes: [UInt8], source: DocumentSource, limits: DocumentLimits) throws(WorkbookFailure) {
        self.limits = limits
        self.source = source
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the workbook is damaged: it is not a readable ZIP archive (\(error)); save it again as .xlsx")
        }
        var entries: [String: Entry] = [:]
        var count = 0
        var declared: UInt64 = 0
        for entry in archive {
            count += 1
            if count > limits.maxZipEntries {
                throw WorkbookFailure(
                    location: source.fileLocation,
                    message:
                        "the workbook has more than \(limits.maxZipEntries) parts (a self-assessment has about ten); it was not read"
                )
            }
            let (sum, overflow) = declared.addingReportingOverflow(entry.uncompressedSize)
            declared = overflow ? .max : sum
            if declared > UInt64(limits.maxUncompressedBytes) {
                throw WorkbookFailure(
                    location: source.fileLocation,
                    message:
                        "the workbook would expand to more than \(limits.maxUncompressedBytes) bytes; it was not read")
            }
            let key = Self.normalisedPath(entry.path)
            if entries[key] == nil { entries[key] = entry }
        }
        if count == 0 {
            throw WorkbookFailure(
                location: source.fileLocation, message: "the workbook is damaged: its ZIP archive lists no parts")
        }
        self.entries = entries
    }

    static func normalisedPath(_ path: String) -> String {
        var path = path
        while path.hasPrefix("/") { path.removeFirst() }
        return path.lowercased()
    }

    func contains(_ path: String) -> Bool { entries[Self.normalisedPath(path)]?.type == .file }

    /// The bytes of one part, or nil when the workbook has no such part.
    func part(_ path: String) throws(WorkbookFailure) -> [UInt8]? {
        guard let entry = entries[Self.normalisedPath(path)], entry.type == .file else { return nil }
        struct LimitReached: Error {}
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            Int(min(entry.uncompressedSize, UInt64(max(0, limits.maxUncompressedBytes - inflatedBytes)))))
        let budget = limits.maxUncompressedBytes - inflatedBytes
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                if bytes.count + chunk.count > budget { throw LimitReached() }
                bytes.append(contentsOf: chunk)
            }
        } catch is LimitReached {
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook expands to more than \(limits.maxUncompressedBytes) bytes (part \(entry.path) alone is larger than it declares); it was not read"
            )
        } catch {
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the workbook is damaged: part \(entry.path) cannot be unpacked (\(error))")
        }
        inflatedBytes += bytes.count
        return bytes
    }
}
