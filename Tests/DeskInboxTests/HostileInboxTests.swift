import DeskCore
import DeskInbox
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The inbox is hostile ground (issue 7, #1–#4, #7, #12): links, FIFOs, files
/// swapped or grown after the scan, names that are not UTF-8. Each test builds
/// the trick with real files and checks the inbox neither follows nor hangs.
@Suite struct HostileInboxTests {
    let base: URL
    let inbox: URL
    /// Stands for another tenant's archive: nothing here may ever be read or moved.
    let elsewhere: URL

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString.prefix(8))")
        inbox = base.appendingPathComponent("Inbox/retail-jp")
        elsewhere = base.appendingPathComponent("Archive/retail-us/2026/12")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data("From: secret@us.example\n\nretail-us original".utf8)
            .write(to: elsewhere.appendingPathComponent("abc-original.eml"))
    }

    func write(_ relative: String, _ text: String = "From: a@b.example\n\nbody") throws {
        try Data(text.utf8).write(to: inbox.appendingPathComponent(relative))
    }

    func elsewhereIsUntouched() throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: elsewhere.path) == ["abc-original.eml"]
    }

    // MARK: #1 — symbolic links in place of the inbox folders

    @Test(arguments: ["new", "cur", "tmp"])
    func aSymlinkedMaildirFolderIsRefusedNotFollowed(_ folder: String) throws {
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        #expect(symlink(elsewhere.path, inbox.appendingPathComponent(folder).path) == 0)
        #expect {
            _ = try InboxFolder(opening: inbox)
        } throws: { error in
            "\(error)".contains("\(folder) is a symbolic link")
        }
        #expect(try elsewhereIsUntouched())
    }

    @Test func aSymlinkedInboxIsRefused() throws {
        try FileManager.default.createDirectory(at: inbox.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(symlink(elsewhere.path, inbox.path) == 0)
        #expect {
            _ = try InboxFolder(opening: inbox)
        } throws: { error in
            "\(error)".contains("symbolic link")
        }
    }

    @Test func aFolderReplacedByASymlinkWhileOpenIsNoticed() throws {
        let folder = try InboxFolder(opening: inbox)
        try folder.verify()
        try FileManager.default.moveItem(at: inbox.appendingPathComponent("new"), to: base.appendingPathComponent("old-new"))
        #expect(symlink(elsewhere.path, inbox.appendingPathComponent("new").path) == 0)
        #expect {
            try folder.verify()
        } throws: { error in
            "\(error)".contains("replaced")
        }
        // The open handle still lists the original folder, never the link's target.
        #expect(folder.scan(now: Date()).ready.allSatisfy { $0.name != "abc-original.eml" })
    }

    // MARK: #2, #3 — entries that are links or FIFOs, at scan time or swapped in after it

    @Test func linksAndFIFOsInNewAreRefusedWithAReason() throws {
        let folder = try InboxFolder(opening: inbox)
        #expect(symlink(elsewhere.appendingPathComponent("abc-original.eml").path, inbox.appendingPathComponent("new/1.M1.link").path) == 0)
        #expect(mkfifo(inbox.appendingPathComponent("new/2.M2.fifo").path, 0o600) == 0)
        try write("new/3.M3.ok")
        let scan = folder.scan(now: Date())
        #expect(scan.ready.map(\.name) == ["3.M3.ok"])
        let refused = Dictionary(uniqueKeysWithValues: scan.refused.map { ($0.entry.name, $0.reason) })
        #expect(refused["1.M1.link"]?.contains("symbolic link") == true)
        #expect(refused["2.M2.fifo"]?.contains("FIFO") == true)

        // Quarantining moves the link itself (renameat), never its target.
        let archive = ArchiveFolder(root: base.appendingPathComponent("Archive/retail-jp"))
        for entry in scan.refused { try archive.quarantine(entry.entry, reason: entry.reason, at: Date()) }
        #expect(try elsewhereIsUntouched())
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("new").path).sorted() == ["3.M3.ok"])
    }

    @Test func aFileSwappedForASymlinkAfterTheScanIsNotRead() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("new/1.M1.swap")
        let entry = try #require(folder.scan(now: Date()).ready.first)
        try FileManager.default.removeItem(at: inbox.appendingPathComponent("new/1.M1.swap"))
        #expect(symlink(elsewhere.appendingPathComponent("abc-original.eml").path, inbox.appendingPathComponent("new/1.M1.swap").path) == 0)
        guard case .refused(let reason, let quarantine) = try entry.read(limit: 1 << 20) else {
            Issue.record("a symlink swapped in after the scan was read")
            return
        }
        #expect(reason.contains("symbolic link"))
        #expect(!quarantine)
    }

    @Test func aFileSwappedForAnotherFileAfterTheScanIsNotRead() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("new/1.M1.swap")
        let entry = try #require(folder.scan(now: Date()).ready.first)
        try write("tmp/other", "From: other@x.example\n\nother")
        #expect(rename(inbox.appendingPathComponent("tmp/other").path, inbox.appendingPathComponent("new/1.M1.swap").path) == 0)
        guard case .refused(let reason, _) = try entry.read(limit: 1 << 20) else {
            Issue.record("a file replaced after the scan was read as if it were the scanned one")
            return
        }
        #expect(reason.contains("replaced"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aFileSwappedForAFIFOAfterTheScanNeitherBlocksNorIsRead() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("new/1.M1.fifo")
        let entry = try #require(folder.scan(now: Date()).ready.first)
        try FileManager.default.removeItem(at: inbox.appendingPathComponent("new/1.M1.fifo"))
        #expect(mkfifo(inbox.appendingPathComponent("new/1.M1.fifo").path, 0o600) == 0)
        // Without O_NONBLOCK this open would wait forever for a writer.
        guard case .refused(let reason, let quarantine) = try entry.read(limit: 1 << 20) else {
            Issue.record("a FIFO was read")
            return
        }
        #expect(reason.contains("FIFO"))
        #expect(quarantine)
    }

    @Test func aHardLinkIntoTheInboxIsRefused() throws {
        let folder = try InboxFolder(opening: inbox)
        // Same file system here, as an attacker with a link into another tenant's archive would need.
        #expect(link(elsewhere.appendingPathComponent("abc-original.eml").path, inbox.appendingPathComponent("new/1.M1.hard").path) == 0)
        let scan = folder.scan(now: Date())
        #expect(scan.ready.isEmpty)
        #expect(scan.refused.first?.reason.contains("hard links") == true)
    }

    // MARK: #4 — size is measured on the read, not on the scan

    @Test func aFileThatGrowsAfterTheScanIsMeasuredAsRead() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("new/1.M1.grow", "From: a@b.example\n\nsmall")
        let entry = try #require(folder.scan(now: Date()).ready.first)
        #expect(entry.size < 100)
        let handle = try FileHandle(forWritingTo: inbox.appendingPathComponent("new/1.M1.grow"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x41, count: 200_000))
        try handle.close()
        guard case .tooLarge(let atLeast) = try entry.read(limit: 100_000) else {
            Issue.record("a file over the limit at read time was read whole")
            return
        }
        // It stopped reading just past the limit instead of taking all 200 kB.
        #expect(atLeast == 100_001)
    }

    @Test func quarantiningAcrossFileSystemsCopiesTheFile() throws {
        // /dev/shm is tmpfs, the archive is not: rename fails with EXDEV and the copy path runs.
        let shm = URL(fileURLWithPath: "/dev/shm/inbox-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: shm) }
        guard (try? InboxFolder(opening: shm)) != nil else { return }  // no /dev/shm here
        let folder = try InboxFolder(opening: shm)
        let big = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try big.write(to: shm.appendingPathComponent("new/1.M1.big"))
        let entry = try #require(folder.scan(now: Date()).ready.first)
        let archive = ArchiveFolder(root: base.appendingPathComponent("Archive/retail-jp"))
        let destination = try archive.quarantine(entry, reason: "over the limit", at: Date())
        #expect(try Data(contentsOf: destination) == big)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shm.appendingPathComponent("new").path).isEmpty)
    }

    // MARK: #7 — names that are not UTF-8

    @Test func aNameThatIsNotUTF8IsRefusedAndShownEscaped() throws {
        let folder = try InboxFolder(opening: inbox)
        let name: [UInt8] = Array("1.M1.".utf8) + [0x82, 0xA0, 0xFF] + Array(".eml".utf8)
        let path = Array(inbox.appendingPathComponent("new").path.utf8) + [0x2F] + name + [0]
        let fd = path.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        #expect(fd >= 0)
        close(fd)
        let scan = folder.scan(now: Date())
        let refused = try #require(scan.refused.first)
        #expect(refused.reason.contains("not valid UTF-8"))
        #expect(refused.entry.name == "1.M1.\\x82\\xA0\\xFF.eml")
        let archive = ArchiveFolder(root: base.appendingPathComponent("Archive/retail-jp"))
        let destination = try archive.quarantine(refused.entry, reason: refused.reason, at: Date())
        #expect(FileManager.default.fileExists(atPath: destination.path))
        #expect(folder.scan(now: Date()).refused.isEmpty)
    }

    // MARK: #6 — a newline in a name cannot forge a line of the reason file

    @Test func aNewlineInANameIsEscapedInTheReasonFile() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("new/1.M1.x\nreason: forged")
        let entry = try #require(folder.scan(now: Date()).ready.first)
        let archive = ArchiveFolder(root: base.appendingPathComponent("Archive/retail-jp"))
        let destination = try archive.quarantine(entry, reason: "not a message\u{1B}]0;owned\u{07}", at: Date())
        let text = try String(contentsOf: URL(fileURLWithPath: destination.path + ".reason.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.filter { $0.hasPrefix("reason:") }.count == 1)
        #expect(!text.contains("\u{1B}"))
    }

    // MARK: #12 — loose files still being copied

    @Test func aLooseFileIsTakenOnlyAfterItsQuietPeriod() throws {
        let folder = try InboxFolder(opening: inbox)
        try write("dropped.eml")
        try write("new/1.M1.maildir")
        let now = Date()
        let early = folder.scan(now: now, quietPeriod: .seconds(5))
        // Maildir new/ is complete by rename: no wait. The loose file waits.
        #expect(early.ready.map(\.name) == ["1.M1.maildir"])
        let due = try #require(early.waitingUntil)
        #expect(due > now && due <= now.addingTimeInterval(6))
        let later = folder.scan(now: now.addingTimeInterval(6), quietPeriod: .seconds(5))
        #expect(later.ready.map(\.name).sorted() == ["1.M1.maildir", "dropped.eml"])
        #expect(later.waitingUntil == nil)
    }
}
