import DeskTesting
import Foundation
import Testing

/// Issue 8, item 2: a reviewer who may read a tenant's store but not write it
/// (folder 2750, files 0640, as the daemon-only-writer design wants them) reads
/// it with the daemon running and with it stopped, and writes nothing. SQLite
/// needs a WAL database's `-wal` and `-shm` files to exist for such a reader:
/// the daemon keeps them when it closes the store. Needs root (to run the CLI as
/// another user): skipped otherwise on a user's clone, failed in CI.
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
struct ReadOnlyReaderTests {
    static let officeGroup: gid_t = 41_002
    /// `nobody`, in the office's group: a reviewer, not the daemon's user, not root.
    static let reviewer: (uid: uid_t, gid: gid_t, groups: [gid_t]) = (65_534, 65_534, [officeGroup])

    @Test func aGroupMemberReadsWithTheDaemonRunningAndStoppedAndWritesNothing() throws {
        try RequiredTool.rootWithSetpriv.require()
        let desk = try TemporaryDesk(name: "read-only")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try (text + "\naccess_group: \"\(Self.officeGroup)\"\n").write(to: tenantFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        let archive = desk.archive("retail-jp")
        let store = archive.appendingPathComponent("competency.sqlite")

        let daemon = try harness.startDaemon()
        var daemonRunning = true
        defer { if daemonRunning { daemon.signal(SIGKILL); _ = daemon.finish() } }
        try harness.deliver(
            try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(
            try DaemonHarness.eventually(timeout: 30) {
                (try? harness.queue().contains { $0["id"] as? String == "retail-jp-1" }) ?? false
            }, "the daemon stored the message")

        // (a) The daemon is running: the reviewer reads through its WAL index, read-only.
        try Self.makeReadOnlyForTheGroup(archive)
        let listingWhileRunning = try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted()
        try expectReviewerReads(desk, harness, "with the daemon running")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted() == listingWhileRunning,
            "the reader created no file")

        // (b) The daemon is stopped: the files a read-only reader needs are still there.
        daemon.signal(SIGTERM)
        let stopped = daemon.finish()
        daemonRunning = false
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(FileManager.default.fileExists(atPath: store.path + "-wal"), "the daemon kept the -wal file")
        #expect(FileManager.default.fileExists(atPath: store.path + "-shm"), "the daemon kept the -shm file")
        try Self.makeReadOnlyForTheGroup(archive)
        let before = try Self.snapshot(archive)
        try expectReviewerReads(desk, harness, "with the daemon stopped")
        let after = try Self.snapshot(archive)
        #expect(after.keys.sorted() == before.keys.sorted(), "the reader created or removed no file")
        for (path, state) in before {
            #expect(after[path] == state, "the reader changed \(path)")
        }

        // A store whose -wal/-shm files are gone (left by an older daemon) is not
        // readable by such a reviewer: the message says what to do.
        for suffix in ["-wal", "-shm"] { try FileManager.default.removeItem(atPath: store.path + suffix) }
        let missing = try ProgramRun.run(
            "competency", ["queue", "--tenant", "retail-jp", "--json", "--config", desk.configFile.path],
            environment: harness.environment, user: Self.reviewer)
        #expect(missing.status == 74, "\(missing.stderr)")
        #expect(missing.stderr.contains("start competencyd once"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store.path + "-wal"))
    }

    /// `queue --json`, `show ID --json` and `history ID` as the reviewer: exit 0 and the submission.
    func expectReviewerReads(_ desk: TemporaryDesk, _ harness: DaemonHarness, _ when: Comment) throws {
        let config = ["--config", desk.configFile.path]
        let queue = try ProgramRun.run(
            "competency", ["queue", "--json"] + config, environment: harness.environment, user: Self.reviewer)
        #expect(queue.status == 0, "queue \(when): \(queue.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(queue.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.compactMap { $0["id"] as? String } == ["retail-jp-1"], "queue \(when): \(queue.stdout)")

        let show = try ProgramRun.run(
            "competency", ["show", "retail-jp-1", "--json"] + config, environment: harness.environment,
            user: Self.reviewer)
        #expect(show.status == 0, "show \(when): \(show.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect(object?["id"] as? String == "retail-jp-1", "show \(when): \(show.stdout)")
        #expect(object?["tenant"] as? String == "retail-jp")

        let history = try ProgramRun.run(
            "competency", ["history", "retail-jp-1"] + config, environment: harness.environment, user: Self.reviewer)
        #expect(history.status == 0, "history \(when): \(history.stderr)")
    }

    /// What issue 8 gives the tenant's group: folders `rwxr-s---`, files `rw-r-----`.
    static func makeReadOnlyForTheGroup(_ folder: URL) throws {
        #expect(chown(folder.path, uid_t(bitPattern: -1), officeGroup) == 0)
        #expect(chmod(folder.path, 0o2750) == 0)
        for relative in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
            let path = folder.appendingPathComponent(relative).path
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            #expect(chown(path, uid_t(bitPattern: -1), officeGroup) == 0)
            switch status.st_mode & S_IFMT {
            case S_IFDIR: #expect(chmod(path, 0o2750) == 0)
            case S_IFREG: #expect(chmod(path, 0o640) == 0)
            default: continue
            }
        }
    }

    /// Every file and folder under `folder` (itself included): size, modification time and bytes.
    static func snapshot(_ folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        for relative in ["."] + (try FileManager.default.subpathsOfDirectory(atPath: folder.path)) {
            let path = folder.appendingPathComponent(relative).path
            var status = stat()
            #expect(lstat(path, &status) == 0)
            var entry = "size=\(status.st_size) mtime=\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) mode=\(String(status.st_mode, radix: 8))"
            if status.st_mode & S_IFMT == S_IFREG {
                entry += " bytes=\((try Data(contentsOf: URL(fileURLWithPath: path))).hashValue)"
            }
            result[relative] = entry
        }
        return result
    }
}
