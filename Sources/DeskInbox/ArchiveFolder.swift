import DeskCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tenant's archive: original bytes under `YYYY/MM/`, unreadable files under `quarantine/`.
///
/// Archive names are derived from the content hash and the inbox name, so
/// archiving the same file twice (after a crash) writes the same path with the
/// same bytes, and two different files never collide.
public struct ArchiveFolder: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public var quarantine: URL { root.appendingPathComponent("quarantine") }

    /// The archive path, relative to `root`, for a file received on `date`.
    public func relativePath(for sourceName: String, sha256: String, receivedOn date: LocalDate) -> String {
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        return "\(date.year)/\(month)/\(sha256.prefix(16))-\(Self.safeName(sourceName))"
    }

    /// Stores original bytes durably at `relativePath`; a complete earlier copy is kept.
    public func store(_ bytes: [UInt8], at relativePath: String) throws(FileOperationError) {
        try store(bytes, at: relativePath, syncingFolder: true)
    }

    /// Stores original bytes at `relativePath` with their contents durable; with
    /// `syncingFolder` false the name is durable only once the caller syncs the
    /// returned folder (group commit syncs each month's folder once per batch).
    @discardableResult
    public func store(_ bytes: [UInt8], at relativePath: String, syncingFolder: Bool) throws(FileOperationError) -> URL {
        let url = root.appendingPathComponent(relativePath)
        let folder = url.deletingLastPathComponent()
        // A complete earlier copy (a retry after a crash) is kept; its name may not be
        // durable yet, so the caller still syncs the folder.
        if let existing = try? DurableFile.read(url), existing == bytes {
            if syncingFolder { try DurableFile.syncFolder(folder) }
            return folder
        }
        try DurableFile.write(bytes, to: url, syncingFolder: syncingFolder)
        return folder
    }

    /// Moves an inbox entry that must not be stored (unreadable, over the limit, a
    /// link, a FIFO…) into `quarantine/` with a reason file beside it.
    ///
    /// The reason is written first: a crash between the two steps leaves the
    /// entry in the inbox (retried) rather than in quarantine without a reason.
    /// The entry is moved by `renameat` from its folder handle, so a link or FIFO
    /// moves as what it is, unopened. Across file systems a regular file is copied
    /// in chunks from an `O_NOFOLLOW` descriptor (never read whole into memory);
    /// anything else that cannot be renamed stays where it is (the error says so).
    @discardableResult
    public func quarantine(_ entry: InboxEntry, reason: String, at now: Date) throws(FileOperationError) -> URL {
        let stamp = Int(now.timeIntervalSince1970)
        // The random part keeps two same-named files quarantined in one second apart.
        let name = "\(stamp)-\(UUID().uuidString.prefix(8).lowercased())-\(Self.safeName(entry.name))"
        let destination = quarantine.appendingPathComponent(name)
        // Names and reasons come from the sender: escaped, so a newline in a file name
        // cannot forge a line of this file (or of a log).
        let text = """
            file: \(SafeText.escapingControls(entry.url.path))
            quarantined: \(ISO8601DateFormatter().string(from: now))
            reason: \(SafeText.escapingControls(reason))

            """
        try DurableFile.write(Array(text.utf8), to: quarantine.appendingPathComponent(name + ".reason.txt"))
        let folder = try FolderHandle.open(quarantine, refusingLink: true)
        do {
            try entry.folder.rename(entry.rawName, to: folder, as: name)
        } catch {
            guard case .posix(_, _, let code) = error, code == EXDEV else { throw error }
            try copyAcrossFileSystems(entry, to: folder, as: name)
            try entry.folder.remove(entry.rawName)
        }
        try folder.sync()
        try entry.folder.sync()
        return destination
    }

    /// The EXDEV path of `quarantine`: copy through a temporary in 64 KiB chunks, fsync, rename.
    private func copyAcrossFileSystems(_ entry: InboxEntry, to folder: FolderHandle, as name: String)
        throws(FileOperationError)
    {
        let source = try entry.folder.openFile(entry.rawName)
        guard source.isRegularFile else {
            throw .other("quarantine", entry.url.path, "not a regular file and on another file system; left in place")
        }
        let temporary = DurableFile.temporaryPrefix + UUID().uuidString
        let target = openat(folder.descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard target >= 0 else { throw .lastError("create", folder.path.appendingPathComponent(temporary).path) }
        var failure: FileOperationError?
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        copying: while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(source.descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = .lastError("read", source.path)
                break
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = chunk.withUnsafeBytes { Glibc.write(target, $0.baseAddress! + offset, count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .lastError("write", folder.path.appendingPathComponent(temporary).path)
                    break copying
                }
                offset += written
            }
        }
        if failure == nil, fsync(target) != 0 { failure = .lastError("fsync", temporary) }
        close(target)
        if failure == nil, renameat(folder.descriptor, temporary, folder.descriptor, name) != 0 {
            failure = .lastError("rename into place", folder.path.appendingPathComponent(name).path)
        }
        if let failure {
            unlinkat(folder.descriptor, temporary, 0)
            throw failure
        }
    }

    /// A file name that cannot escape the archive or confuse a shell.
    public static func safeName(_ name: String) -> String {
        var cleaned = String(
            name.unicodeScalars.map { scalar -> Character in
                if scalar == "/" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F { return "_" }
                return Character(scalar)
            })
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        if cleaned.isEmpty { cleaned = "message" }
        // Keep names well under NAME_MAX (255 bytes) after the hash prefix.
        while cleaned.utf8.count > 180 { cleaned.removeLast() }
        return cleaned
    }
}
