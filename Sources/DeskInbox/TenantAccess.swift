import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps a tenant's archive and store readable by that office's group and by nobody
/// else, and writable by the daemon only (PRODUCT.md §2; docs/PERMISSIONS.md).
///
/// Targets: folders `rwxr-s---` (02750: the setgid bit makes files created later
/// inherit the group), files `rw-r-----` (0640), group = the tenant's `access_group`.
///
/// The walk never follows a symbolic link: the top folder is opened with
/// `O_NOFOLLOW`, every folder below with `openat(…, O_NOFOLLOW | O_DIRECTORY)`, every
/// entry is looked at with `fstatat(AT_SYMLINK_NOFOLLOW)`, and links, FIFOs,
/// sockets and devices are left alone unopened. Modes and group are checked first
/// and only what is wrong is changed, through a descriptor, so an archive that is
/// already right costs one `fstatat` per entry and no change at all.
///
/// A file to change is held by an `O_PATH | O_NOFOLLOW` descriptor, never opened
/// for reading: closing any ordinary descriptor of a file drops every POSIX lock
/// this process holds on it, and the daemon may have the store open through SQLite
/// (its locks on the database and on `-shm`) while this runs. A lost lock lets
/// another process reset `-shm` under SQLite's mapping (SIGBUS) or corrupt the
/// database (sqlite.org/howtocorrupt.html §2.2); an `O_PATH` descriptor's close
/// releases no lock. Through it: `fchownat(fd, "", AT_EMPTY_PATH)` and `chmod` of
/// `/proc/self/fd/N`, which is that very file. In particular a folder that already is 02750 never sees a `chmod`: under
/// systemd's `RestrictSUIDSGID=yes` any chmod whose mode carries the setgid bit
/// fails with EPERM, so the tenant folders are made at install time by
/// `systemd/competency-desk.tmpfiles.conf`, and folders the daemon creates inside
/// them inherit the bit from their parent (`mkdir`, no chmod).
public enum TenantAccess {
    /// Folders: `rwxr-s---`.
    public static let folderMode: mode_t = 0o2750
    /// Files: `rw-r-----`.
    public static let fileMode: mode_t = 0o640

    /// How far the walk goes; past either limit it stops and says so in the report.
    public struct Limits: Sendable {
        /// Folders deeper than this below the top are not opened (the archive is
        /// `YYYY/MM/` and `quarantine/`: depth 2).
        public var maxDepth: Int
        /// Entries looked at before the walk stops.
        public var maxEntries: Int

        public init(maxDepth: Int = 8, maxEntries: Int = 1_000_000) {
            self.maxDepth = maxDepth
            self.maxEntries = maxEntries
        }
    }

    /// What a walk saw and did.
    public struct Report: Sendable, Equatable {
        /// Folders and files looked at (the top included).
        public var examined = 0
        /// Folders and files whose group or mode was changed.
        public var changed = 0
        /// Symbolic links, FIFOs, sockets and devices: left alone, never opened or followed.
        public var skipped = 0
        /// Entries below the top that were wrong and belong to another user, so the
        /// daemon's user may not change them (a file delivered by another user and
        /// moved into quarantine/, say). Left as they are; at most 10 paths are kept.
        public var notOwned = 0
        public var notOwnedExamples: [String] = []
        /// Why the walk stopped before the end (a limit), if it did.
        public var cutShort: String?

        public init() {}

        /// Adds another walk's counts to this one.
        public mutating func add(_ other: Report) {
            examined += other.examined
            changed += other.changed
            skipped += other.skipped
            notOwned += other.notOwned
            notOwnedExamples = Array((notOwnedExamples + other.notOwnedExamples).prefix(10))
            cutShort = cutShort ?? other.cutShort
        }
    }

