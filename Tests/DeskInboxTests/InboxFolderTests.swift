import DeskCore
import DeskInbox
import DeskTesting
import Foundation
import Testing

@Suite struct InboxFolderTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString.prefix(8))")
        _ = try InboxFolder(opening: root)
    }

    func drop(_ relativePath: String, _ text: String = "x") throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(relativePath))
    }

    @Test func onlyCompleteFilesArePending() throws {
        try drop("new/1764381271.M1P2.mx1")
        try drop("tmp/1764381272.M1P3.mx1")  // still being delivered
        try drop("submission.yaml")
        try drop(".hidden.eml")
        try drop("upload.eml.part")
        try drop("copy.eml.tmp")
        try drop("cur/1764381273.M1P4.mx1:2,S")  // seen by a mail program: still ours (PRODUCT.md §3)
        let names = try InboxFolder(opening: root).scan(now: Date()).ready.map(\.name).sorted()
        #expect(names == ["1764381271.M1P2.mx1", "1764381273.M1P4.mx1:2,S", "submission.yaml"])
    }

    @Test(arguments: [
        ("1764381271.M1P2.mx1", 1_764_381_271.0 as Double?),
        ("1764381271.123_4.host", 1_764_381_271.0),
        ("self-assessment.yaml", nil),
        ("20261129.eml", nil),
        ("12345.x", nil),
    ])
    func maildirNamesCarryTheirDeliveryTime(_ name: String, _ seconds: Double?) {
        #expect(InboxEntry.maildirTimestamp(of: name)?.timeIntervalSince1970 == seconds)
    }

    @Test func durableWriteLeavesNoTemporaryAndReplacesAtomically() throws {
        let target = root.appendingPathComponent("deep/er/file.bin")
        try DurableFile.write(Array("first".utf8), to: target)
        try DurableFile.write(Array("second".utf8), to: target)
        #expect(try DurableFile.read(target) == Array("second".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        #expect(leftovers == ["file.bin"])
    }

    @Test func staleTemporariesAreRemoved() throws {
        try drop(DurableFile.temporaryPrefix + "abc")
        try drop("keep.eml")
        DurableFile.removeStaleTemporaries(in: root)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(!names.contains(DurableFile.temporaryPrefix + "abc"))
        #expect(names.contains("keep.eml"))
    }

    @Test func quarantineKeepsTheFileAndWritesTheReason() throws {
        try drop("new/broken")
        let entry = try #require(try InboxFolder(opening: root).scan(now: Date()).ready.first)
        let archive = ArchiveFolder(root: root.appendingPathComponent("archive"))
        let destination = try archive.quarantine(
            entry, reason: "not a message: no header lines", at: Date(timeIntervalSince1970: 1_764_381_271))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("new/broken").path))
        #expect(try DurableFile.read(destination) == Array("x".utf8))
        let reason = try String(contentsOf: URL(fileURLWithPath: destination.path + ".reason.txt"), encoding: .utf8)
        #expect(reason.contains("not a message: no header lines"))
    }

    @Test(arguments: [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a/b", "a_b"),
        (".hidden", "hidden"),
        ("tab\there", "tab_here"),
        ("", "message"),
        ("自己診断.xlsx", "自己診断.xlsx"),
    ])
    func archiveNamesCannotEscape(_ name: String, _ expected: String) {
        #expect(ArchiveFolder.safeName(name) == expected)
    }

    @Test func archivePathsFollowTheReceiptMonth() {
        let archive = ArchiveFolder(root: root)
        let path = archive.relativePath(
            for: "1764381271.M1P2.mx1", sha256: String(repeating: "ab", count: 32),
            receivedOn: LocalDate(year: 2026, month: 3, day: 9)!)
        #expect(path == "2026/03/abababababababab-1764381271.M1P2.mx1")
    }

    @Test func inotifyWatchesTheOpenedFolderNotThePath() async throws {
        let inbox = try InboxFolder(opening: root)
        let watcher = try InboxWatcher(handles: inbox.watchedFolders)
        let stream = watcher.hints()
        try drop("tmp/2.M2.host", "From: a\n\nbody")
        try FileManager.default.moveItem(
            at: root.appendingPathComponent("tmp/2.M2.host"), to: root.appendingPathComponent("new/2.M2.host"))
        var iterator = stream.makeAsyncIterator()
        let hint = await iterator.next()
        #expect(hint == .arrived(name: "2.M2.host"))
    }

    @Test func inotifyReportsDeliveredFiles() async throws {
        let watcher = try InboxWatcher(folders: [root.appendingPathComponent("new")])
        let stream = watcher.hints()
        // Deliver the way a mail system does: write in tmp/, rename into new/.
        try drop("tmp/1.M1.host", "From: a\n\nbody")
        try FileManager.default.moveItem(
            at: root.appendingPathComponent("tmp/1.M1.host"), to: root.appendingPathComponent("new/1.M1.host"))
        var iterator = stream.makeAsyncIterator()
        let hint = await iterator.next()
        #expect(hint == .arrived(name: "1.M1.host"))
    }

    /// Postfix delivers by link(2) into new/: only IN_CREATE, reported as `.created`;
    /// a file written straight into new/ gives `.created` (empty) and then `.arrived`
    /// when it is closed, whole.
    @Test func aLinkedDeliveryIsCreatedAndADirectWriteArrivesWhenClosed() async throws {
        let watcher = try InboxWatcher(folders: [root.appendingPathComponent("new")])
        let stream = watcher.hints()
        try drop("tmp/3.M3.host", "From: a\n\nbody")
        #expect(link(root.appendingPathComponent("tmp/3.M3.host").path, root.appendingPathComponent("new/3.M3.host").path) == 0)
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .created(name: "3.M3.host"))
        try Data("From: b\n\nbody".utf8).write(to: root.appendingPathComponent("new/4.M4.host"))
        #expect(await iterator.next() == .created(name: "4.M4.host"))
        #expect(await iterator.next() == .arrived(name: "4.M4.host"))
    }
}
