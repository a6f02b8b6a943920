import Crypto
import DeskConfig
import DeskCore
import DeskInbox
import DeskStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `competency backup`, `restore` and `verify` (issue 12, item 8).
///
/// Contract — backup reads only: the store through SQLite's online backup API on a
/// read-only connection (one consistent snapshot, while the daemon keeps writing) and
/// the archive's files; it writes only into the backup folder, each file to a
/// temporary name, fsynced, renamed, the folder fsynced, and `manifest.json` last, so
/// a folder with a manifest holds a complete backup. A file already in the backup
/// with the same SHA-256 is not copied again. Restore refuses while a daemon answers
/// on the control socket (the daemon is the only writer), then writes the store
/// beside the live one and renames it into place (after removing the old `-wal` and
/// `-shm`, which belong to the old file), and copies back every archived file whose
/// bytes differ. Verify reads only, and lists every problem.
///
/// Backup folder layout: `manifest.json`, `competency.sqlite` (the store, in rollback
/// journal mode: one self-contained file), `archive/` (the tenant's archive tree:
/// `YYYY/MM/` originals and `quarantine/`).
public enum TenantBackup {
    public static let manifestName = "manifest.json"
    public static let storeName = "competency.sqlite"
    public static let archiveFolderName = "archive"
    static let format = "competency-desk-backup/v1"

    /// What a backup or restore did, for the operator's terminal.
    public struct Summary: Sendable, Equatable {
        public var copied = 0
        public var skipped = 0
        public var bytesCopied: Int64 = 0
        /// Restore: files in the live archive that the backup does not have (kept).
        public var extra = 0
    }

    /// One file of the manifest.
    struct ManifestFile: Codable, Equatable {
        var path: String
        var sha256: String
        var size: Int64
    }

    struct Manifest: Codable {
        var format: String
        var tenant: String
        var createdAt: String
        var storeSHA256: String
        var files: [ManifestFile]

        enum CodingKeys: String, CodingKey {
            case format, tenant, files
            case createdAt = "created_at"
            case storeSHA256 = "store_sha256"
        }
    }

    // MARK: - Backup

    /// Copies `tenant`'s store and archive into `folder` (created if needed).
    public static func backup(_ tenant: TenantConfiguration, to folder: URL, now: Date) throws(DeskError) -> Summary {
        do {
            return try makeBackup(tenant, to: folder, now: now)
        } catch let error as DeskError {
            throw error
        } catch {
            throw .failed("backup of \(tenant.id) to \(folder.path) failed: \(error)")
        }
    }

    /// A backup folder inside the archive would copy itself into itself, and a restore
    /// from there would read what it overwrites.
    static func refuseInsideArchive(_ folder: URL, of tenant: TenantConfiguration) throws {
        let archive = tenant.archive.standardizedFileURL.resolvingSymlinksInPath().path
        let path = folder.standardizedFileURL.resolvingSymlinksInPath().path
        if path == archive || path.hasPrefix(archive + "/") {
            throw DeskError.badArgument(
                "\(folder.path) is inside the archive of \(tenant.id) (\(tenant.archive.path)); keep backups elsewhere, ideally on another disk"
            )
        }
    }

