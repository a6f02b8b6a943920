import DeskCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One tenant's delivery folder (PRODUCT.md §3): a Maildir whose `new/` (and
/// `cur/`) hold delivered messages, plus files dropped into the folder itself.
///
/// The inbox is hostile ground: anyone who can deliver or drop a file chooses
/// its name, its type and when it changes. So the folder is opened once, from
/// the trusted configured path, and `tmp/`, `new/` and `cur/` are opened
/// relative to it with `O_NOFOLLOW`: a symbolic link in their place is refused,
/// never followed (it could lead into another tenant's archive). Every later
/// step (list, stat, open, rename, unlink) is relative to those handles, and
/// each scan checks that the names still hold the folders that were opened.
///
/// Mail systems write into `tmp/` and rename into `new/`, so everything in
/// `new/` and `cur/` is complete. A file dropped into the folder itself is taken
/// only when its name does not say "still copying" (a leading `.`, `.tmp`,
/// `.part`) and it has not changed for the quiet period: `cp` and `scp` write
/// under the final name.
public final class InboxFolder: Sendable {
    public let root: URL
    let rootHandle: FolderHandle
    let newHandle: FolderHandle
    let curHandle: FolderHandle
    let tmpHandle: FolderHandle

    /// At most this many entries are taken from one folder in one scan; the rest
    /// wait for the next one (a folder of a million names must not stall a tenant).
    public static let maxEntriesPerScan = 10_000

    /// Opens the inbox at `root` (a symbolic link there is refused too), creating
    /// `tmp/`, `new/` and `cur/` so a mail system can deliver at once. Folders the
    /// daemon creates are 0770 less its umask (027): 0750, for a mail system that
    /// delivers as the daemon's user; the install layout
    /// (`systemd/competency-desk.tmpfiles.conf`) creates them 2770 for a delivery
    /// group instead, and an existing folder's mode is never changed here.
    public init(opening root: URL) throws(InboxError) {
        self.root = root
        do {
            if mkdir(root.path, 0o770) != 0, errno != EEXIST {
                // A missing parent: create the chain (the path is the operator's).
                try DurableFile.createFolder(root)
            }
            rootHandle = try FolderHandle.open(root, refusingLink: true)
        } catch {
            throw InboxError(folder: root, error: error)
        }
        func open(_ name: String, in parent: FolderHandle) throws(InboxError) -> FolderHandle {
            do {
                return try parent.subfolder(name, creating: true)
            } catch {
                throw InboxError(folder: parent.path.appendingPathComponent(name), error: error)
            }
        }
        tmpHandle = try open("tmp", in: rootHandle)
        newHandle = try open("new", in: rootHandle)
        curHandle = try open("cur", in: rootHandle)
    }

    public var new: URL { root.appendingPathComponent("new") }
    public var cur: URL { root.appendingPathComponent("cur") }

    /// The folders to watch for arrivals (by their open descriptors' identity).
    public var watchedFolders: [FolderHandle] { [newHandle, curHandle, rootHandle] }

