import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12, item 6: the quarantine an operator can work — list, show, retry after
/// a fix (with a retry limit), purge with an audit record — against the real
/// daemon, real quarantined files and the CLI's forms of PRODUCT.md §9
/// (`competency --config FILE quarantine …`).
@Suite(.serialized) struct QuarantineTests {
    static let now = "2026-12-01T10:00:00+09:00"

    /// `competency --config FILE ARGS`.
    static func cli(
        _ desk: TemporaryDesk, _ arguments: [String], user: (uid: uid_t, gid: gid_t, groups: [gid_t])? = nil
    ) throws -> ProgramRun {
        try ProgramRun.run(
            "competency", ["--config", desk.configFile.path] + arguments, environment: ["COMPETENCY_NOW": now],
            user: user)
    }

    /// The quarantined files of retail-jp by `quarantine list --json`: name → reason.
    static func listed(_ desk: TemporaryDesk) throws -> [String: String] {
        let run = try cli(desk, ["quarantine", "list", "--tenant", "retail-jp", "--json"])
        guard run.status == 0 else { throw HarnessError("quarantine list failed (\(run.status)): \(run.stderr)") }
        let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0["reason"] as? String ?? "") })
    }

    /// Waits until retail-jp's quarantine holds one file other than `besides`, and returns its name.
    static func nextQuarantined(_ desk: TemporaryDesk, besides: Set<String> = []) throws -> String {
        var found: String?
        _ = try DaemonHarness.eventually(timeout: 30) {
            found = try listed(desk).keys.first { !besides.contains($0) }
            return found != nil
        }
        guard let found else { throw HarnessError("nothing was quarantined") }
        return found
    }

    static func ledger(_ desk: TemporaryDesk) throws -> [[String: Any]] {
        let text = try String(
            contentsOf: desk.archive("retail-jp").appendingPathComponent("quarantine.log"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func sha256(_ data: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("q-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ProgramRun.runTool("sha256sum", [file.path])
        return String(run.stdout.prefix(64))
    }

    /// A message of about 3 KB: over a 1024-byte limit.
    static func largeMessage() throws -> Data {
        var text = String(decoding: try fixture("iso2022jp-submission.eml"), as: UTF8.self)
        text += String(repeating: "padding line to pass the size limit\n", count: 60)
        return Data(text.utf8)
    }

    static func setLimit(_ bytes: Int, in desk: TemporaryDesk) throws {
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: #"max_message_bytes: \d+"#, with: "max_message_bytes: \(bytes)", options: .regularExpression)
        try changed.write(to: desk.configFile, atomically: true, encoding: .utf8)
    }

    @Test func aFileOverTheLimitIsListedShownRetriedAfterTheFixAndStoredWithTheOfficeToldOnce() throws {
        let desk = try TemporaryDesk(name: "quarantine")
        defer { desk.remove() }
        try Self.setLimit(1024, in: desk)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": Self.now])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        let bytes = try Self.largeMessage()
        try harness.deliver(bytes, to: "retail-jp", name: "1795935823.M1P1.mx1")
        let first = try Self.nextQuarantined(desk)
        #expect(first.hasSuffix("-1795935823.M1P1.mx1"), "\(first)")

        // The office list is told once, through the outgoing queue (here the outbox).
        let outbox = desk.root.appendingPathComponent("Outbox/retail-jp/new")
        func notices() -> [String] {
            TemporaryDesk.files(under: outbox).compactMap {
                try? String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8)
            }
            .filter { $0.contains("X-Competency-Purpose: quarantined") }
        }
        #expect(DaemonHarness.eventually(timeout: 10) { notices().count == 1 })
        let notice = try #require(notices().first)
        #expect(notice.contains("To: retail-jp@competency-desk.example"), "\(notice)")
        #expect(notice.contains("Auto-Submitted: auto-generated"))

        // list: when, size, reason.
        let list = try Self.cli(desk, ["quarantine", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("retail-jp  \(first)"), "\(list.stdout)")
        #expect(list.stdout.contains("\(bytes.count) bytes"), "\(list.stdout)")
        #expect(list.stdout.contains("over the limit of 1024 bytes (limits.max_message_bytes)"), "\(list.stdout)")

        // show: the reason file and the first bytes, escaped.
        let show = try Self.cli(desk, ["quarantine", "show", first])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("tenant: retail-jp"), "\(show.stdout)")
        #expect(show.stdout.contains("reason: the file is \(bytes.count) bytes, over the limit"), "\(show.stdout)")
        #expect(show.stdout.contains("Subject: "), "the headers are shown: \(show.stdout)")
        #expect(
            show.stdout.contains("\\x1B$B"), "ISO-2022-JP's escape byte is shown escaped, never raw: \(show.stdout)")
        #expect(!show.stdout.contains("\u{1B}"))

        // Retried before the fix: it comes straight back (retry 1 of 3).
        let early = try Self.cli(desk, ["quarantine", "retry", first, "--tenant", "retail-jp"])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stdout.contains("retry 1 of 3"), "\(early.stdout)")
        let second = try Self.nextQuarantined(desk, besides: [first])
        #expect(try Self.listed(desk).keys.sorted() == [second], "the first copy left, with its reason file")
        #expect(
            !FileManager.default.fileExists(
                atPath: desk.archive("retail-jp").appendingPathComponent("quarantine/\(first).reason.txt").path))

        // The fix: a larger limit, reloaded. Then the retry is stored.
        try Self.setLimit(52_428_800, in: desk)
        daemon.signal(SIGHUP)
        #expect(DaemonHarness.eventually(timeout: 20) { daemon.stderrSoFar.contains("configuration reloaded") })
        let retried = try Self.cli(desk, ["quarantine", "retry", second])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("retry 2 of 3"), "\(retried.stdout)")
        #expect(DaemonHarness.eventually(timeout: 30) { (try? harness.queue().count) == 1 }, "stored after the fix")
        #expect(try Self.listed(desk).isEmpty)
        let history = try Self.cli(desk, ["history", "retail-jp-1"])
        #expect(history.stdout.contains("1795935823.M1P1.mx1"), "its inbox name is its own again: \(history.stdout)")

        // The ledger: both retries, by the caller the kernel names, with the content's hash and size.
        let records = try Self.ledger(desk)
        let hash = try Self.sha256(bytes)
        #expect(records.count == 2)
        #expect(records.map { $0["action"] as? String } == ["retry", "retry"])
        #expect(records.map { $0["retry"] as? Int } == [1, 2])
        #expect(
            records.allSatisfy {
                $0["by"] as? String == "root" && $0["sha256"] as? String == hash && $0["size"] as? Int == bytes.count
            })
        #expect(records.map { $0["file"] as? String } == [first, second])
        // Told once per quarantined file: two files, two notices.
        #expect(notices().count == 2)
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    @Test func aFileThatFailsAgainIsRetriedThreeTimesThenRefusedUnlessForcedAndPurgeLeavesAnAuditRecord() throws {
        let desk = try TemporaryDesk(name: "quarantine-loop")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": Self.now])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        let png = try fixture("not-a-message.png")
        try harness.deliver(png, to: "retail-jp", name: "1795935823.M1P1.mx1")
        var seen: Set<String> = []
        var current = try Self.nextQuarantined(desk)
        // As if the archive were the daemon's user's (nobody here): root acting
        // directly gives the ledger it creates to that owner.
        let root = geteuid() == 0
        if root { #expect(chown(desk.archive("retail-jp").path, 65_534, 65_534) == 0) }
        for round in 1...3 {
            seen.insert(current)
            let run = try Self.cli(desk, ["quarantine", "retry", current, "--tenant", "retail-jp"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("retry \(round) of 3"), "\(run.stdout)")
            current = try Self.nextQuarantined(desk, besides: seen)
            #expect(try Self.listed(desk)[current]?.hasPrefix("not a message") == true)
        }
        // The fourth time: refused, nothing moves.
        let refused = try Self.cli(desk, ["quarantine", "retry", current, "--tenant", "retail-jp"])
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("was retried 3 times already"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try Self.listed(desk).keys.sorted() == [current])
        let forced = try Self.cli(desk, ["quarantine", "retry", current, "--tenant", "retail-jp", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("retry 4, past the limit of 3 (--force)"), "\(forced.stdout)")
        seen.insert(current)
        current = try Self.nextQuarantined(desk, besides: seen)

        // Purge: gone, reason file too, and the ledger says who, when, which, hash and size.
        let purge = try Self.cli(desk, ["quarantine", "purge", current, "--tenant", "retail-jp"])
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(purge.stdout.contains("Purged"), "\(purge.stdout)")
        #expect(try Self.listed(desk).isEmpty)
        let folder = desk.archive("retail-jp").appendingPathComponent("quarantine")
        #expect(
            TemporaryDesk.files(under: folder).isEmpty, "no reason file left: \(TemporaryDesk.files(under: folder))")
        let last = try #require(try Self.ledger(desk).last)
        #expect(last["action"] as? String == "purge")
        #expect(last["file"] as? String == current)
        #expect(last["by"] as? String == "root")
        #expect(last["uid"] as? Int == 0)
        #expect(last["sha256"] as? String == (try Self.sha256(png)))
        #expect(last["size"] as? Int == png.count)
        #expect((last["reason"] as? String ?? "").hasPrefix("not a message"))
        let at = try #require(last["at"] as? String)
        #expect(ISO8601DateFormatter().date(from: at) != nil, "\(at)")
        #expect(try Self.ledger(desk).filter { $0["action"] as? String == "retry" }.count == 4)
        if root {
            var status = stat()
            #expect(stat(desk.archive("retail-jp").appendingPathComponent("quarantine.log").path, &status) == 0)
            #expect(status.st_uid == 65_534 && status.st_gid == 65_534, "the ledger is the archive owner's")
        }

        // purge --all on an empty quarantine says so; --all needs --tenant.
        let empty = try Self.cli(desk, ["quarantine", "purge", "--all", "--tenant", "retail-jp"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("quarantine is empty"), "\(empty.stdout)")
        let noTenant = try Self.cli(desk, ["quarantine", "purge", "--all"])
        #expect(noTenant.status == 64, "\(noTenant.stderr)")
        #expect(noTenant.stderr.contains("--all needs --tenant"), "\(noTenant.stderr)")
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    @Test(arguments: [
        ("../x", Int32(64), "is not a quarantined file's name"),
        ("../../Config/competencyd.yaml", 64, "is not a quarantined file's name"),
        (".hidden", 64, "is not a quarantined file's name"),
        ("1796000000-abcdef12-x.reason.txt", 64, "is not a quarantined file's name"),
        ("1796000000-abcdef12-missing", 2, "no quarantined file \"1796000000-abcdef12-missing\" in tenant retail-jp"),
    ])
    func aBadNameIsRefusedNamingItAndNothingChanges(name: String, status: Int32, words: String) throws {
        let desk = try TemporaryDesk(name: "quarantine-names")
        defer { desk.remove() }
        // One real quarantined file, so there is something a bad name could reach.
        let quarantine = desk.archive("retail-jp").appendingPathComponent("quarantine")
        try FileManager.default.createDirectory(at: quarantine, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: quarantine.appendingPathComponent("1796000000-abcdef12-x"))
        try Data("reason: test\n".utf8).write(to: quarantine.appendingPathComponent("1796000000-abcdef12-x.reason.txt"))
        let before = TemporaryDesk.files(under: desk.root)
        for command in [["show", name], ["retry", name], ["purge", name]] {
            let run = try Self.cli(desk, ["quarantine"] + command + ["--tenant", "retail-jp"])
            #expect(run.status == status, "\(command): \(run.stderr)")
            #expect(run.stderr.contains(words), "\(command): \(run.stderr)")
        }
        #expect(TemporaryDesk.files(under: desk.root) == before, "nothing changed")
        let unknown = try Self.cli(desk, ["quarantine", "list", "--tenant", "retail-xx"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no tenant \"retail-xx\""), "\(unknown.stderr)")
    }
}

/// Retry and purge from a reviewer are carried out by the daemon: a member of the
/// tenant's access group may; someone else may not; with the daemon down nothing
/// happens. Needs root (to make the group and run as `nobody`).
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
struct QuarantineThroughTheDaemonTests {
    @Test func aMemberRetriesAndPurgesThroughTheDaemonAnOutsiderIsRefusedAndADownDaemonChangesNothing() throws {
        try RequiredTool.rootWithSetpriv.require()
        let office = try SystemGroup(members: ["nobody"])
        defer { office.remove() }
        let member = (uid: uid_t(65_534), gid: gid_t(65_534), groups: [office.gid])
        let outsider = (uid: uid_t(65_533), gid: gid_t(65_533), groups: [office.gid])
        let desk = try TemporaryDesk(name: "quarantine-daemon")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try (text + "\naccess_group: \(office.name)\n").write(to: tenantFile, atomically: true, encoding: .utf8)
        // Reviewers need to reach the socket and the archive through the desk's folders.
        chmod(desk.root.path, 0o755)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": QuarantineTests.now])
        let daemon = try harness.startDaemon()
        var running = true
        defer { if running { daemon.signal(SIGKILL); _ = daemon.finish() } }
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let first = try QuarantineTests.nextQuarantined(desk)

        let listed = try QuarantineTests.cli(desk, ["quarantine", "list", "--tenant", "retail-jp"], user: member)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains(first), "a member reads the quarantine: \(listed.stdout)")

        // A stranger (no group at all) may not even read it; status lists the tenant
        // as not readable for them (and still answers), and gives a member the counts.
        let stranger = (uid: uid_t(65_533), gid: gid_t(65_533), groups: [gid_t]())
        let peek = try QuarantineTests.cli(desk, ["quarantine", "list", "--tenant", "retail-jp"], user: stranger)
        #expect(peek.status == 77, "\(peek.stderr)")
        #expect(peek.stderr.contains("you may not read tenant retail-jp"), "\(peek.stderr)")
        for (who, readable) in [(stranger, false), (member, true)] {
            let status = try QuarantineTests.cli(desk, ["status", "--json"], user: who)
            let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            let jp = (object?["tenants"] as? [[String: Any]])?.first { $0["id"] as? String == "retail-jp" }
            #expect(jp?["readable"] as? Bool == readable, "\(status.stdout)")
            #expect((jp?["quarantined_files"] as? Int) == (readable ? 1 : nil), "\(status.stdout)")
            #expect((object?["daemon"] as? [String: Any])?["running"] as? Bool == true, "\(status.stdout)")
        }

        let refused = try QuarantineTests.cli(
            desk, ["quarantine", "purge", first, "--tenant", "retail-jp"], user: outsider)
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("may not change tenant retail-jp"), "\(refused.stderr)")
        #expect(try QuarantineTests.listed(desk).keys.contains(first))

        let retried = try QuarantineTests.cli(
            desk, ["quarantine", "retry", first, "--tenant", "retail-jp"], user: member)
        #expect(retried.status == 0, "\(retried.stderr)")
        let second = try QuarantineTests.nextQuarantined(desk, besides: [first])
        let purged = try QuarantineTests.cli(
            desk, ["quarantine", "purge", second, "--tenant", "retail-jp"], user: member)
        #expect(purged.status == 0, "\(purged.stderr)")
        #expect(try QuarantineTests.listed(desk).isEmpty)
        let records = try QuarantineTests.ledger(desk)
        #expect(records.map { $0["action"] as? String } == ["retry", "purge"])
        #expect(records.allSatisfy { $0["by"] as? String == "nobody" && $0["uid"] as? Int == 65_534 }, "\(records)")
        // The daemon made the changes: the ledger is the daemon's (root's) file, not nobody's.
        var status = stat()
        #expect(
            stat(desk.archive("retail-jp").appendingPathComponent("quarantine.log").path, &status) == 0
                && status.st_uid == 0)

        // With the daemon down a reviewer's purge is refused and nothing changes.
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935824.M1P1.mx1")
        let third = try QuarantineTests.nextQuarantined(desk)
        daemon.signal(SIGTERM)
        _ = daemon.finish()
        running = false
        let down = try QuarantineTests.cli(desk, ["quarantine", "purge", third, "--tenant", "retail-jp"], user: member)
        #expect(down.status == 69, "\(down.stderr)")
        #expect(try QuarantineTests.listed(desk).keys.contains(third))
    }
}
