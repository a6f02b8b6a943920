import Foundation

/// A throwaway copy of the project's runnable tree — `Config/`, `Inbox/`,
/// `Archive/` side by side in a temporary folder — for tests that run the real
/// programs on real files.
public struct TemporaryDesk: Sendable {
    public let root: URL

    public var config: URL { root.appendingPathComponent("Config") }
    public var configFile: URL { config.appendingPathComponent("competencyd.yaml") }
    public func inbox(_ tenant: String) -> URL { root.appendingPathComponent("Inbox/\(tenant)") }
    public func archive(_ tenant: String) -> URL { root.appendingPathComponent("Archive/\(tenant)") }

    /// Copies the repository's `Config/` into a new temporary folder.
    ///
    /// Files tests drop straight into an inbox folder are complete when written, so
    /// the copy's `loose_file_quiet_seconds` is `looseFileQuietSeconds` (0 unless a
    /// test is about the quiet period), not the shipped few seconds.
    public init(name: String = "desk", looseFileQuietSeconds: Int = 0) throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("competency-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: RepositoryPaths.root.appendingPathComponent("Config"), to: base.appendingPathComponent("Config"))
        let daemonFile = base.appendingPathComponent("Config/competencyd.yaml")
        let settings = try String(contentsOf: daemonFile, encoding: .utf8)
            .replacingOccurrences(
                of: "\nloose_file_quiet_seconds: 5\n", with: "\nloose_file_quiet_seconds: \(looseFileQuietSeconds)\n")
        try settings.write(to: daemonFile, atomically: true, encoding: .utf8)
        for folder in ["Inbox", "Archive"] {
            try FileManager.default.createDirectory(
                at: base.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        root = base
    }

    /// Removes the tree.
    public func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    /// Files under a folder, recursively, as paths relative to it (sorted); hidden files included.
    public static func files(under folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var result: [String] = []
        while let path = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isFolder),
                !isFolder.boolValue
            {
                result.append(path)
            }
        }
        return result.sorted()
    }
}

/// Where the repository and its built programs are.
public enum RepositoryPaths {
    /// The repository root: the folder holding Package.swift, found from this source file.
    public static var root: URL {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                FileManager.default.fileExists(atPath: url.appendingPathComponent("Config").path)
            {
                return url
            }
            url.deleteLastPathComponent()
        }
        fatalError("cannot find the repository root above \(#filePath)")
    }

    /// The folder holding the built `competencyd` and `competency`: `$COMPETENCY_BIN_DIR`,
    /// else the folder of the running test bundle (SwiftPM puts products side by side).
    public static var binaries: URL {
        if let dir = ProcessInfo.processInfo.environment["COMPETENCY_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while candidate.path != "/" {
            candidate.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("competencyd").path) {
                return candidate
            }
        }
        return root.appendingPathComponent(".build/debug")
    }

    /// `../shared` beside the repository, present on developers' machines and CI, absent in a user's clone.
    public static var shared: URL? {
        let url = root.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
