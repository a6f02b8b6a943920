import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One tenant's delivery folder (PRODUCT.md §3): a Maildir whose `new/` holds
/// delivered messages, plus complete files dropped into the folder itself.
///
/// Mail systems write into `tmp/` and rename into `new/`, so everything in
/// `new/` is complete. A hand-dropped file is complete unless its name starts
/// with `.` or ends in `.tmp` or `.part` (what scp, rsync and browsers use
/// while a copy is still running).
public struct InboxFolder: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public var new: URL { root.appendingPathComponent("new") }

    /// Creates `tmp/`, `new/` and `cur/` so a mail system can deliver at once.
    public func prepare() throws(FileOperationError) {
        for sub in ["tmp", "new", "cur"] {
            try DurableFile.createFolder(root.appendingPathComponent(sub))
        }
    }

    /// Complete files waiting, oldest first (by receipt order a mail system would give:
    /// modification time, then name), so the queue fills in the order mail arrived.
    public func pendingFiles() -> [InboxEntry] {
        var entries: [InboxEntry] = []
        for folder in [new, root] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where Self.isComplete(name) {
                let url = folder.appendingPathComponent(name)
                var status = stat()
                guard lstat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
                let mtime = Date(
                    timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
                entries.append(
                    InboxEntry(
                        url: url, name: name, size: Int64(status.st_size), modified: mtime, isMaildir: folder == new))
            }
        }
        return entries.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// Whether a name in the inbox is a complete file rather than one still being written.
    public static func isComplete(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part")
            && !["tmp", "new", "cur"].contains(name)
    }
}

/// A complete file in an inbox.
public struct InboxEntry: Sendable, Equatable {
    public let url: URL
    public let name: String
    public let size: Int64
    public let modified: Date
    /// Delivered into `new/` by a mail system (as opposed to dropped by hand).
    public let isMaildir: Bool

    public init(url: URL, name: String, size: Int64, modified: Date, isMaildir: Bool) {
        self.url = url
        self.name = name
        self.size = size
        self.modified = modified
        self.isMaildir = isMaildir
    }

    /// The delivery time a Maildir name starts with (`1764381271.M5P1234.host`), if any.
    public var maildirTimestamp: Date? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 9, digits.count <= 11, name.dropFirst(digits.count).first == ".",
            let seconds = Double(digits)
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
