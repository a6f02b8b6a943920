import Crypto
import DeskCore
import DeskInbox
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tenant's quarantine as an operator works it (`competency quarantine`):
/// what is there and why, the first bytes of one file, putting a file back into
/// the inbox after a fix, and removing one for good.
///
/// Contract — reads `Archive/<tenant>/quarantine/` (each file and its
/// `.reason.txt`); names are taken only as one plain entry of that folder (no
/// `/`, no leading `.`, never a reason file), and files are opened with
/// `O_NOFOLLOW|O_NONBLOCK`, so a link or FIFO quarantined as such is never
/// followed or blocked on. Writes (the daemon, or root / the daemon's user
/// acting directly: `DeskRequests`): `retry` moves a regular file into
/// `Inbox/<tenant>/new/` (through `tmp/`, Maildir-style; copied and fsynced when
/// the inbox is on another file system) and removes its reason file; `purge`
/// unlinks the file and its reason file. Before either, one line is appended
/// (and fsynced) to the tenant's ledger `Archive/<tenant>/quarantine.log`:
/// JSON with the action, file, SHA-256, size, who (the caller as the kernel names
/// them), uid and when. The ledger is the audit record of what was removed, and
/// the retry counter: a file whose content was retried `maxRetries` times already
/// is refused unless forced, however many times it comes back to quarantine.
public struct QuarantineFolder: Sendable {
    public let archive: ArchiveFolder
    public var folder: URL { archive.quarantine }
    /// The ledger of retries and purges, beside (not in) the quarantine folder.
    public var ledger: URL { archive.root.appendingPathComponent("quarantine.log") }
    /// Retries of one content before `retry` needs `--force`.
    public static let maxRetries = 3
    static let reasonSuffix = ".reason.txt"

    public init(archive: ArchiveFolder) { self.archive = archive }
    public init(archiveRoot: URL) { self.archive = ArchiveFolder(root: archiveRoot) }

    /// One quarantined file.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var size: Int64
        /// The file's modification time (it is moved, not rewritten, into quarantine).
        public var modified: Date
        /// A regular file (not a link, FIFO, socket or device quarantined as such).
        public var isRegularFile: Bool
        /// The reason file's text, or nil when it is missing.
        public var reasonText: String?

        /// The `reason:` line of the reason file.
        public var reason: String? { field("reason") }
        /// The `quarantined:` line (ISO 8601).
        public var quarantinedAt: String? { field("quarantined") }
        /// The `file:` line: where it was found.
        public var originalPath: String? { field("file") }