    /// Throws when the inbox, `new/`, `cur/` or `tmp/` is no longer the folder that was
    /// opened: replaced by a symbolic link or another folder. The tenant must then be
    /// reopened (which refuses a link) rather than go on reading a detached folder.
    public func verify() throws(InboxError) {
        var status = stat()
        guard lstat(root.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR,
            UInt64(status.st_dev) == rootHandle.device, UInt64(status.st_ino) == rootHandle.inode
        else {
            throw InboxError(folder: root, reason: "the inbox folder was replaced (by a link or another folder) while open")
        }
        for (name, handle) in [("new", newHandle), ("cur", curHandle), ("tmp", tmpHandle)]
        where !rootHandle.stillHolds(name, as: handle) {
            throw InboxError(
                folder: root.appendingPathComponent(name),
                reason: "was replaced (by a symbolic link or another folder) while open; never followed")
        }
    }

    /// What one scan found.
    public struct Scan: Sendable {
        /// Complete regular files, oldest first (modification time, then name):
        /// the order a mail system delivered them in.
        public var ready: [InboxEntry] = []
        /// Things in the inbox that are not messages and must not be read (links,
        /// FIFOs, devices, files with hard links elsewhere, names that are not UTF-8).
        public var refused: [RefusedEntry] = []
        /// Loose files still inside their quiet period, and when the first one may be taken.
        public var waiting: [InboxEntry] = []
        public var waitingUntil: Date?
    }

    /// Lists what is waiting. `quietPeriod` applies to files in the folder itself only.
    public func scan(now: Date, quietPeriod: Duration = .zero) -> Scan {
        var scan = Scan()
        let quiet = Double(quietPeriod.components.seconds) + Double(quietPeriod.components.attoseconds) / 1e18
        for (place, handle) in [(InboxEntry.Place.new, newHandle), (.cur, curHandle), (.root, rootHandle)] {
            guard let names = try? handle.names(limit: Self.maxEntriesPerScan) else { continue }
            for name in names where Self.isComplete(name) {
                if place == .root, ["tmp", "new", "cur"].contains(String(decoding: name, as: UTF8.self)) { continue }
                guard let status = handle.status(of: name) else { continue }  // gone since listed
                let type = status.st_mode & S_IFMT
                let modified = Date(
                    timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
                let changed = Date(
                    timeIntervalSince1970: Double(status.st_ctim.tv_sec) + Double(status.st_ctim.tv_nsec) / 1e9)
                let entry = InboxEntry(
                    folder: handle, rawName: name, place: place, size: Int64(status.st_size), modified: modified,
                    device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                if type == S_IFDIR { continue }  // a folder dropped in: not ours to take apart
                if let reason = Self.refusal(type: type, links: UInt64(status.st_nlink), name: name) {
                    scan.refused.append(RefusedEntry(entry: entry, reason: reason))
                    continue
                }
                if place == .root, quiet > 0 {
                    // cp, scp and rsync --inplace write under the final name: wait until the
                    // file has stood still (content and metadata) for the quiet period.
                    let settled = max(modified, changed).addingTimeInterval(quiet)
                    if settled > now {
                        scan.waiting.append(entry)
                        scan.waitingUntil = min(scan.waitingUntil ?? settled, settled)
                        continue
                    }
                }
                scan.ready.append(entry)
            }
        }
        scan.ready.sort { ($0.modified, $0.name) < ($1.modified, $1.name) }
        return scan
    }

    /// Why an inbox entry must not be read, or nil when it is a plain file.
    static func refusal(type: mode_t, links: UInt64, name: [UInt8]) -> String? {
        switch type {
        case S_IFREG: break
        case S_IFLNK: return "a symbolic link, not a file: links in an inbox are never followed"
        case S_IFIFO: return "a FIFO (named pipe), not a file: never read"
        case S_IFSOCK: return "a socket, not a file: never read"
        case S_IFCHR, S_IFBLK: return "a device, not a file: never read"
        default: return "not a regular file: never read"
        }
        if links > 1 {
            return "the file has \(links) hard links: a file linked from elsewhere (perhaps another tenant's archive) is never read"
        }
        if String(validating: name, as: UTF8.self) == nil {
            return "the file name is not valid UTF-8: it cannot be recorded or shown faithfully"
        }
        return nil
    }

    /// Whether a name in the inbox is a complete file rather than one still being written.
    public static func isComplete(_ name: [UInt8]) -> Bool {
        guard let first = name.first, first != UInt8(ascii: ".") else { return false }
        for suffix in [".tmp", ".part"] where name.count >= suffix.utf8.count && name.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) {
            return false
        }
        return true
    }

    public static func isComplete(_ name: String) -> Bool {
        isComplete(Array(name.utf8)) && !["tmp", "new", "cur"].contains(name)
    }
}

/// A file in an inbox, as the scan saw it.
public struct InboxEntry: Sendable {
    /// Where in the inbox: Maildir `new/` or `cur/`, or dropped into the folder itself.
    public enum Place: String, Sendable { case new, cur, root }

    /// The folder holding it; every access goes through this handle.
    public let folder: FolderHandle
    /// The name as the file system has it (any bytes but `/` and NUL).
    public let rawName: [UInt8]
    public let place: Place
    public let size: Int64
    public let modified: Date
    /// Identity at scan time: what is opened later must be this very file.
    public let device: UInt64
    public let inode: UInt64

    public init(
        folder: FolderHandle, rawName: [UInt8], place: Place, size: Int64, modified: Date, device: UInt64,
        inode: UInt64
    ) {
        self.folder = folder
        self.rawName = rawName
        self.place = place
        self.size = size
        self.modified = modified
        self.device = device
        self.inode = inode
    }

    /// The name for records and logs: UTF-8, control characters and invalid bytes escaped.
    public var name: String { FileName.display(rawName) }

    /// Full path, for messages only.
    public var url: URL { folder.path.appendingPathComponent(name) }

    /// Delivered by a mail system (`new/`, `cur/`), as opposed to dropped by hand.
    public var isMaildir: Bool { place != .root }

    /// A file named on the command line (`competency ingest FILE`): the operator's own
    /// path, so a link in the folder part is theirs to use; the file itself is still
    /// opened without following a link and checked like any inbox file.
    public static func standalone(_ url: URL) throws(FileOperationError) -> InboxEntry {
        let folder = try FolderHandle.open(url.deletingLastPathComponent(), refusingLink: false)
        let name = Array(url.lastPathComponent.utf8)
        guard let status = folder.status(of: name) else { throw .lastError("inspect", url.path) }
        return InboxEntry(
            folder: folder, rawName: name, place: .root, size: Int64(status.st_size),
            modified: Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)), device: UInt64(status.st_dev),
            inode: UInt64(status.st_ino))
    }

