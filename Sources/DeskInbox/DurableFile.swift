import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// File operations that survive `kill -9` and power loss at any instant.
///
/// Every write goes to a temporary name in the destination folder, is fsynced,
/// renamed into place and the folder fsynced, so a reader sees either nothing
/// or the complete file, never a torn one (chasquid's `safeio`, qmail's maildir).
public enum DurableFile {
    /// Prefix of temporaries; a restart removes any left behind (`removeStaleTemporaries`).
    public static let temporaryPrefix = ".competency-tmp-"

    /// Writes `bytes` to `url` atomically, creating folders as needed. `mode` is set
    /// exactly (not less the umask): 0640 by default, 0644 for a file other users'
    /// programs read (the metrics file node_exporter collects, the daemon's status).
    ///
    /// With `syncingFolder` false the file's bytes are durable when this returns but
    /// its name is not until the caller fsyncs the folder (`syncFolder`): group
    /// commit writes a batch of files and then syncs each folder once.
    public static func write(
        _ bytes: some Collection<UInt8>, to url: URL, mode: mode_t = 0o640, syncingFolder: Bool = true
    )
        throws(FileOperationError)
    {
        let folder = url.deletingLastPathComponent()
        try createFolder(folder)
        let temporary = folder.appendingPathComponent(temporaryPrefix + UUID().uuidString)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .lastError("create", temporary.path) }
        var failure: FileOperationError?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .lastError("write", temporary.path)
                    return
                }
                offset += written
            }
        }
        if failure == nil, mode != 0o640, fchmod(fd, mode) != 0 { failure = .lastError("chmod", temporary.path) }
        if failure == nil, fsync(fd) != 0 { failure = .lastError("fsync", temporary.path) }
        close(fd)
        if let failure {
            unlink(temporary.path)
            throw failure
        }
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw .posix("rename into place", url.path, code)
        }
        if syncingFolder { try syncFolder(folder) }
    }

    /// Removes a file and makes the removal durable.
    public static func remove(_ url: URL) throws(FileOperationError) {
        guard unlink(url.path) == 0 else {
            if errno == ENOENT { return }
            throw .lastError("remove", url.path)
        }
        try syncFolder(url.deletingLastPathComponent())
    }

    /// Reads a whole file.
    public static func read(_ url: URL) throws(FileOperationError) -> [UInt8] {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .lastError("open", url.path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var status = stat()
        if fstat(fd, &status) == 0, status.st_size > 0 { result.reserveCapacity(Int(status.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .lastError("read", url.path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Creates `url` and any missing parents, mode 0750 less the umask (the daemon's
    /// is 027: 0750). Never a chmod afterwards: inside a setgid folder (a tenant's
    /// archive, 02750) Linux gives the new folder the parent's group and setgid bit,
    /// so it comes out 02750 by itself, where a chmod setting that bit would be
    /// refused under systemd's `RestrictSUIDSGID=yes` (docs/PERMISSIONS.md).
    /// A folder made here has its name fsynced in its parent: a new month's archive
    /// folder must survive a power cut as the files synced into it do.
    public static func createFolder(_ url: URL) throws(FileOperationError) {
        let path = url.path
        if mkdir(path, 0o750) == 0 {
            try syncFolder(url.deletingLastPathComponent())
            return
        }
        let code = errno
        switch code {
        case EEXIST:
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw .other("create folder", path, "something that is not a folder is in the way")
            }
        case ENOENT:
            let parent = url.deletingLastPathComponent()
            guard parent.path != path, !parent.path.isEmpty else { throw .posix("create folder", path, code) }
            try createFolder(parent)
            if mkdir(path, 0o750) != 0 {
                if errno != EEXIST { throw .lastError("create folder", path) }
            } else {
                try syncFolder(parent)
            }
        default:
            throw .posix("create folder", path, code)
        }
    }

    /// fsync on a folder makes the names in it (a rename, a new file) durable.
    public static func syncFolder(_ url: URL) throws(FileOperationError) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .lastError("open folder", url.path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .lastError("fsync folder", url.path) }
    }

    /// Removes temporaries a crash left in `folder` (not recursive).
    public static func removeStaleTemporaries(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(temporaryPrefix) {
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}

/// A failed file operation: what was attempted, on which path, and why.
public enum FileOperationError: Error, Sendable, CustomStringConvertible {
    case posix(String, String, Int32)
    case other(String, String, String)

    public var description: String {
        switch self {
        case .posix(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        case .other(let operation, let path, let reason):
            return "cannot \(operation) \(path): \(reason)"
        }
    }

    /// The error the last system call left in `errno`, read before `path` is built
    /// (building a string may make calls of its own that overwrite `errno`).
    public static func lastError(_ operation: String, _ path: @autoclosure () -> String) -> FileOperationError {
        let code = errno
        return .posix(operation, path(), code)
    }

    /// True when the error means "permission denied": another tenant's files.
    public var isPermissionDenied: Bool {
        if case .posix(_, _, let code) = self { return code == EACCES || code == EPERM }
        return false
    }
}
