import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Puts a tenant's archive and store under one operating-system group, so only
/// that office's reviewers can read them (PRODUCT.md §2: the OS enforces tenant
/// isolation, not only the CLI).
///
/// Folders become `rwxrws---` (setgid: files created later inherit the group),
/// files `rw-rw----`. The daemon runs with umask 007, so what it creates later is
/// never readable by others either.
public enum TenantAccess {
    /// Applies the group and modes to `item`, and to everything in it when it is a folder.
    public static func restrict(_ item: URL, to group: gid_t) throws(FileOperationError) {
        var status = stat()
        guard stat(item.path, &status) == 0 else { throw .lastError("inspect", item.path) }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            try apply(item.path, group: group, mode: 0o660)
            return
        }
        let folder = item
        try apply(folder.path, group: group, mode: 0o2770)
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return }
        while let relative = walker.nextObject() as? String {
            let path = folder.appendingPathComponent(relative).path
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: try apply(path, group: group, mode: 0o2770)
            case S_IFREG: try apply(path, group: group, mode: 0o660)
            default: continue  // links and the like are left alone
            }
        }
    }

    private static func apply(_ path: String, group: gid_t, mode: mode_t) throws(FileOperationError) {
        // uid_t(bitPattern: -1) keeps the owner: only the group changes.
        guard chown(path, uid_t(bitPattern: -1), group) == 0 else { throw .lastError("give group \(group) to", path) }
        guard chmod(path, mode) == 0 else { throw .lastError("set permissions on", path) }
    }
}