    static func makeBackup(_ tenant: TenantConfiguration, to folder: URL, now: Date) throws -> Summary {
        try refuseInsideArchive(folder, of: tenant)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let existing = try? readManifest(in: folder), existing.tenant != tenant.id {
            throw DeskError.badArgument(
                "\(folder.path) holds a backup of tenant \(existing.tenant), not \(tenant.id); give each tenant its own folder"
            )
        }
        guard FileManager.default.fileExists(atPath: tenant.store.path) else {
            throw DeskError.failed("tenant \(tenant.id) has no store yet at \(tenant.store.path): nothing to back up")
        }
        if let denied = Desk.permissionDenied(tenant) { throw denied }
        // The store: a read-only connection (never writes the live file), the backup API.
        let store: SubmissionStore
        do {
            store = try SubmissionStore.openForReading(tenant: tenant.id, url: tenant.store)
        } catch {
            throw DeskError.storeUnavailable(tenant: tenant.id, file: tenant.store.path, reason: error.description)
        }
        let temporary = folder.appendingPathComponent(DurableFile.temporaryPrefix + UUID().uuidString)
        do {
            try store.backup(to: temporary)
        } catch {
            unlink(temporary.path)
            throw DeskError.failed("cannot copy the store of \(tenant.id): \(error.description)")
        }
        let storeCopy = folder.appendingPathComponent(storeName)
        guard rename(temporary.path, storeCopy.path) == 0 else {
            let error = FileOperationError.lastError("rename into place", storeCopy.path)
            unlink(temporary.path)
            throw error
        }
        try DurableFile.syncFolder(folder)
        let storeHash = try FileDigest.of(storeCopy).sha256

        // The archive: every regular file but the store's own, incrementally.
        var summary = Summary()
        var files: [ManifestFile] = []
        let destination = folder.appendingPathComponent(archiveFolderName)
        for relative in try archiveFiles(of: tenant) {
            let source = tenant.archive.appendingPathComponent(relative)
            let digest = try FileDigest.of(source)
            let target = destination.appendingPathComponent(relative)
            if let existing = try? FileDigest.of(target), existing.sha256 == digest.sha256 {
                summary.skipped += 1
            } else {
                try DurableCopy.copy(source, to: target, expectedSHA256: digest.sha256, owner: nil)
                summary.copied += 1
                summary.bytesCopied += digest.size
            }
            files.append(ManifestFile(path: relative, sha256: digest.sha256, size: digest.size))
        }
        let manifest = Manifest(
            format: format, tenant: tenant.id, createdAt: ISO8601.format(now, in: tenant.timeZone),
            storeSHA256: storeHash, files: files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try DurableFile.write(Array(try encoder.encode(manifest)), to: folder.appendingPathComponent(manifestName))
        return summary
    }

    /// The archive's regular files as paths relative to it, sorted: originals and
    /// quarantine, never the store (nor its `-wal`/`-shm`) nor a temporary. Symbolic
    /// links and other non-files are not followed.
    static func archiveFiles(of tenant: TenantConfiguration) throws -> [String] {
        let root = tenant.archive.standardizedFileURL.path
        let storeFiles = Set(["", "-wal", "-shm", "-journal"].map { tenant.store.standardizedFileURL.path + $0 })
        var result: [String] = []
        func walk(_ relative: String) throws {
            let path = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                if relative.isEmpty, !FileManager.default.fileExists(atPath: root) { return }
                throw DeskError.failed("cannot list \(path): \(error.localizedDescription)")
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + child
                var status = stat()
                guard lstat(full, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: try walk(child)
                case S_IFREG:
                    if name.hasPrefix(DurableFile.temporaryPrefix) || storeFiles.contains(full) { continue }
                    result.append(child)
                default: continue
                }
            }
        }
        try walk("")
        return result.sorted()
    }

    static func readManifest(in folder: URL) throws -> Manifest {
        let url = folder.appendingPathComponent(manifestName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DeskError.badArgument(
                "\(folder.path) is not a complete backup: \(url.path) is missing (make one with competency backup --tenant T --to \(folder.path))"
            )
        }
        do {
            let manifest = try JSONDecoder().decode(Manifest.self, from: data)
            guard manifest.format == format else {
                throw DeskError.badArgument(
                    "\(url.path): format \"\(manifest.format)\" is not understood (this release reads \(format))")
            }
            for file in manifest.files where !isSafeRelativePath(file.path) {
                throw DeskError.badArgument(
                    "\(url.path): the file path \"\(SafeText.escapingControls(file.path))\" leaves the archive")
            }
            return manifest
        } catch let error as DeskError {
            throw error
        } catch {
            throw DeskError.badArgument("\(url.path) is not a backup manifest: \(error)")
        }
    }

