import DeskInbox
import DeskStore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up reconciliation of a tenant's archive with its store (issue 7, #14).
///
/// The pipeline archives the original, commits, then unlinks the inbox file. If
/// a commit is lost after the unlink (a power failure on a disk that lied about
/// its cache, or a store brought back from an older backup), the message lives
/// on only as an archived original. This finds every archived original under
/// `YYYY/MM/` whose content hash the store does not know and ingests it again
/// from the archive, in place, with a `recovered` entry in its history.
/// `quarantine/` is never touched: those files were refused on purpose.
///
/// Contract — reads: the archive's month folders and the store's content hashes.
/// Writes: new submissions through `IngestPipeline` (the archive file stays).
/// Runs after the start-up drain, so interrupted ingests still in the inbox are
/// finished first and are not mistaken for lost ones.
struct ArchiveReconciler {
    let pipeline: IngestPipeline
    let logger: Logger

    /// At most this many archived files are looked at in one start-up (a limit on
    /// a hostile or damaged archive, far above any office's volume).
    static let maxFiles = 2_000_000

    func recover(now: Date) throws -> Int {
        let root: FolderHandle
        do {
            root = try FolderHandle.open(pipeline.archive.root, refusingLink: true)
        } catch {
            if case .posix(_, _, let code) = error, code == ENOENT { return 0 }
            throw error
        }
        // The archive name starts with the first 16 hex digits of the content hash.
        let known = Set(try pipeline.store.knownContentHashes().map { String($0.prefix(16)) })
        var recovered = 0
        var seen = 0
        for year in try root.names() where Self.isDigits(year, count: 4) {
            guard let yearFolder = try? root.subfolder(String(decoding: year, as: UTF8.self)) else { continue }
            for month in try yearFolder.names() where Self.isDigits(month, count: 2) {
                let monthName = String(decoding: month, as: UTF8.self)
                guard let monthFolder = try? yearFolder.subfolder(monthName) else { continue }
                for name in try monthFolder.names() {
                    seen += 1
                    if seen > Self.maxFiles { return recovered }
                    guard let text = String(validating: name, as: UTF8.self), !text.hasPrefix("."),
                        let dash = text.firstIndex(of: "-"), text.distance(from: text.startIndex, to: dash) == 16,
                        !known.contains(String(text[..<dash]))
                    else { continue }
                    guard let status = monthFolder.status(of: name), (status.st_mode & S_IFMT) == S_IFREG else { continue }
                    let relative = "\(String(decoding: year, as: UTF8.self))/\(monthName)/\(text)"
                    let entry = InboxEntry(
                        folder: monthFolder, rawName: name, place: .root, size: Int64(status.st_size),
                        modified: Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)),
                        device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                    let recovery = IngestPipeline.Recovery(
                        archivePath: relative, originalName: String(text[text.index(after: dash)...]))
                    let outcome = try pipeline.ingest(
                        entry, removeSource: false, recovery: recovery, actor: "competencyd", now: now)
                    var metadata: Logger.Metadata = ["archive.file": "\(relative)"]
                    switch outcome {
                    case .stored(let id, _), .resumed(let id), .duplicate(let id):
                        metadata["submission.id"] = "\(id)"
                        recovered += 1
                        logger.warning("recovered an archived message the store did not know", metadata: metadata)
                    case .quarantined(let reason, _), .skipped(let reason):
                        metadata["reason"] = "\(reason)"
                        logger.error("an archived file the store does not know could not be recovered", metadata: metadata)
                    }
                }
            }
        }
        return recovered
    }

    static func isDigits(_ name: [UInt8], count: Int) -> Bool {
        name.count == count && name.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