    /// Gives the folder `folder` (a tenant's archive) and everything in it to `group`:
    /// folders 02750, files 0640. `folder` must be a real folder: a symbolic link
    /// there is refused, never followed.
    @discardableResult
    public static func restrict(folder: URL, to group: gid_t, limits: Limits = Limits()) throws(TenantAccessError)
        -> Report
    {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            var status = stat()
            if lstat(folder.path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
                throw TenantAccessError(
                    path: folder.path, code: ELOOP,
                    "refusing \(folder.path): the tenant's folder is a symbolic link (never followed); point the tenant file at the real folder"
                )
            }
            if code == ENOTDIR {
                throw TenantAccessError(path: folder.path, code: code, "refusing \(folder.path): not a folder")
            }
            throw TenantAccessError(path: folder.path, code: code, "cannot open folder \(folder.path): \(describe(code))")
        }
        defer { close(fd) }
        var walk = Walk(group: group, limits: limits)
        walk.report.examined = 1
        try walk.fix(fd, path: folder.path, target: folderMode, top: true)
        try walk.descend(fd, path: folder.path, depth: 0)
        return walk.report
    }

    /// Gives one file (a store file kept outside the archive) to `group`, mode 0640.
    /// A missing file is no error; a symbolic link, or anything but a regular file,
    /// is refused.
    @discardableResult
    public static func restrict(file: URL, to group: gid_t) throws(TenantAccessError) -> Report {
        // O_PATH: not opened for reading (no lock of this process is dropped on close,
        // no FIFO blocks); O_NOFOLLOW: a link is held as the link itself.
        let fd = open(file.path, pathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return Report() }
            throw TenantAccessError(path: file.path, code: code, "cannot open \(file.path): \(describe(code))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw TenantAccessError(path: file.path, code: errno, "cannot inspect \(file.path): \(describe(errno))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK:
            throw TenantAccessError(
                path: file.path, code: ELOOP, "refusing \(file.path): it is a symbolic link (never followed)")
        default:
            throw TenantAccessError(path: file.path, code: EINVAL, "refusing \(file.path): not a regular file")
        }
        var walk = Walk(group: group, limits: Limits())
        walk.report.examined = 1
        try walk.fix(fd, path: file.path, target: fileMode, top: true)
        return walk.report
    }

    /// `O_PATH` (Linux; not exported to Swift): a descriptor that names a file
    /// without opening it.
    static let pathOnly: Int32 = 0o10_000_000
    /// `AT_EMPTY_PATH` (Linux): act on the descriptor itself.
    static let emptyPath: Int32 = 0x1000

    /// One walk: the target group, the limits and what was done so far.
    struct Walk {
        let group: gid_t
        let limits: Limits
        let user = geteuid()
        var report = Report()

        init(group: gid_t, limits: Limits) {
            self.group = group
            self.limits = limits
        }

        /// Whether an entry with `status` differs from the target.
        func isWrong(_ status: stat, target: mode_t) -> Bool {
            status.st_gid != group || status.st_mode & 0o7777 != target
        }

        /// Walks the entries of the open folder `fd` (at `depth` below the top).
        mutating func descend(_ fd: Int32, path: String, depth: Int) throws(TenantAccessError) {
            let listing = dup(fd)
            guard listing >= 0, let directory = fdopendir(listing) else {
                let code = errno
                if listing >= 0 { close(listing) }
                throw TenantAccessError(path: path, code: code, "cannot list folder \(path): \(describe(code))")
            }
            defer { closedir(directory) }
            rewinddir(directory)
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                if report.examined >= limits.maxEntries {
                    report.cutShort = "stopped after \(limits.maxEntries) entries; the rest was not checked"
                    return
                }
                report.examined += 1
                let child = path + "/" + FileName.display(name)
                var status = stat()
                let found = Self.withCString(name) { fstatat(fd, $0, &status, AT_SYMLINK_NOFOLLOW) }
                guard found == 0 else { continue }  // gone since listed
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    guard depth + 1 <= limits.maxDepth else {
                        report.cutShort = report.cutShort
                            ?? "folders deeper than \(limits.maxDepth) levels were not checked (\(child))"
                        continue
                    }
                    let sub = Self.withCString(name) {
                        openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                    }
                    guard sub >= 0 else {
                        let code = errno
                        if code == ENOENT || code == ENOTDIR || code == ELOOP {
                            report.skipped += 1  // replaced since the fstatat: not followed
                            continue
                        }
                        if status.st_uid != user, user != 0 {
                            noteNotOwned(child)
                            continue
                        }
                        throw TenantAccessError(path: child, code: code, "cannot open folder \(child): \(describe(code))")
                    }
                    defer { close(sub) }
                    try fix(sub, path: child, target: folderMode, top: false)
                    try descend(sub, path: child, depth: depth + 1)
                    if report.cutShort != nil, report.examined >= limits.maxEntries { return }
                case S_IFREG:
                    // The common case: right already, one fstatat and nothing more.
                    guard isWrong(status, target: fileMode) else { continue }
                    // Held, not opened (see the type's comment: the store's locks).
                    let file = Self.withCString(name) { openat(fd, $0, TenantAccess.pathOnly | O_NOFOLLOW | O_CLOEXEC) }
                    guard file >= 0 else {
                        let code = errno
                        if code == ENOENT {
                            continue  // gone since the fstatat
                        }
                        throw TenantAccessError(path: child, code: code, "cannot open \(child): \(describe(code))")
                    }
                    defer { close(file) }
                    try fix(file, path: child, target: fileMode, top: false)
                default:
                    report.skipped += 1  // links, FIFOs, sockets, devices: never opened, never followed
                }
            }
        }

        /// Changes the group and mode of the open `fd` where they differ from the target.
        mutating func fix(_ fd: Int32, path: String, target: mode_t, top: Bool) throws(TenantAccessError) {
            var status = stat()
            guard fstat(fd, &status) == 0 else {
                throw TenantAccessError(path: path, code: errno, "cannot inspect \(path): \(describe(errno))")
            }
            let isFolder = status.st_mode & S_IFMT == S_IFDIR
            // What was opened must be what the target is for (a swap between the
            // fstatat and the open): anything else is left alone.
            guard isFolder == (target == folderMode), isFolder || status.st_mode & S_IFMT == S_IFREG else {
                report.skipped += 1
                return
            }
            guard isWrong(status, target: target) else { return }
            let owned = user == 0 || status.st_uid == user
            if !top, !owned {
                noteNotOwned(path)
                return
            }
            if status.st_gid != group {
                // uid_t(bitPattern: -1) keeps the owner: only the group changes. On an
                // O_PATH descriptor (files) fchown fails; fchownat(AT_EMPTY_PATH) does it.
                let changed = isFolder
                    ? fchown(fd, uid_t(bitPattern: -1), group)
                    : fchownat(fd, "", uid_t(bitPattern: -1), group, TenantAccess.emptyPath)
                guard changed == 0 else {
                    let code = errno
                    throw TenantAccessError(
                        path: path, code: code,
                        "cannot give \(path) to group \(TenantAccess.label(group)): \(describe(code)); the daemon's user must own it and be a member of that group (systemd/competency-desk.sysusers.conf)"
                    )
                }
                // A chown may clear the setuid and setgid bits: look again.
                guard fstat(fd, &status) == 0 else {
                    throw TenantAccessError(path: path, code: errno, "cannot inspect \(path): \(describe(errno))")
                }
            }
            if status.st_mode & 0o7777 != target {
                // Files: chmod of /proc/self/fd/N is the held file itself (no path lookup
                // of the archive again, no link followed).
                let changed = isFolder ? fchmod(fd, target) : chmod("/proc/self/fd/\(fd)", target)
                guard changed == 0 else {
                    let code = errno
                    if code == EPERM, target & S_ISGID != 0, owned {
                        throw TenantAccessError.setgidRefused(path: path, group: group, code: code)
                    }
                    let hint =
                        !isFolder && code == ENOENT
                        ? "changing a file's mode through its descriptor needs /proc mounted"
                        : "the daemon's user must own it"
                    throw TenantAccessError(
                        path: path, code: code,
                        "cannot set mode \(TenantAccess.octal(target)) on \(path): \(describe(code)); \(hint)")
                }
                guard fstat(fd, &status) == 0 else {
                    throw TenantAccessError(path: path, code: errno, "cannot inspect \(path): \(describe(errno))")
                }
                if status.st_mode & 0o7777 != target {
                    // Linux clears the setgid bit, without an error, when the caller is
                    // not a member of the folder's group.
                    throw TenantAccessError(
                        path: path, code: EPERM,
                        "cannot set mode \(TenantAccess.octal(target)) on \(path): the system left \(TenantAccess.octal(status.st_mode & 0o7777)) (the setgid bit needs the daemon's user to be a member of group \(TenantAccess.label(group)): systemd/competency-desk.sysusers.conf); create the folder at install time with systemd/competency-desk.tmpfiles.conf (systemd-tmpfiles --create)"
                    )
                }
            }
            report.changed += 1
        }

        mutating func noteNotOwned(_ path: String) {
            report.notOwned += 1
            if report.notOwnedExamples.count < 10 { report.notOwnedExamples.append(path) }
        }

        static func withCString<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
            (name + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
            }
        }
    }

    /// `competency-retail-jp (gid 41011)`, or `gid 41011` for a group without a name.
    static func label(_ group: gid_t) -> String {
        guard let name = name(of: group) else { return "gid \(group)" }
        return "\(name) (gid \(group))"
    }

    /// The group's name in the system's group database, if it has one.
    static func name(of group: gid_t) -> String? {
        var entry = GroupEntry()
        var result: UnsafeMutablePointer<GroupEntry>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let found = getgrgid_r(group, &entry, &buffer, buffer.count, &result)
        guard found == 0, result != nil, let name = entry.gr_name else { return nil }
        return String(cString: name)
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Glibc's `struct group` (the name `group` is taken by parameters here).
typealias GroupEntry = Glibc.group

/// Why a tenant's archive or store could not be given to its group. The tenant is
/// then unhealthy (logged and retried); the other tenants run.
public struct TenantAccessError: Error, Sendable, CustomStringConvertible {
    public let path: String
    /// The errno behind it.
    public let code: Int32
    public let description: String

    init(path: String, code: Int32, _ description: String) {
        self.path = path
        self.code = code
        self.description = description
    }

    /// True for the EPERM of a chmod that sets the setgid bit (`RestrictSUIDSGID=yes`).
    public var isSetgidRefused: Bool { description.hasPrefix("cannot set the setgid bit on ") }

    static func setgidRefused(path: String, group: gid_t, code: Int32) -> TenantAccessError {
        TenantAccessError(
            path: path, code: code,
            "cannot set the setgid bit on \(path) (EPERM: the unit's RestrictSUIDSGID=yes forbids it); create the folder at install time with systemd/competency-desk.tmpfiles.conf (systemd-tmpfiles --create), or as root: chown :\(TenantAccess.name(of: group) ?? "\(group)") '\(path)' && chmod 2750 '\(path)'"
        )
    }
}