    /// The delivery time a Maildir name starts with (`1764381271.M5P1234.host`), if any.
    public var maildirTimestamp: Date? { Self.maildirTimestamp(of: name) }

    public static func maildirTimestamp(of name: String) -> Date? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 9, digits.count <= 11, name.dropFirst(digits.count).first == ".",
            let seconds = Double(digits)
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// What reading the entry gave.
    public enum Contents {
        /// The bytes, with the descriptor they were read from (still open).
        case bytes([UInt8], OpenedFile)
        /// Larger than the limit when read (whatever the scan saw).
        case tooLarge(atLeast: Int)
        /// Not the file the scan saw, or not a plain file once opened: the reason
        /// says which. `quarantine` says whether to move it aside (else it is
        /// left for the next scan, which looks at it afresh).
        case refused(reason: String, quarantine: Bool)
    }

    /// Opens and reads the entry: no link followed, no blocking on a FIFO, at most
    /// `limit + 1` bytes, and only if it is still the regular file the scan saw.
    public func read(limit: Int) throws(FileOperationError) -> Contents {
        let file: OpenedFile
        do {
            file = try folder.openFile(rawName)
        } catch {
            if case .posix(_, _, let code) = error {
                if code == ELOOP {
                    return .refused(reason: "became a symbolic link after the scan: never followed", quarantine: false)
                }
                if code == ENOENT { return .refused(reason: "disappeared after the scan", quarantine: false) }
                if code == ENXIO {
                    return .refused(reason: "a FIFO or socket, not a file: never read", quarantine: true)
                }
            }
            throw error
        }
        guard file.isRegularFile else {
            let reason =
                InboxFolder.refusal(type: file.status.st_mode & S_IFMT, links: 1, name: rawName)
                ?? "not a regular file: never read"
            return .refused(reason: reason, quarantine: true)
        }
        guard file.device == device, file.inode == inode else {
            return .refused(reason: "was replaced by another file after the scan; looking again next scan", quarantine: false)
        }
        if file.linkCount > 1 {
            return .refused(
                reason: "the file has \(file.linkCount) hard links: a file linked from elsewhere (perhaps another tenant's archive) is never read",
                quarantine: true)
        }
        let bytes = try file.readAll(limit: limit)
        if bytes.count > limit { return .tooLarge(atLeast: bytes.count) }
        if place == .root, let now = file.currentStatus(),
            Int64(now.st_size) != Int64(bytes.count) || now.st_mtim.tv_sec != file.status.st_mtim.tv_sec
                || now.st_mtim.tv_nsec != file.status.st_mtim.tv_nsec
        {
            return .refused(reason: "was still being written while read; looking again next scan", quarantine: false)
        }
        return .bytes(bytes, file)
    }

    /// Removes the entry from the inbox, durably, if the name still holds the file
    /// that was read: a different file moved in under the same name since is left
    /// for the next scan, never deleted unread.
    /// With `syncingFolder` false the removal is durable only once the caller syncs
    /// `folder` (group commit removes a batch, then syncs each folder once).
    public func remove(ifStill file: OpenedFile, syncingFolder: Bool = true) throws(FileOperationError) {
        try remove(ifStill: FileIdentity(device: file.device, inode: file.inode), syncingFolder: syncingFolder)
    }

    /// `remove(ifStill:)` by the identity of the file that was read.
    public func remove(ifStill identity: FileIdentity, syncingFolder: Bool = true) throws(FileOperationError) {
        if let status = folder.status(of: rawName),
            UInt64(status.st_dev) != identity.device || UInt64(status.st_ino) != identity.inode
        {
            return
        }
        try folder.remove(rawName, syncing: syncingFolder)
    }
}

/// Which file a name held when it was read (device and inode): kept after the file
/// is closed, to remove that very file later and never one swapped in since.
public struct FileIdentity: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
    public init(_ file: OpenedFile) { self.init(device: file.device, inode: file.inode) }
}

/// An inbox entry that is not a message and must not be read.
public struct RefusedEntry: Sendable {
    public let entry: InboxEntry
    public let reason: String
}

/// The inbox cannot be used: a folder is missing, unreadable or a symbolic link.
public struct InboxError: Error, Sendable, CustomStringConvertible {
    public let folder: URL
    public let reason: String

    public init(folder: URL, reason: String) {
        self.folder = folder
        self.reason = reason
    }

    init(folder: URL, error: FileOperationError) {
        self.folder = folder
        if case .posix(_, _, let code) = error, code == ELOOP || code == ENOTDIR {
            var status = stat()
            let isLink = lstat(folder.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
            self.reason =
                isLink
                ? "is a symbolic link: an inbox folder is never followed through a link (it could lead into another tenant's files); make it a real folder"
                : "is not a folder"
        } else {
            self.reason = error.description
        }
    }

    public var description: String { "\(folder.path) \(reason)" }
}
