import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `outbox` transport: each message becomes one file in a Maildir
/// (`Outbox/<tenant>/new/`), from which the operator's mail system or job takes it.
///
/// Contract:
/// - Reads: the folder's `new/` and `cur/` (is the message already there?).
/// - Writes: `tmp/<name>`, then `new/<name>`, where `<name>` is the first 32 hex
///   digits of the SHA-256 of the Message-ID and `.competency`. The name depends
///   on the Message-ID alone, so the outbox is exactly-once: a message already in
///   `new/` or `cur/` (also as `cur/<name>:2,…` after a mail reader flagged it) is
///   not written again, and `deliver` says `alreadyThere`.
/// - Durability (crash-only): the file is written to `tmp/` (`O_CREAT|O_EXCL|
///   O_NOFOLLOW`, mode 0640), fsynced, hard-linked into `new/` (`link` fails if
///   the name is taken: no copy is ever replaced), `tmp/` cleared and `new/`
///   fsynced. A kill at any point leaves nothing in `new/` or the complete file;
///   a stale `tmp/` file of the same name is removed by the next attempt.
/// - Folders: the Maildir folder and its `tmp/`, `new/`, `cur/` are created when
///   missing (mode 0750 less the umask; the parent must exist). Each is opened
///   with `O_NOFOLLOW`: a symbolic link in their place is refused, never followed.
/// - Recipients are not used: they are in the message's header, where the
///   mail system reads them.
/// - Errors name the path and are all temporary: a missing or unwritable folder,
///   a full disk, a symbolic link in the way are for the operator to fix, after
///   which the queued messages go out by themselves.
///
/// One writer per folder (the daemon's thread for the tenant) is assumed.
public struct OutboxTransport: MailTransport {
    /// The Maildir, e.g. `Outbox/retail-jp`.
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// The file name a message with `messageID` gets in `new/`.
    public static func fileName(forMessageID messageID: String) -> String {
        let digest = SHA256.hash(data: Data(messageID.utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined() + ".competency"
    }

    public func deliver(_ message: Data, messageID: String, recipients: [Mailbox]) throws(TransportError)
        -> DeliveryReceipt
    {
        let name = Self.fileName(forMessageID: messageID)
        let root = try Self.openFolder(AT_FDCWD, folder.path, path: folder.path)
        defer { close(root) }
        let tmp = try Self.openFolder(root, "tmp", path: folder.appendingPathComponent("tmp").path)
        defer { close(tmp) }
        let new = try Self.openFolder(root, "new", path: folder.appendingPathComponent("new").path)
        defer { close(new) }
        let cur = try Self.openFolder(root, "cur", path: folder.appendingPathComponent("cur").path)
        defer { close(cur) }

        let newPath = folder.appendingPathComponent("new").appendingPathComponent(name).path
        if Self.exists(new, name) || Self.exists(cur, name) || Self.curHoldsFlagged(cur, name) {
            return DeliveryReceipt(detail: "new/\(name) (already in the outbox)", alreadyThere: true)
        }

        // A file of this name in tmp/ is what an attempt killed half-way left.
        let tmpPath = folder.appendingPathComponent("tmp").appendingPathComponent(name).path
        if unlinkat(tmp, name, 0) != 0, errno != ENOENT {
            throw Self.failure("remove the stale", tmpPath, errno)
        }
        let fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Self.failure("create", tmpPath, errno) }
        var failure: TransportError?
        // 0640 whatever the umask: the operator's group reads what it delivers.
        if fchmod(fd, 0o640) != 0 { failure = Self.failure("set the mode of", tmpPath, errno) }
        if failure == nil { failure = Self.writeAll(message, to: fd, path: tmpPath) }
        if failure == nil, fsync(fd) != 0 { failure = Self.failure("fsync", tmpPath, errno) }
        if close(fd) != 0, failure == nil { failure = Self.failure("close", tmpPath, errno) }
        if let failure {
            unlinkat(tmp, name, 0)
            throw failure
        }

        // link, not rename: it fails when the name is taken, so a copy that a
        // racing attempt put there is kept, never replaced.
        let linked = linkat(tmp, name, new, name, 0)
        let linkError = errno
        unlinkat(tmp, name, 0)
        if linked != 0 {
            if linkError == EEXIST {
                return DeliveryReceipt(detail: "new/\(name) (already in the outbox)", alreadyThere: true)
            }
            throw Self.failure("link \(tmpPath) to", newPath, linkError)
        }
        // The new name is durable only once the folder is synced.
        guard fsync(new) == 0 else {
            throw Self.failure("fsync the folder", folder.appendingPathComponent("new").path, errno)
        }
        return DeliveryReceipt(detail: "new/\(name)", alreadyThere: false)
    }

    /// Opens the folder `name` relative to `parent`, creating it when missing, and
    /// refusing a symbolic link or anything that is not a folder.
    private static func openFolder(_ parent: Int32, _ name: String, path: String) throws(TransportError) -> Int32 {
        if mkdirat(parent, name, 0o750) != 0, errno != EEXIST {
            throw failure("create the folder", path, errno)
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            var status = stat()
            if fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0, status.st_mode & S_IFMT == S_IFLNK {
                throw TransportError(
                    "cannot use \(path): it is a symbolic link; the outbox and its tmp/, new/ and cur/ must be real folders",
                    permanent: false)
            }
            throw failure("open the folder", path, code)
        }
        return fd
    }

    private static func exists(_ folder: Int32, _ name: String) -> Bool {
        var status = stat()
        return fstatat(folder, name, &status, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// Whether `cur/` holds `name` with Maildir flags (`name:2,S`), as a mail
    /// reader leaves a message it has seen.
    private static func curHoldsFlagged(_ folder: Int32, _ name: String) -> Bool {
        let copy = dup(folder)
        guard copy >= 0, let directory = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return false
        }
        defer { closedir(directory) }
        let prefix = name + ":"
        while let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if entryName.hasPrefix(prefix) { return true }
        }
        return false
    }

    private static func writeAll(_ data: Data, to fd: Int32, path: String) -> TransportError? {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> TransportError? in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return failure("write", path, errno)
                }
                offset += written
            }
            return nil
        }
    }

    private static func failure(_ action: String, _ path: String, _ code: Int32) -> TransportError {
        let reason = String(cString: strerror(code))
        var remedy = ""
        switch code {
        case ENOENT: remedy = "; check that the folder above it exists (delivery.outbox in the tenant's config)"
        case EACCES, EPERM: remedy = "; the daemon's user needs write access there"
        case ENOSPC, EDQUOT: remedy = "; free some space"
        default: break
        }
        return TransportError("cannot \(action) \(path): \(reason)\(remedy)", permanent: false)
    }
}