    /// A path inside the archive: relative, no `..`, no empty or hidden parts.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
        }
    }

    // MARK: - Restore

    /// Whether a daemon answers on the configuration's control socket.
    public static func daemonIsRunning(_ configuration: DeskConfiguration) -> Bool {
        if case .success(let fd) = ControlClient.connect(configuration.daemon.controlSocket.path) {
            close(fd)
            return true
        }
        return false
    }

    /// Puts `tenant`'s store and archive back from the backup in `folder`.
    public static func restore(
        _ tenant: TenantConfiguration, from folder: URL, configuration: DeskConfiguration
    ) throws(DeskError) -> Summary {
        if daemonIsRunning(configuration) {
            throw .unavailable(
                "competencyd is running (it answers at \(configuration.daemon.controlSocket.path)) and serves \(tenant.id); it is the only writer of the store and the archive. Stop it first (systemctl stop competencyd), restore, then start it; nothing was changed"
            )
        }
        do {
            return try putBack(tenant, from: folder)
        } catch let error as DeskError {
            throw error
        } catch {
            throw .failed("restore of \(tenant.id) from \(folder.path) failed: \(error)")
        }
    }

    static func putBack(_ tenant: TenantConfiguration, from folder: URL) throws -> Summary {
        try refuseInsideArchive(folder, of: tenant)
        let manifest = try readManifest(in: folder)
        guard manifest.tenant == tenant.id else {
            throw DeskError.badArgument("\(folder.path) holds a backup of tenant \(manifest.tenant), not \(tenant.id)")
        }
        let storeCopy = folder.appendingPathComponent(storeName)
        let storeDigest = try FileDigest.of(storeCopy)
        guard storeDigest.sha256 == manifest.storeSHA256 else {
            throw DeskError.failed(
                "\(storeCopy.path) is not the file the backup recorded (SHA-256 \(storeDigest.sha256), manifest \(manifest.storeSHA256)); nothing was changed"
            )
        }
        if let stamp = try? SubmissionStore.tenantStamp(of: storeCopy), stamp != tenant.id {
            throw DeskError.badArgument(
                "\(storeCopy.path) is the store of tenant \(stamp), not \(tenant.id); nothing was changed")
        }
        // Every archived file of the backup is checked before anything is changed.
        let source = folder.appendingPathComponent(archiveFolderName)
        for file in manifest.files {
            let digest = try FileDigest.of(source.appendingPathComponent(file.path))
            guard digest.sha256 == file.sha256 else {
                throw DeskError.failed(
                    "\(source.appendingPathComponent(file.path).path) differs from the backup's record (SHA-256 \(digest.sha256), manifest \(file.sha256)); nothing was changed"
                )
            }
        }
        // Files the daemon will own: when root restores, they get the archive folder's owner.
        let owner = ownerForRestoredFiles(tenant)
        try DurableCopy.makeFolder(tenant.archive, owner: owner)
        try DurableCopy.makeFolder(tenant.store.deletingLastPathComponent(), owner: owner)

        // The store: written beside, fsynced; the old WAL and index removed (they
        // belong to the file being replaced and would be replayed into the new one);
        // renamed into place; the folder fsynced.
        let storeFolder = tenant.store.deletingLastPathComponent()
        let temporary = storeFolder.appendingPathComponent(DurableFile.temporaryPrefix + UUID().uuidString)
        try DurableCopy.copy(
            storeCopy, to: temporary, expectedSHA256: manifest.storeSHA256, owner: owner, rename: false)
        for suffix in ["-wal", "-shm", "-journal"] {
            guard unlink(tenant.store.path + suffix) == 0 || errno == ENOENT else {
                let error = FileOperationError.lastError("remove", tenant.store.path + suffix)
                unlink(temporary.path)
                throw error
            }
        }
        guard rename(temporary.path, tenant.store.path) == 0 else {
            let error = FileOperationError.lastError("rename into place", tenant.store.path)
            unlink(temporary.path)
            throw error
        }
        try DurableFile.syncFolder(storeFolder)

        var summary = Summary()
        for file in manifest.files {
            let target = tenant.archive.appendingPathComponent(file.path)
            if let existing = try? FileDigest.of(target), existing.sha256 == file.sha256 {
                summary.skipped += 1
                continue
            }
            try DurableCopy.copy(
                source.appendingPathComponent(file.path), to: target, expectedSHA256: file.sha256, owner: owner)
            summary.copied += 1
            summary.bytesCopied += file.size
        }
        let restored = Set(manifest.files.map(\.path))
        summary.extra = try archiveFiles(of: tenant).filter { !restored.contains($0) }.count
        return summary
    }

    /// Root restoring for the daemon: the owner of the tenant's archive folder (or the
    /// nearest folder above it), so the daemon can write what was restored. Nil otherwise.
    static func ownerForRestoredFiles(_ tenant: TenantConfiguration) -> uid_t? {
        guard geteuid() == 0 else { return nil }
        var folder = tenant.archive
        var status = stat()
        while stat(folder.path, &status) != 0 {
            guard folder.path != "/" else { return nil }
            folder = folder.deletingLastPathComponent()
        }
        return status.st_uid == 0 ? nil : status.st_uid
    }

    // MARK: - Verify

    /// One thing `verify` found wrong.
    public struct Problem: Sendable, Equatable {
        /// The file, relative to the tenant's archive.
        public var file: String
        /// `missing`, `altered`, `no-row` or `not-purged`.
        public var kind: String
        public var detail: String
        /// The submission the store records it for, when it does.
        public var submission: String?
    }

    public struct Verification: Sendable {
        public var tenant: String
        public var recordedFiles = 0
        public var archivedFiles = 0
        public var problems: [Problem] = []
        public var isClean: Bool { problems.isEmpty }

        public var json: JSONValue {
            .object([
                ("tenant", .string(tenant)), ("ok", .bool(isClean)),
                ("recorded_files", .number(Double(recordedFiles))), ("archived_files", .number(Double(archivedFiles))),
                (
                    "problems",
                    .array(
                        problems.map { problem in
                            .object([
                                ("file", .string(problem.file)), ("problem", .string(problem.kind)),
                                ("detail", .string(problem.detail)),
                                ("submission", problem.submission.map { .string($0) } ?? .null),
                            ])
                        })
                ),
            ])
        }
    }

    /// Every file the store records is in the archive with the recorded hash; every
    /// original under `YYYY/MM/` has its row; a purged submission's files are gone.
    public static func verify(_ tenant: TenantConfiguration, desk: Desk) throws(DeskError) -> Verification {
        guard let store = try desk.store(for: tenant, access: .read) else {
            throw .failed("tenant \(tenant.id) has no store yet at \(tenant.store.path): nothing to verify")
        }
        let rows: [ArchivedFileRow]
        do { rows = try store.archivedFiles() } catch { throw .failed(error.description) }
        var result = Verification(tenant: tenant.id)
        var recorded: [String: ArchivedFileRow] = [:]
        for row in rows { recorded[row.path] = recorded[row.path].map { $0.purged ? $0 : row } ?? row }
        result.recordedFiles = recorded.count
        for (path, row) in recorded.sorted(by: { $0.key < $1.key }) {
            let id = "\(tenant.id)-\(row.submissionNumber)"
            let url = tenant.archive.appendingPathComponent(path)
            var status = stat()
            let present = lstat(url.path, &status) == 0
            if row.purged {
                if present {
                    result.problems.append(
                        Problem(
                            file: path, kind: "not-purged",
                            detail: "\(id) was purged but its archived file is still there", submission: id))
                }
                continue
            }
            guard present else {
                result.problems.append(
                    Problem(
                        file: path, kind: "missing", detail: "the store records it for \(id); the file is gone",
                        submission: id))
                continue
            }
            do {
                let digest = try FileDigest.of(url)
                if digest.sha256 != row.sha256 {
                    result.problems.append(
                        Problem(
                            file: path, kind: "altered",
                            detail: "SHA-256 \(digest.sha256), the store recorded \(row.sha256) for \(id)",
                            submission: id))
                }
            } catch {
                result.problems.append(Problem(file: path, kind: "unreadable", detail: "\(error)", submission: id))
            }
        }
        let originals: [String]
        do {
            originals = try archiveFiles(of: tenant).filter(isOriginalPath)
        } catch {
            throw error as? DeskError ?? .failed("\(error)")
        }
        result.archivedFiles = originals.count
        for path in originals where recorded[path] == nil {
            result.problems.append(
                Problem(
                    file: path, kind: "no-row", detail: "an archived original the store has no row for", submission: nil
                ))
        }
        result.problems.sort { ($0.file, $0.kind) < ($1.file, $1.kind) }
        return result
    }

    /// `YYYY/MM/<name>`: an archived original (not quarantine, not a file of the store).
    static func isOriginalPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        guard parts.count == 3 else { return false }
        return parts[0].count == 4 && parts[0].allSatisfy(\.isASCIIDigit) && parts[1].count == 2
            && parts[1].allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A file's SHA-256 and size, read in chunks (a quarantined file may be larger than memory allows).
