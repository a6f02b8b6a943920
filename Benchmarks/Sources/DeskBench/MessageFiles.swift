import Foundation

/// The message files under a folder, in a fixed order, and their bytes.
///
/// Both implementations must read exactly the same files, so this is the one
/// place that decides which files count: `desk-bench --list-files` prints the
/// choice and the Python baseline reads that list.
struct MessageFiles {
    /// Paths as `folder/relative/path`, sorted.
    let paths: [String]

    /// Folders of the shared corpus that hold calendars and spreadsheets, not mail.
    private static let dataFolders: Set<String> = ["holiday-jp", "syukujitsu-csv", "jp-holidays-ics"]
    private static let dataFolderPrefixes = ["xlsx-"]

    /// Every message file under `folder`.
    ///
    /// When the folder has an `INDEX.tsv` (the shared corpus does), its `kind`
    /// column decides: licences, READMEs, DMARC XML and attachment files sit
    /// beside the messages there and would flatter whichever reader rejects
    /// them fastest. Without an index, every visible regular file outside the
    /// data folders counts.
    init(under folder: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw BenchError("\(folder) is not a folder")
        }
        let root = URL(fileURLWithPath: folder, isDirectory: true)
        let indexed = try Self.messagePathsInIndex(of: root)
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey],
                options: [.skipsHiddenFiles])
        else {
            throw BenchError("cannot list \(folder)")
        }

        var paths: [String] = []
        let rootLength = root.standardizedFileURL.path.count + 1
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
            let name = url.lastPathComponent
            if values.isDirectory == true {
                if Self.dataFolders.contains(name) || Self.dataFolderPrefixes.contains(where: name.hasPrefix) {
                    walker.skipDescendants()
                }
                continue
            }
            guard values.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(rootLength))
            if let indexed, !indexed.contains(relative) { continue }
            paths.append(folder.hasSuffix("/") ? folder + relative : folder + "/" + relative)
        }
        self.paths = paths.sorted()
    }

    /// The paths whose `kind` is `message` in `INDEX.tsv`; nil when there is no index.
    private static func messagePathsInIndex(of root: URL) throws -> Set<String>? {
        let index = root.appendingPathComponent("INDEX.tsv")
        guard FileManager.default.fileExists(atPath: index.path) else { return nil }
        let text = String(decoding: try Data(contentsOf: index), as: UTF8.self)
        var paths: Set<String> = []
        // Columns: path, source, bytes, sha1, kind, …; a subject with a line
        // break spills onto a short row, which simply does not match.
        for row in text.split(separator: "\n") {
            let columns = row.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false)
            if columns.count > 4, columns[4] == "message" {
                paths.insert(String(columns[0]))
            }
        }
        return paths
    }

    /// Every file's bytes, read before any timing starts.
    func load() throws -> [[UInt8]] {
        try paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BenchError("cannot read \(path)")
            }
            return [UInt8](data)
        }
    }
}

/// A mistake in the arguments or the files, told in plain words.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
