import DeskCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open folder: every later step happens relative to this descriptor
/// (`openat`, `fstatat`, `renameat`, `unlinkat`), never by path again.
///
/// A path is looked up anew at every use, so a name swapped for a symbolic link
/// between two steps sends the second one elsewhere (another tenant's archive,
/// say). A descriptor keeps meaning the folder that was opened and checked.
public final class FolderHandle: Sendable {
    /// Where the folder was when opened: for messages only, never for access.
    public let path: URL
    public let descriptor: Int32
    /// The folder's identity when opened, to notice it being replaced.
    public let device: UInt64
    public let inode: UInt64

    private init(path: URL, descriptor: Int32) throws(FileOperationError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .posix("inspect folder", path.path, code)
        }
        self.path = path
        self.descriptor = descriptor
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
    }

    deinit { close(descriptor) }

    /// Opens the folder at `url`. With `refusingLink`, a symbolic link as the last
    /// component is refused (`FileOperationError.isSymbolicLink`), never followed.
    public static func open(_ url: URL, refusingLink: Bool = true) throws(FileOperationError) -> FolderHandle {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (refusingLink ? O_NOFOLLOW : 0)
        let fd = Glibc.open(url.path, flags)
        guard fd >= 0 else {
            let code = errno
            throw .posix("open folder", url.path, code)
        }
        return try FolderHandle(path: url, descriptor: fd)
    }

    /// Opens the subfolder `name`, creating it (mode 0770 less the umask: 0750 under
    /// the daemon's 027; inside a setgid folder it inherits the group and the bit) when asked.
    /// A symbolic link, or anything that is not a folder, is refused.
    public func subfolder(_ name: String, creating: Bool = false) throws(FileOperationError) -> FolderHandle {
        let url = path.appendingPathComponent(name)
        if creating, mkdirat(descriptor, name, 0o770) != 0, case let code = errno, code != EEXIST {
            throw .posix("create folder", url.path, code)
        }
        let fd = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw .posix("open folder", url.path, code)
        }
        return try FolderHandle(path: url, descriptor: fd)
    }

    /// Whether `name` in this folder is still the folder `handle` opened (not
    /// renamed away and replaced, for instance by a symbolic link).
    public func stillHolds(_ name: String, as handle: FolderHandle) -> Bool {
        guard let status = status(of: Array(name.utf8)) else { return false }
        return (status.st_mode & S_IFMT) == S_IFDIR && UInt64(status.st_dev) == handle.device
            && UInt64(status.st_ino) == handle.inode
    }

    /// The raw names in the folder (not `.` and `..`), at most `limit` of them.
    /// Names are bytes: Linux allows any byte but `/` and NUL, UTF-8 or not.
    public func names(limit: Int = .max) throws(FileOperationError) -> [[UInt8]] {
        let fd = dup(descriptor)
        guard fd >= 0, let directory = fdopendir(fd) else {
            let code = errno
            if fd >= 0 { close(fd) }
            throw .posix("list folder", path.path, code)
        }
        defer { closedir(directory) }
        // The duplicate shares the read position with `descriptor`: start from the top.
        rewinddir(directory)
        var names: [[UInt8]] = []
        while names.count < limit, let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names
    }

    /// `lstat` of `name` in this folder: what the name is, without following it.
    public func status(of name: [UInt8]) -> stat? {
        var status = stat()
        let result = Self.withCString(name) { fstatat(descriptor, $0, &status, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? status : nil
    }

    /// Opens the file `name` for reading: no symbolic link followed, no blocking on
    /// a FIFO or device, and the caller checks what was opened (`OpenedFile`).
    public func openFile(_ name: [UInt8]) throws(FileOperationError) -> OpenedFile {
        let fd = Self.withCString(name) { openat(descriptor, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno  // before anything else can overwrite it
            throw .posix("open", display(name), code)
        }
        return try OpenedFile(descriptor: fd, path: display(name))
    }

    /// Removes `name` and makes the removal durable (fsync of this folder).
    public func remove(_ name: [UInt8], syncing: Bool = true) throws(FileOperationError) {
        let result = Self.withCString(name) { unlinkat(descriptor, $0, 0) }
        if result != 0, case let code = errno, code != ENOENT { throw .posix("remove", display(name), code) }
        if syncing { try sync() }
    }

    /// Renames `name` into `destination` as `newName`; fails with EXDEV across file systems.
    public func rename(_ name: [UInt8], to destination: FolderHandle, as newName: String) throws(FileOperationError) {
        let result = Self.withCString(name) { renameat(descriptor, $0, destination.descriptor, newName) }
        guard result == 0 else {
            let code = errno
            throw .posix("move \(display(name)) to", destination.path.appendingPathComponent(newName).path, code)
        }
    }

    /// fsync of the folder: makes the names in it (a rename, a removal) durable.
    public func sync() throws(FileOperationError) {
        guard fsync(descriptor) == 0 else { throw .lastError("fsync folder", path.path) }
    }

    /// A printable path for `name`, control characters and invalid bytes escaped.
    public func display(_ name: [UInt8]) -> String {
        path.appendingPathComponent(FileName.display(name)).path
    }

    static func withCString<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (name + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// A file opened for reading, with what `fstat` says it is.
public final class OpenedFile {
    public let descriptor: Int32
    public let path: String
    public let status: stat

    init(descriptor: Int32, path: String) throws(FileOperationError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .posix("inspect", path, code)
        }
        self.descriptor = descriptor
        self.path = path
        self.status = status
    }

    deinit { close(descriptor) }

    public var isRegularFile: Bool { (status.st_mode & S_IFMT) == S_IFREG }
    public var device: UInt64 { UInt64(status.st_dev) }
    public var inode: UInt64 { UInt64(status.st_ino) }
    public var linkCount: UInt64 { UInt64(status.st_nlink) }
    public var size: Int64 { Int64(status.st_size) }

    /// Reads from the current position to the end, but never more than `limit + 1`
    /// bytes: a result longer than `limit` means "over the limit", whatever size
    /// the file had when it was listed (files grow).
    public func readAll(limit: Int) throws(FileOperationError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(max(Int(status.st_size), 0), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while result.count <= limit {
            let wanted = min(chunk.count, limit + 1 - result.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .lastError("read", path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// `fstat` now: what the file is after reading it (a file still being written grows).
    public func currentStatus() -> stat? {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? status : nil
    }
}

/// File names as bytes, for display and for safe new names.
public enum FileName {
    /// `name` as text: UTF-8 where valid, every other byte as `\xNN`, control
    /// characters escaped (a name with a newline must not forge a log line).
    public static func display(_ name: [UInt8]) -> String {
        if let text = String(validating: name, as: UTF8.self) { return SafeText.escapingControls(text) }
        var result = ""
        var index = 0
        while index < name.count {
            // Take the longest valid UTF-8 sequence starting here, else escape one byte.
            var decoded: String?
            var length = 1
            for candidate in stride(from: min(4, name.count - index), through: 1, by: -1) {
                if let text = String(validating: name[index..<(index + candidate)], as: UTF8.self) {
                    decoded = text
                    length = candidate
                    break
                }
            }
            if let decoded {
                result += SafeText.escapingControls(decoded)
            } else {
                let hex = String(name[index], radix: 16, uppercase: true)
                result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            }
            index += length
        }
        return result
    }
}