struct FileDigest {
    var sha256: String
    var size: Int64

    static func of(_ url: URL) throws -> FileDigest {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileOperationError.lastError("open", url.path) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileOperationError.lastError("read", url.path)
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            size += Int64(count)
        }
        return FileDigest(sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), size: size)
    }
}

/// Copies that survive a crash: a temporary name in the destination folder, fsync,
/// rename, fsync of the folder; the bytes are hashed as they are copied and checked.
enum DurableCopy {
    static func copy(_ source: URL, to target: URL, expectedSHA256: String, owner: uid_t?, rename moving: Bool = true)
        throws
    {
        let folder = target.deletingLastPathComponent()
        try makeFolder(folder, owner: owner)
        let input = open(source.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw FileOperationError.lastError("open", source.path) }
        defer { close(input) }
        let temporary = moving ? folder.appendingPathComponent(DurableFile.temporaryPrefix + UUID().uuidString) : target
        let output = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw FileOperationError.lastError("create", temporary.path) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: Error?
        copying: while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                failure = FileOperationError.lastError("read", source.path)
                break
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = FileOperationError.lastError("write", temporary.path)
                    break copying
                }
                offset += written
            }
        }
        if failure == nil, let owner, fchown(output, owner, gid_t(bitPattern: -1)) != 0 {
            failure = FileOperationError.lastError("give to uid \(owner)", temporary.path)
        }
        if failure == nil, fsync(output) != 0 { failure = FileOperationError.lastError("fsync", temporary.path) }
        close(output)
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if failure == nil, hash != expectedSHA256 {
            failure = FileOperationError.other(
                "copy", source.path, "it changed while being copied (SHA-256 \(hash), expected \(expectedSHA256))")
        }
        if let failure {
            unlink(temporary.path)
            throw failure
        }
        guard moving else { return }
        guard Glibc.rename(temporary.path, target.path) == 0 else {
            let error = FileOperationError.lastError("rename into place", target.path)
            unlink(temporary.path)
            throw error
        }
        try DurableFile.syncFolder(folder)
    }

    /// Creates `folder` and its missing parents (0750 less the umask; inside a setgid
    /// folder the group and bit are inherited), each given to `owner` when set.
    static func makeFolder(_ folder: URL, owner: uid_t?) throws {
        var missing: [URL] = []
        var cursor = folder
        var status = stat()
        while stat(cursor.path, &status) != 0 {
            missing.append(cursor)
            let parent = cursor.deletingLastPathComponent()
            guard parent.path != cursor.path else { break }
            cursor = parent
        }
        for url in missing.reversed() {
            guard mkdir(url.path, 0o750) == 0 || errno == EEXIST else {
                throw FileOperationError.lastError("create folder", url.path)
            }
            if let owner, chown(url.path, owner, gid_t(bitPattern: -1)) != 0 {
                throw FileOperationError.lastError("give to uid \(owner)", url.path)
            }
        }
        if !missing.isEmpty { try DurableFile.syncFolder(cursor) }
    }
}
