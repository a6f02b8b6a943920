import DeskTesting
import Foundation
import Testing

/// Issue 12, item 8: `competency backup` while the real daemon runs, a wiped tenant,
/// `competency restore`, and the reviewers see exactly what they saw before;
/// `competency verify` passes on the restored tenant and names the file when one
/// archived original is altered, removed, or has no row. Every command is run as
/// PRODUCT.md §9 writes it: `competency --config PATH <command> …`.
@Suite(.serialized) struct BackupRestoreTests {
    static let environment = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]

    func competency(_ desk: TemporaryDesk, _ arguments: [String]) throws -> ProgramRun {
        try ProgramRun.run("competency", ["--config", desk.configFile.path] + arguments, environment: Self.environment)
    }

    /// The archived originals (`YYYY/MM/name`) of a tenant, relative to its archive.
    func originals(_ desk: TemporaryDesk) -> [String] {
        TemporaryDesk.files(under: desk.archive("retail-jp")).filter {
            $0.range(of: #"^\d{4}/\d{2}/[^/.][^/]*$"#, options: .regularExpression) != nil
        }
    }

    /// What the reviewers see: the whole queue, and each submission's history and details.
    func reviewersView(_ desk: TemporaryDesk, ids: [String]) throws -> [String] {
        var texts: [String] = []
        for arguments in [["queue", "--json", "--all"]] + ids.flatMap({ [["history", $0], ["show", $0, "--json"]] }) {
            let run = try competency(desk, arguments)
            #expect(run.status == 0, "competency \(arguments.joined(separator: " ")): \(run.stderr)")
            texts.append(run.stdout)
        }
        return texts
    }

    @Test func backupWhileTheDaemonRunsWipeRestoreAndEverythingIsAsBefore() throws {
        let desk = try TemporaryDesk(name: "backup")
        defer { desk.remove() }
        let backup = desk.root.appendingPathComponent("backups/retail-jp")
        let harness = DaemonHarness(desk: desk, environment: Self.environment)
        var daemon = try harness.startDaemon()
        var running = true
        defer { if running { daemon.signal(SIGKILL); _ = daemon.finish() } }

        try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1795935801.M1P1.mx1")
        try harness.deliver(try fixture("examples/saas-yaml.eml"), to: "retail-jp", name: "1795935802.M1P1.mx1")
        // The same bytes again: a duplicate, archived under its own name, recorded on retail-jp-1.
        try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1795935803.M1P1.mx1")
        // Not a message: quarantined (the quarantine is part of the archive too).
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935804.M1P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                (try? FileManager.default.contentsOfDirectory(
                    atPath: desk.inbox("retail-jp").appendingPathComponent("new").path))?.isEmpty ?? false
            }, "the daemon took every file")
        let ids = try harness.queue(all: true).compactMap { $0["id"] as? String }.sorted()
        try #require(ids == ["retail-jp-1", "retail-jp-2"], "\(ids)")
        let noted = try competency(desk, ["note", "retail-jp-1", "ケーススタディ2を確認 / case study 2 checked"])
        try #require(noted.status == 0, "\(noted.stderr)")
        let archived = originals(desk)
        try #require(archived.count == 3, "two submissions and one duplicate copy: \(archived)")
        let quarantined = TemporaryDesk.files(under: desk.archive("retail-jp").appendingPathComponent("quarantine"))
        try #require(quarantined.count == 2, "the file and its reason: \(quarantined)")
        let before = try reviewersView(desk, ids: ids)

        // Backup with the daemon running: it keeps running and serving.
        let first = try competency(desk, ["backup", "--tenant", "retail-jp", "--to", backup.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("5 archived files copied"), "\(first.stdout)")
        #expect(first.stdout.contains("0 already there"), "\(first.stdout)")
        #expect(daemon.process.isRunning)
        // Incremental: nothing changed, nothing copied again.
        let second = try competency(desk, ["backup", "--tenant", "retail-jp", "--to", backup.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("0 archived files copied"), "\(second.stdout)")
        #expect(second.stdout.contains("5 already there"), "\(second.stdout)")
        #expect(FileManager.default.fileExists(atPath: backup.appendingPathComponent("manifest.json").path))
        #expect(FileManager.default.fileExists(atPath: backup.appendingPathComponent("competency.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: backup.appendingPathComponent("competency.sqlite-wal").path))

        // Restore is refused while the daemon runs, and changes nothing.
        let storeBefore = try Data(contentsOf: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let refused = try competency(desk, ["restore", "--tenant", "retail-jp", "--from", backup.path])
        #expect(refused.status == 69, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("competencyd is running"), "\(refused.stderr)")
        #expect(
            try Data(contentsOf: desk.archive("retail-jp").appendingPathComponent("competency.sqlite")) == storeBefore)

        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
        running = false

        // Wipe the tenant's store and archive entirely; restore.
        try FileManager.default.removeItem(at: desk.archive("retail-jp"))
        let gone = try competency(desk, ["queue", "--tenant", "retail-jp", "--json"])
        #expect(
            gone.status == 0 && gone.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(gone.stdout)")
        // The empty tenant folder as an install makes it, owned by the daemon's user (here
        // nobody): root's restore gives what it writes to that owner, so the daemon can write it.
        let owner = geteuid() == 0 ? uid_t(65_534) : geteuid()
        try FileManager.default.createDirectory(at: desk.archive("retail-jp"), withIntermediateDirectories: true)
        #expect(chown(desk.archive("retail-jp").path, owner, gid_t(bitPattern: -1)) == 0)
        let restored = try competency(desk, ["restore", "--tenant", "retail-jp", "--from", backup.path])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("5 archived files copied"), "\(restored.stdout)")
        for path in [
            "competency.sqlite", archived[0], archived[0].components(separatedBy: "/").prefix(2).joined(separator: "/"),
        ] {
            var status = stat()
            #expect(lstat(desk.archive("retail-jp").appendingPathComponent(path).path, &status) == 0)
            #expect(status.st_uid == owner, "\(path) belongs to the archive folder's owner, not \(status.st_uid)")
        }

        #expect(try reviewersView(desk, ids: ids) == before, "queue, history and show (notes) are as before the wipe")
        #expect(originals(desk) == archived)
        let verified = try competency(desk, ["verify", "--tenant", "retail-jp", "--json"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == true)
        #expect(report["recorded_files"] as? Int == 3)

        // The daemon starts on the restored tenant and stores nothing twice.
        daemon = try harness.startDaemon()
        running = true
        #expect(try harness.queue(all: true).compactMap { $0["id"] as? String }.sorted() == ids)
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
        running = false

        // verify names each damaged file.
        let altered = archived[0]
        let removed = archived[1]
        let handle = try FileHandle(forWritingTo: desk.archive("retail-jp").appendingPathComponent(altered))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("X".utf8))
        try handle.close()
        try FileManager.default.removeItem(at: desk.archive("retail-jp").appendingPathComponent(removed))
        let stray = "2026/11/00000000deadbeef-stray.eml"
        try Data("Subject: stray\n\nnobody recorded me\n".utf8).write(
            to: desk.archive("retail-jp").appendingPathComponent(stray))
        let failed = try competency(desk, ["verify", "--tenant", "retail-jp"])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stdout.contains("altered: \(altered)"), "\(failed.stdout)")
        #expect(failed.stdout.contains("missing: \(removed)"), "\(failed.stdout)")
        #expect(failed.stdout.contains("no-row: \(stray)"), "\(failed.stdout)")
        #expect(!failed.stdout.contains(archived[2]), "the intact file is not reported: \(failed.stdout)")
        let json = try competency(desk, ["verify", "--tenant", "retail-jp", "--json"])
        #expect(json.status == 1)
        let problems = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["problems"]
                as? [[String: Any]])
        #expect(Set(problems.compactMap { $0["file"] as? String }) == [altered, removed, stray])

        // A second restore puts back exactly what was damaged, and verify passes again
        // for the recorded files (the stray one is kept: the daemon would re-ingest it).
        let again = try competency(desk, ["restore", "--tenant", "retail-jp", "--from", backup.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("2 archived files copied, 3 already in place"), "\(again.stdout)")
        #expect(again.stdout.contains("1 file in the archive not in the backup kept"), "\(again.stdout)")
        try FileManager.default.removeItem(at: desk.archive("retail-jp").appendingPathComponent(stray))
        #expect(try competency(desk, ["verify", "--tenant", "retail-jp"]).status == 0)
    }

    @Test func badInputIsRefusedInPlainWords() throws {
        let desk = try TemporaryDesk(name: "backup-bad")
        defer { desk.remove() }
        let empty = desk.root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let notBackup = try competency(desk, ["restore", "--tenant", "retail-jp", "--from", empty.path])
        #expect(notBackup.status == 64, "\(notBackup.stderr)")
        #expect(notBackup.stderr.contains("manifest.json"), "\(notBackup.stderr)")
        let unknown = try competency(desk, ["backup", "--tenant", "retail-xx", "--to", empty.path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("retail-xx"), "\(unknown.stderr)")
        let nothing = try competency(desk, ["backup", "--tenant", "retail-jp", "--to", empty.path])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("no store yet"), "\(nothing.stderr)")
        let inside = desk.archive("retail-jp").appendingPathComponent("backup")
        let itself = try competency(desk, ["backup", "--tenant", "retail-jp", "--to", inside.path])
        #expect(itself.status == 64, "\(itself.stderr)")
        #expect(itself.stderr.contains("inside the archive of retail-jp"), "\(itself.stderr)")
        #expect(!FileManager.default.fileExists(atPath: inside.path), "nothing was made")
    }

    /// A backup taken while the daemon is busy ingesting is consistent: restored into
    /// another desk, every row the snapshot holds has its archived file with its hash
    /// (the pipeline archives before it commits, and the files are copied after the
    /// snapshot); originals archived after the snapshot have no row yet, and the
    /// daemon started on the restored desk recovers each of them exactly once.
    @Test func aBackupUnderLoadRestoresToAConsistentDeskThatRecoversTheRest() throws {
        let desk = try TemporaryDesk(name: "backup-load")
        defer { desk.remove() }
        let backup = desk.root.appendingPathComponent("backup")
        let harness = DaemonHarness(desk: desk, environment: Self.environment)
        let daemon = try harness.startDaemon()
        defer {
            if daemon.process.isRunning {
                daemon.signal(SIGKILL)
                _ = daemon.finish()
            }
        }
        func message(_ number: Int) -> Data {
            Data(
                """
                From: Partner \(number) <p\(number)@partner\(number).example>
                To: retail-jp@competency-desk.example
                Subject: Question \(number)
                Message-ID: <load-\(number)@partner\(number).example>
                Date: Mon, 30 Nov 2026 09:00:00 +0900

                Message number \(number).

                """.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        }
        let total = 60
        let messages = (1...total).map(message)
        let delivering = Thread {
            for (index, bytes) in messages.enumerated() {
                let number = index + 1
                _ = try? harness.deliver(bytes, to: "retail-jp", name: "17959358\(10 + number).M\(number)P1.mx1")
                usleep(15_000)
            }
        }
        delivering.start()
        #expect(DaemonHarness.eventually(timeout: 30) { originals(desk).count >= 15 })
        let taken = try competency(desk, ["backup", "--tenant", "retail-jp", "--to", backup.path])
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(DaemonHarness.eventually(timeout: 60) { originals(desk).count == total }, "all \(total) stored")
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)

        let other = try TemporaryDesk(name: "backup-load-restored")
        defer { other.remove() }
        let restored = try competency(other, ["restore", "--tenant", "retail-jp", "--from", backup.path])
        #expect(restored.status == 0, "\(restored.stderr)")
        let verified = try competency(other, ["verify", "--tenant", "retail-jp", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])
        let problems = report["problems"] as? [[String: Any]] ?? []
        #expect(
            problems.allSatisfy { $0["problem"] as? String == "no-row" },
            "every row of the snapshot has its file with its hash: \(problems)")
        let backedUp = originals(other).count
        let rows = report["recorded_files"] as? Int ?? -1
        #expect(
            rows >= 15 && rows + problems.count == backedUp,
            "rows \(rows), unrecorded \(problems.count), files \(backedUp)")

        // The daemon on the restored desk recovers what the snapshot missed, once each.
        let again = try DaemonHarness(desk: other, environment: Self.environment).startDaemon()
        defer {
            if again.process.isRunning {
                again.signal(SIGKILL)
                _ = again.finish()
            }
        }
        let restoredHarness = DaemonHarness(desk: other, environment: Self.environment)
        #expect(DaemonHarness.eventually(timeout: 30) { (try? restoredHarness.queue(all: true).count) == backedUp })
        let ids = try restoredHarness.queue(all: true).compactMap { $0["message_id"] as? String }
        #expect(Set(ids).count == ids.count && ids.count == backedUp, "no message stored twice")
        again.signal(SIGTERM)
        #expect(again.finish().status == 0)
        #expect(try competency(other, ["verify", "--tenant", "retail-jp"]).status == 0)
    }

}