        func field(_ key: String) -> String? {
            reasonText?.split(separator: "\n").first { $0.hasPrefix(key + ": ") }
                .map { String($0.dropFirst(key.count + 2)) }
        }
    }

    /// Why a name was refused or a file cannot be worked.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case badName(String)
        case missing(String, tenant: String)
        case notRegular(String)
        case tooManyRetries(String, retries: Int)
        case io(String)

        public var description: String {
            switch self {
            case .badName(let name):
                return
                    "\"\(SafeText.escapingControls(name))\" is not a quarantined file's name (one name from 'competency quarantine list', no '/' or leading '.')"
            case .missing(let name, let tenant):
                return
                    "no quarantined file \"\(SafeText.escapingControls(name))\" in tenant \(tenant) (see 'competency quarantine list --tenant \(tenant)')"
            case .notRegular(let name):
                return
                    "\(SafeText.escapingControls(name)) is not a regular file (a link, FIFO or device quarantined as such) and cannot be ingested; purge it"
            case .tooManyRetries(let name, let retries):
                return
                    "\(SafeText.escapingControls(name)) was retried \(retries) times already (the same content); fix the cause, then retry with --force, or purge it"
            case .io(let message): return message
            }
        }
    }

    /// Refuses anything but one plain entry name of the folder.
    public static func validate(_ name: String) throws(Problem) {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.hasSuffix(reasonSuffix),
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }), name.utf8.count <= 255
        else { throw .badName(name) }
    }

    /// Every quarantined file, oldest first (names start with the Unix time).
    public func entries() throws(Problem) -> [Entry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            if !FileManager.default.fileExists(atPath: folder.path) { return [] }
            throw .io("cannot list \(folder.path): \(error.localizedDescription)")
        }
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(Self.reasonSuffix) }.sorted()
            .compactMap { try? entry(named: $0, tenant: "") }
    }

    /// How many files are in quarantine (reason files not counted); 0 when unreadable.
    public func count() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(Self.reasonSuffix) }.count
    }

    /// One file by name, never following a link.
    public func entry(named name: String, tenant: String) throws(Problem) -> Entry {
        try Self.validate(name)
        let path = folder.appendingPathComponent(name).path
        var status = stat()
        guard lstat(path, &status) == 0 else { throw .missing(name, tenant: tenant) }
        let reason = try? String(contentsOfFile: path + Self.reasonSuffix, encoding: .utf8)
        return Entry(
            name: name, size: Int64(status.st_size),
            modified: Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec)),
            isRegularFile: status.st_mode & S_IFMT == S_IFREG, reasonText: reason)
    }

    /// The first `limit` bytes of a regular file (nothing for a link, FIFO or device).
    public func head(of entry: Entry, limit: Int = 2048) throws(Problem) -> [UInt8] {
        guard entry.isRegularFile else { return [] }
        let fd = try open(entry.name)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, limit) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    /// The SHA-256 (hex) and size of a regular file, read in chunks.
    public func digest(of entry: Entry) throws(Problem) -> (sha256: String, size: Int64)? {
        guard entry.isRegularFile else { return nil }
        let fd = try open(entry.name)
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(
                    "cannot read \(folder.appendingPathComponent(entry.name).path): \(String(cString: strerror(errno)))"
                )
            }
            if count == 0 { break }
            hasher.update(data: chunk[0..<count])
            size += Int64(count)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
    }

    private func open(_ name: String) throws(Problem) -> Int32 {
        let path = folder.appendingPathComponent(name).path
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// How often this content was retried before, by the ledger.
    public func retries(of sha256: String) -> Int {
        ledgerLines().filter { $0["action"] as? String == "retry" && $0["sha256"] as? String == sha256 }.count
    }

    /// The ledger's records, oldest first (a line that is not JSON is skipped).
    public func ledgerLines() -> [[String: Any]] {
        guard let text = try? String(contentsOf: ledger, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// What `retry` did.
    public struct Retried: Sendable, Equatable {
        public var file: String
        /// The name it has in the inbox's `new/`.
        public var inboxName: String
        /// This retry's number for this content (1 the first time).
        public var retry: Int
    }

    /// Puts the file back into `inbox` for the daemon to ingest again.
    public func retry(
        _ name: String, tenant: String, into inbox: URL, by caller: DeskCaller, force: Bool, at now: Date
    ) throws(Problem) -> Retried {
        let entry = try entry(named: name, tenant: tenant)
        guard entry.isRegularFile, let (sha256, size) = try digest(of: entry) else { throw .notRegular(name) }
        let before = retries(of: sha256)
        if before >= Self.maxRetries && !force { throw .tooManyRetries(name, retries: before) }
        let newFolder = inbox.appendingPathComponent("new")
        let tmpFolder = inbox.appendingPathComponent("tmp")
        var inboxName = Self.originalName(of: name)
        do {
            try DurableFile.createFolder(newFolder)
            try DurableFile.createFolder(tmpFolder)
        } catch {
            throw .io("cannot prepare the inbox \(inbox.path): \(error)")
        }
        if FileManager.default.fileExists(atPath: newFolder.appendingPathComponent(inboxName).path) {
            inboxName += ".retry-\(before + 1)"
        }
        // The audit line first: a crash after it counts a retry that may not have
        // happened (the file is then still here), never the other way round.
        try append([
            "at": Self.iso(now), "action": "retry", "tenant": tenant, "file": name, "sha256": sha256, "size": size,
            "by": caller.name, "uid": Int(caller.uid), "retry": before + 1,
            "inbox_file": "new/\(inboxName)",
        ])
        let source = folder.appendingPathComponent(name).path
        let staged = tmpFolder.appendingPathComponent(inboxName).path
        if rename(source, staged) != 0 {
            guard errno == EXDEV else {
                throw .io("cannot move \(source) to \(staged): \(String(cString: strerror(errno)))")
            }
            try copy(source, to: staged)
        }
        guard rename(staged, newFolder.appendingPathComponent(inboxName).path) == 0 else {
            throw .io("cannot move \(staged) into \(newFolder.path): \(String(cString: strerror(errno)))")
        }
        unlink(source)  // after a copy across file systems; gone already after a rename
        unlink(source + Self.reasonSuffix)
        do {
            try DurableFile.syncFolder(newFolder)
            try DurableFile.syncFolder(folder)
        } catch {
            throw .io("\(error)")
        }
        return Retried(file: name, inboxName: inboxName, retry: before + 1)
    }

    /// What `purge` removed: each file with its hash and size.
    public struct Purged: Sendable, Equatable {
        public var file: String
        public var sha256: String?
        public var size: Int64
    }

    /// Removes the file and its reason file for good, after the audit line.
    public func purge(_ name: String, tenant: String, by caller: DeskCaller, at now: Date) throws(Problem) -> Purged {
        let entry = try entry(named: name, tenant: tenant)
        let digest = try digest(of: entry)
        let size = digest?.size ?? entry.size
        try append([
            "at": Self.iso(now), "action": "purge", "tenant": tenant, "file": name,
            "sha256": digest.map { $0.sha256 as Any } ?? NSNull(), "size": size, "by": caller.name,
            "uid": Int(caller.uid), "reason": entry.reason.map { $0 as Any } ?? NSNull(),
        ])
        let path = folder.appendingPathComponent(name).path
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .io("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
        unlink(path + Self.reasonSuffix)
        do { try DurableFile.syncFolder(folder) } catch { throw .io("\(error)") }
        return Purged(file: name, sha256: digest?.sha256, size: size)
    }

    /// The inbox name a quarantined file had: its name without the `<unix>-<8 hex>-` prefix.
    static func originalName(of name: String) -> String {
        let parts = name.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].allSatisfy(\.isNumber), parts[1].count == 8, !parts[2].isEmpty {
            return String(parts[2])
        }
        return name
    }

    /// Appends one JSON line to the ledger and fsyncs it.
    private func append(_ record: [String: Any]) throws(Problem) {
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else {
            throw .io("cannot encode the audit record")
        }
        let bytes = Array(data) + [0x0A]
        let fd = Glibc.open(ledger.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o640)
        if fd >= 0 { Self.giveToOwner(of: archive.root, fd) }
        guard fd >= 0 else {
            throw .io("cannot open the audit ledger \(ledger.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw .io("cannot write the audit ledger \(ledger.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Copies a regular file (EXDEV) to `target`, fsynced.
    private func copy(_ source: String, to target: String) throws(Problem) {
        let input = Glibc.open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw .io("cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let output = Glibc.open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw .io("cannot create \(target): \(String(cString: strerror(errno)))") }
        Self.giveToOwner(of: URL(fileURLWithPath: target).deletingLastPathComponent(), output)
        defer { close(output) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(source): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            let written = chunk.withUnsafeBytes { Glibc.write(output, $0.baseAddress!, count) }
            guard written == count else { throw .io("cannot write \(target): \(String(cString: strerror(errno)))") }
        }
        guard fsync(output) == 0 else { throw .io("cannot fsync \(target): \(String(cString: strerror(errno)))") }
    }

    /// Root acting directly (not through the daemon) must not leave a file the
    /// daemon's user cannot use: what root creates here (the ledger, a copy in the
    /// inbox) is given to the owner and group of the folder it is in.
    static func giveToOwner(of folder: URL, _ descriptor: Int32) {
        guard geteuid() == 0 else { return }
        var folderStatus = stat()
        var fileStatus = stat()
        guard stat(folder.path, &folderStatus) == 0, fstat(descriptor, &fileStatus) == 0,
            fileStatus.st_uid != folderStatus.st_uid || fileStatus.st_gid != folderStatus.st_gid
        else { return }
        _ = fchown(descriptor, folderStatus.st_uid, folderStatus.st_gid)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Bytes as text a terminal can show safely: printable ASCII, tab and line
    /// breaks as they are, every other byte as `\xNN`.
    public static func escapedText(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            switch byte {
            case 0x20...0x7E, 0x0A, 0x09: out.append(Character(UnicodeScalar(byte)))
            case 0x0D: out += "\\r"
            default: out += String(format: "\\x%02X", byte)
            }
        }
        return out
    }
}
