import DeskInbox
import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 8, item 5: `TenantAccess` gives a tenant's archive to its group for reading
/// (folders 02750, files 0640), changes only what is wrong, counts it, and never
/// follows a link or opens a FIFO. Group changes to a group the user is not in need
/// root; the rest runs as anyone (the target group is then the user's own).
@Suite struct TenantAccessTests {
    let base: URL
    let archive: URL
    /// Stands for something outside the archive (another tenant's file, /etc/shadow…).
    let outside: URL
    /// The group the archive is given to: one the user may give files to.
    let group: gid_t

    static let isRoot = geteuid() == 0
    /// A group nobody is in, for root's tests.
    static let officeGroup: gid_t = 41_031

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tenant-access-\(UUID().uuidString.prefix(8))")
        archive = base.appendingPathComponent("Archive/retail-jp")
        outside = base.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        group = Self.isRoot ? Self.officeGroup : getegid()
    }

    func remove() { try? FileManager.default.removeItem(at: base) }

    // MARK: helpers

    /// Creates `relative` under `root` as a file with `mode` (exactly, whatever the umask).
    @discardableResult
    func file(_ relative: String, mode: mode_t, under root: URL? = nil, text: String = "From: a@b.example\n\nbody")
        throws -> URL
    {
        let url = (root ?? archive).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        #expect(chmod(url.path, mode) == 0)
        return url
    }

    @discardableResult
    func folder(_ relative: String, mode: mode_t, under root: URL? = nil) throws -> URL {
        let url = (root ?? archive).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        #expect(chmod(url.path, mode) == 0)
        return url
    }

    static func status(_ url: URL) -> stat {
        var status = stat()
        #expect(lstat(url.path, &status) == 0, "lstat \(url.path)")
        return status
    }

    static func mode(_ url: URL) -> mode_t { status(url).st_mode & 0o7777 }

    /// Every entry under `root` (itself included) with its lstat.
    static func everything(under root: URL) throws -> [(URL, stat)] {
        var result = [(root, status(root))]
        for relative in try FileManager.default.subpathsOfDirectory(atPath: root.path) {
            let url = root.appendingPathComponent(relative)
            result.append((url, status(url)))
        }
        return result
    }

    /// The archive as a well-behaved daemon leaves it: folders 02750, files 0640, the group.
    func buildRightArchive() throws {
        #expect(chown(archive.path, uid_t(bitPattern: -1), group) == 0)
        #expect(chmod(archive.path, 0o2750) == 0)
        for folder in ["2026", "2026/11", "2026/12", "quarantine"] {
            let url = try self.folder(folder, mode: 0o2750)
            #expect(chown(url.path, uid_t(bitPattern: -1), group) == 0)
            #expect(chmod(url.path, 0o2750) == 0)  // a chown may clear setgid
        }
        for name in ["2026/11/a-1.eml", "2026/12/b-2.eml", "competency.sqlite", "competency.sqlite-wal",
            "competency.sqlite-shm", "quarantine/x.eml", "quarantine/x.eml.reason.txt"]
        {
            let url = try file(name, mode: 0o640)
            #expect(chown(url.path, uid_t(bitPattern: -1), group) == 0)
        }
    }

    // MARK: what is wrong is fixed, and counted

    @Test func wrongModesAreFixedAndCounted() throws {
        defer { remove() }
        try buildRightArchive()
        // Five things wrong: the old design's 2770/0660, a world-readable file, a
        // folder without setgid, and the top folder open to others.
        #expect(chmod(archive.path, 0o2775) == 0)
        #expect(chmod(archive.appendingPathComponent("2026/11").path, 0o2770) == 0)
        #expect(chmod(archive.appendingPathComponent("2026/12").path, 0o750) == 0)
        #expect(chmod(archive.appendingPathComponent("2026/11/a-1.eml").path, 0o660) == 0)
        #expect(chmod(archive.appendingPathComponent("competency.sqlite").path, 0o644) == 0)

        let report = try TenantAccess.restrict(folder: archive, to: group)
        #expect(report.changed == 5, "\(report)")
        #expect(report.examined == 12, "the top, 4 folders and 7 files")
        #expect(report.skipped == 0)
        #expect(report.cutShort == nil)
        for (url, status) in try Self.everything(under: archive) {
            let isFolder = status.st_mode & S_IFMT == S_IFDIR
            #expect(status.st_mode & 0o7777 == (isFolder ? 0o2750 : 0o640), "\(url.path)")
            #expect(status.st_gid == group, "\(url.path)")
        }
        // Run again: now nothing is wrong.
        #expect(try TenantAccess.restrict(folder: archive, to: group).changed == 0)
    }

    @Test(.enabled(if: isRoot, "giving files to a group the user is not in needs root"))
    func theGroupIsGivenAndTheSetgidBitKept() throws {
        defer { remove() }
        #expect(chown(archive.path, 0, 0) == 0)
        #expect(chmod(archive.path, 0o2750) == 0)  // right mode, wrong group
        let month = try folder("2026/11", mode: 0o2750)
        #expect(chown(month.path, 0, 0) == 0)
        let original = try file("2026/11/a-1.eml", mode: 0o640)
        #expect(chown(original.path, 0, 0) == 0)

        let report = try TenantAccess.restrict(folder: archive, to: Self.officeGroup)
        #expect(report.changed == 4, "the top, 2026, 2026/11 and the file: \(report)")
        for url in [archive, archive.appendingPathComponent("2026"), month] {
            #expect(Self.status(url).st_gid == Self.officeGroup)
            #expect(Self.mode(url) == 0o2750, "\(url.path) keeps (or gets) the setgid bit")
        }
        #expect(Self.status(original).st_gid == Self.officeGroup)
        #expect(Self.mode(original) == 0o640)
    }

    // MARK: what is right is left alone

    @Test func rightModesChangeNothingNotEvenTheChangeTime() throws {
        defer { remove() }
        try buildRightArchive()
        let before = try Self.everything(under: archive).map { ($0.0.path, $0.1.st_ctim.tv_sec, $0.1.st_ctim.tv_nsec) }
        usleep(20_000)  // a chmod or chown now would move ctime past every recorded value

        let report = try TenantAccess.restrict(folder: archive, to: group)
        #expect(report.changed == 0, "\(report)")
        #expect(report.examined == 12)
        let after = try Self.everything(under: archive).map { ($0.0.path, $0.1.st_ctim.tv_sec, $0.1.st_ctim.tv_nsec) }
        #expect(after.count == before.count)
        for (old, new) in zip(before, after) {
            #expect(old.0 == new.0)
            #expect(old.1 == new.1 && old.2 == new.2, "\(new.0) was changed (its ctime moved)")
        }
    }

    /// SQLite keeps POSIX locks on the store and its `-shm` while the daemon runs, and
    /// closing any ordinary descriptor of a file drops all of them: the fix must not.
    @Test(.enabled(if: RequiredTool.python3.shouldRun, "needs python3 (another process to look at the lock)"))
    func fixingAFileKeepsTheLocksThisProcessHoldsOnIt() throws {
        try RequiredTool.python3.require()
        defer { remove() }
        try buildRightArchive()
        let shm = archive.appendingPathComponent("competency.sqlite-shm")
        #expect(chmod(shm.path, 0o644) == 0)
        let fd = open(shm.path, O_RDWR | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        #expect(fcntl(fd, F_SETLK, &lock) == 0)

        let report = try TenantAccess.restrict(folder: archive, to: group)
        #expect(report.changed == 1)
        #expect(Self.mode(shm) == 0o640)

        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = [
            "python3", "-c",
            "import fcntl, sys\nf = open(sys.argv[1], 'rb')\ntry:\n    fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB)\n    sys.exit(1)\nexcept OSError:\n    sys.exit(0)",
            shm.path,
        ]
        try probe.run()
        probe.waitUntilExit()
        #expect(probe.terminationStatus == 0, "the lock was dropped: another process could take it")
    }

    // MARK: never follow, never open what is not a file

    @Test func aLinkInsideTheArchiveIsNeverFollowed() throws {
        defer { remove() }
        try buildRightArchive()
        let secret = try file("secret.txt", mode: 0o604, under: outside, text: "another tenant's data")
        let secretFolder = try folder("secrets", mode: 0o777, under: outside)
        let secretInFolder = try file("secrets/inner.txt", mode: 0o666, under: outside)
        let ownerBefore = [secret, secretFolder, secretInFolder].map { (Self.status($0).st_uid, Self.status($0).st_gid) }
        #expect(symlink(secret.path, archive.appendingPathComponent("2026/11/link-to-file.eml").path) == 0)
        #expect(symlink(secretFolder.path, archive.appendingPathComponent("2026/link-to-folder").path) == 0)
        #expect(symlink("../../../elsewhere/secret.txt", archive.appendingPathComponent("quarantine/relative").path) == 0)

        let report = try TenantAccess.restrict(folder: archive, to: group)
        #expect(report.skipped == 3, "\(report)")
        #expect(report.changed == 0)
        #expect(Self.mode(secret) == 0o604)
        #expect(Self.mode(secretFolder) == 0o777)
        #expect(Self.mode(secretInFolder) == 0o666)
        let ownerAfter = [secret, secretFolder, secretInFolder].map { (Self.status($0).st_uid, Self.status($0).st_gid) }
        #expect(ownerAfter.map(\.0) == ownerBefore.map(\.0))
        #expect(ownerAfter.map(\.1) == ownerBefore.map(\.1), "the targets' group is unchanged")
        #expect(Self.status(archive.appendingPathComponent("2026/link-to-folder")).st_mode & S_IFMT == S_IFLNK)
    }

    @Test func aFIFOIsSkippedWithoutHanging() throws {
        defer { remove() }
        try buildRightArchive()
        let fifo = archive.appendingPathComponent("2026/11/pipe.eml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect(chmod(fifo.path, 0o666) == 0)
        // A FIFO opened for reading blocks until a writer comes: run the walk on a
        // thread of its own and give up waiting after 10 seconds.
        let finished = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let target = archive
        let group = group
        Thread.detachNewThread {
            do {
                outcome.set(.success(try TenantAccess.restrict(folder: target, to: group)))
            } catch {
                outcome.set(.failure(error))
            }
            finished.signal()
        }
        #expect(finished.wait(timeout: .now() + 10) == .success, "the walk hung on the FIFO")
        let report = try #require(outcome.get()).get()
        #expect(report.skipped == 1)
        #expect(report.changed == 0)
        #expect(Self.mode(fifo) == 0o666, "the FIFO was left alone")
    }

    @Test func aTopFolderThatIsALinkIsRefused() throws {
        defer { remove() }
        let real = try folder("real", mode: 0o777, under: outside)
        try file("real/a.eml", mode: 0o666, under: outside)
        let link = base.appendingPathComponent("Archive/retail-us")
        #expect(symlink(real.path, link.path) == 0)
        #expect(throws: TenantAccessError.self) { try TenantAccess.restrict(folder: link, to: group) }
        do {
            try TenantAccess.restrict(folder: link, to: group)
        } catch {
            #expect(error.description.contains("symbolic link"), "\(error)")
        }
        #expect(Self.mode(real) == 0o777)
        #expect(Self.mode(real.appendingPathComponent("a.eml")) == 0o666)
    }

    // MARK: limits

    @Test func theWalkIsCutAtItsLimitsAndSaysSo() throws {
        defer { remove() }
        try buildRightArchive()
        let many = try TenantAccess.restrict(
            folder: archive, to: group, limits: TenantAccess.Limits(maxDepth: 8, maxEntries: 5))
        #expect(many.examined == 5)
        #expect(many.cutShort?.contains("5 entries") == true, "\(many)")

        try folder("2026/11/deep/deeper", mode: 0o777)
        let deep = try TenantAccess.restrict(
            folder: archive, to: group, limits: TenantAccess.Limits(maxDepth: 3, maxEntries: 1000))
        #expect(deep.cutShort?.contains("deeper than 3 levels") == true, "\(deep)")
        #expect(Self.mode(archive.appendingPathComponent("2026/11/deep")) == 0o2750, "depth 3 is checked")
        #expect(Self.mode(archive.appendingPathComponent("2026/11/deep/deeper")) == 0o777, "depth 4 is not")
    }

    // MARK: a store kept outside the archive

    @Test func aStoreFileOutsideTheArchiveIsFixedAndALinkThereRefused() throws {
        defer { remove() }
        let store = try file("stores/retail-jp.sqlite", mode: 0o644, under: outside)
        #expect(try TenantAccess.restrict(file: store, to: group).changed == 1)
        #expect(Self.mode(store) == 0o640)
        #expect(Self.status(store).st_gid == group)
        #expect(try TenantAccess.restrict(file: store, to: group).changed == 0)
        let missing = outside.appendingPathComponent("stores/retail-jp.sqlite-wal")
        #expect(try TenantAccess.restrict(file: missing, to: group) == TenantAccess.Report())

        let secret = try file("secret.txt", mode: 0o604, under: outside)
        let link = outside.appendingPathComponent("stores/retail-jp.sqlite-shm")
        #expect(symlink(secret.path, link.path) == 0)
        #expect(throws: TenantAccessError.self) { try TenantAccess.restrict(file: link, to: group) }
        #expect(Self.mode(secret) == 0o604)
    }
}

/// A result handed from the walking thread to the test.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<TenantAccess.Report, any Error>?
    func set(_ result: Result<TenantAccess.Report, any Error>) { lock.withLock { value = result } }
    func get() -> Result<TenantAccess.Report, any Error>? { lock.withLock { value } }
}
