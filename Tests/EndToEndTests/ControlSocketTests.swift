import DeskTesting
import Foundation
import Testing

/// Issue 8, item 1: the daemon is the only writer. A reviewer's `note` goes to the
/// daemon over its control socket; the daemon asks the system (SO_PEERCRED, then
/// getgrouplist) who is calling and whether they are in the tenant's access group;
/// with the daemon down the reviewer is told so (exit 69) and nothing changes; the
/// reviewer cannot write the store or the archive at all; root acts directly.
///
/// The reviewer is `nobody` made a member of a real group created for the test
/// (groupadd/gpasswd, removed afterwards), because the daemon must look the
/// membership up in the system's group database — a group the client process
/// merely carries (setpriv --groups) must not count. Needs root: skipped on a
/// user's clone, run in CI.
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
struct ControlSocketTests {
    @Test func aMemberNotesThroughTheDaemonAnOutsiderIsRefusedAndNothingWritesBehindItsBack() throws {
        try RequiredTool.rootWithSetpriv.require()
        let office = try SystemGroup(members: ["nobody"])
        defer { office.remove() }
        let member = (uid: uid_t(65_534), gid: gid_t(65_534), groups: [office.gid])
        // No passwd entry for 65533: the system knows no groups for it, whatever the
        // process carries. It can read the store (group bits), but may not change it.
        let outsider = (uid: uid_t(65_533), gid: gid_t(65_533), groups: [office.gid])

        let desk = try TemporaryDesk(name: "control")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try (text + "\naccess_group: \(office.name)\n").write(to: tenantFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        let config = ["--config", desk.configFile.path]
        let socket = desk.root.appendingPathComponent("Archive/competencyd.sock")
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")

        let daemon = try harness.startDaemon()
        var daemonRunning = true
        defer { if daemonRunning { daemon.signal(SIGKILL); _ = daemon.finish() } }
        try harness.deliver(
            try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                (try? harness.queue().contains { $0["id"] as? String == "retail-jp-1" }) ?? false
            }, "the daemon stored the message")
        #expect(DaemonHarness.eventually(timeout: 10) { FileManager.default.fileExists(atPath: socket.path) })
        var status = stat()
        #expect(lstat(socket.path, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o666, "no control_group: the socket's mode is the gate")

        // The member's note goes through the daemon; the author is the kernel's answer.
        let noted = try ProgramRun.run(
            "competency", config + ["note", "retail-jp-1", "確認しました / checked"], environment: harness.environment,
            user: member)
        #expect(noted.status == 0, "\(noted.stderr)")
        #expect(noted.stdout.contains("Note added to retail-jp-1 by nobody."), "\(noted.stdout)")
        #expect(try notes(harness) == [["nobody", "確認しました / checked"]])
        // It was the daemon that wrote it: the journal says who asked.
        // (Read after stopping, below.)

        // The outsider carries the group but the system does not list it as a member.
        let refused = try ProgramRun.run(
            "competency", config + ["note", "retail-jp-1", "not mine to say"], environment: harness.environment,
            user: outsider)
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("may not change tenant retail-jp"), "\(refused.stderr)")
        #expect(try notes(harness).count == 1, "the refused note was not written")

        // The reviewer cannot write the store, its WAL or the archive, nor remove anything.
        let archived = try #require(
            TemporaryDesk.files(under: desk.archive("retail-jp")).first { $0.hasPrefix("20") && $0.contains("mx1") })
        let archivedPath = desk.archive("retail-jp").appendingPathComponent(archived).path
        for (what, command) in [
            ("append to the store", ": >> '\(store.path)'"),
            ("append to the WAL", ": >> '\(store.path)-wal'"),
            ("remove an archived original", "rm -f '\(archivedPath)'"),
            ("add a file to the archive", ": > '\(desk.archive("retail-jp").path)/planted'"),
            ("change the store's mode", "chmod 0666 '\(store.path)'"),
        ] {
            let attempt = try Self.shell(command, as: member)
            #expect(attempt != 0, "the reviewer could \(what)")
        }
        #expect(FileManager.default.fileExists(atPath: archivedPath))
        // `ingest` writes the store itself: refused to a reviewer, with what to do instead.
        let eml = desk.root.appendingPathComponent("drop.eml")
        try fixture("examples/saas-yaml.eml").write(to: eml)
        #expect(chmod(eml.path, 0o644) == 0)
        let ingest = try ProgramRun.run(
            "competency", config + ["ingest", "--tenant", "retail-jp", eml.path], environment: harness.environment,
            user: member)
        #expect(ingest.status == 77, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("only root or the daemon's user"), "\(ingest.stderr)")

        // The daemon stops: the socket goes, and the reviewer's write says so and changes nothing.
        daemon.signal(SIGTERM)
        let stopped = daemon.finish()
        daemonRunning = false
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("request done"), "the daemon logged the note it made")
        #expect(stopped.stderr.contains("caller=nobody"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("request refused"), "the daemon logged the refusal")
        #expect(!FileManager.default.fileExists(atPath: socket.path), "the socket is removed on stop")
        let before = try ReadOnlyReaderTests.snapshot(desk.archive("retail-jp"))
        let down = try ProgramRun.run(
            "competency", config + ["note", "retail-jp-1", "while it is down"], environment: harness.environment,
            user: member)
        #expect(down.status == 69, "\(down.stderr)")
        #expect(down.stderr.contains("the daemon is not running"), "\(down.stderr)")
        #expect(down.stderr.contains("nothing was changed"), "\(down.stderr)")
        #expect(try ReadOnlyReaderTests.snapshot(desk.archive("retail-jp")) == before, "nothing changed")

        // Root (an operator) acts on the store directly through the same code.
        let direct = try harness.cli(["note", "retail-jp-1", "operator note"])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(direct.stdout.contains("by root"), "\(direct.stdout)")
        #expect(try notes(harness).map { $0[0] } == ["nobody", "root"])
    }

    /// Issue 9, item 5: a reviewer's `respond` is the daemon's doing too. The draft is
    /// readable by the member (group read on the archive); sending it is a request the
    /// daemon carries out, so the outbox file is the daemon's and the reviewer is the
    /// history's author; with the daemon down nothing is sent.
    @Test func aMemberRespondsThroughTheDaemonAndTheMessageIsTheDaemons() throws {
        try RequiredTool.rootWithSetpriv.require()
        let office = try SystemGroup(members: ["nobody"])
        defer { office.remove() }
        let member = (uid: uid_t(65_534), gid: gid_t(65_534), groups: [office.gid])
        let desk = try TemporaryDesk(name: "control-respond")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try (text + "\naccess_group: \(office.name)\n").write(to: tenantFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        let config = ["--config", desk.configFile.path]
        let socket = desk.root.appendingPathComponent("Archive/competencyd.sock")
        let daemon = try harness.startDaemon()
        var daemonRunning = true
        defer { if daemonRunning { daemon.signal(SIGKILL); _ = daemon.finish() } }
        try harness.deliver(
            RespondTests.message(
                from: "Hanako Sato <hanako.sato@aozora-commerce.example>", id: "no-doc@aozora-commerce.example",
                received: "Mon, 30 Nov 2026 09:00:00 +0900", subject: "Retail Competency"),
            to: "retail-jp", name: "1796000000.M1P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                (try? harness.queue().contains { $0["id"] as? String == "retail-jp-1" }) ?? false
            })
        #expect(DaemonHarness.eventually(timeout: 10) { FileManager.default.fileExists(atPath: socket.path) })

        let dry = try ProgramRun.run(
            "competency", config + ["respond", "retail-jp-1", "--dry-run"], environment: harness.environment, user: member)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("To: Hanako Sato <hanako.sato@aozora-commerce.example>") || dry.stdout.contains("To: hanako.sato@aozora-commerce.example"), "\(dry.stdout)")
        let sent = try ProgramRun.run(
            "competency", config + ["respond", "retail-jp-1"], environment: harness.environment, user: member)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("the SLA is met"), "\(sent.stdout)")
        let outbox = desk.root.appendingPathComponent("Outbox/retail-jp/new")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        #expect(files.count == 1, "\(files)")
        var status = stat()
        if let file = files.first {
            #expect(lstat(outbox.appendingPathComponent(file).path, &status) == 0)
            #expect(status.st_uid == geteuid(), "written by the daemon, not the reviewer")
            #expect(status.st_mode & 0o777 == 0o640)
        }
        let history = try harness.cli(["history", "retail-jp-1"])
        #expect(history.stdout.contains("first-response") && history.stdout.contains("nobody:"), "\(history.stdout)")

        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
        daemonRunning = false
        let down = try ProgramRun.run(
            "competency", config + ["respond", "retail-jp-1", "--again"], environment: harness.environment, user: member)
        #expect(down.status == 69, "\(down.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).count == 1)
    }

    @Test func aStaleSocketIsReplacedAndSomethingElseAtThePathIsNeverRemoved() throws {
        try RequiredTool.rootWithSetpriv.require()
        let desk = try TemporaryDesk(name: "control-stale")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        let socket = desk.root.appendingPathComponent("Archive/competencyd.sock")

        // A plain file in the way: the daemon runs (tenants first), logs why reviewers
        // cannot reach it, and leaves the file alone.
        try Data("not a socket".utf8).write(to: socket)
        let blocked = try harness.startDaemon()
        #expect(DaemonHarness.eventually(timeout: 20) { blocked.stderrSoFar.contains("control socket unavailable") })
        let queue = try harness.cli(["queue", "--json"])
        #expect(queue.status == 0, "the tenants still run: \(queue.stderr)")
        blocked.signal(SIGTERM)
        #expect(blocked.finish().status == 0)
        #expect(try String(contentsOf: socket, encoding: .utf8) == "not a socket")
        try FileManager.default.removeItem(at: socket)

        // A socket left by a killed daemon is replaced by the next one.
        let first = try harness.startDaemon()
        #expect(DaemonHarness.eventually(timeout: 20) { FileManager.default.fileExists(atPath: socket.path) })
        first.signal(SIGKILL)
        _ = first.finish()
        #expect(FileManager.default.fileExists(atPath: socket.path), "SIGKILL leaves the socket behind")
        let second = try harness.startDaemon()
        defer {
            second.signal(SIGTERM)
            _ = second.finish()
        }
        #expect(DaemonHarness.eventually(timeout: 20) { second.stderrSoFar.contains("control socket ready") })
        // And it answers: root's note is direct, so ask it as a reviewer of a tenant without access_group.
        try harness.deliver(
            try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M2P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                (try? harness.queue().contains { $0["id"] as? String == "retail-jp-1" }) ?? false
            })
        let answered = try ProgramRun.run(
            "competency", ["--config", desk.configFile.path, "note", "retail-jp-1", "via the new socket"],
            environment: harness.environment, user: (uid: 65_534, gid: 65_534, groups: []))
        // No access_group: the reviewer reaches the daemon, which writes the note.
        #expect(answered.status == 0, "\(answered.stderr)")
        #expect(answered.stdout.contains("by nobody"), "\(answered.stdout)")
    }

    /// `[author, text]` of retail-jp-1's notes, read as root.
    func notes(_ harness: DaemonHarness) throws -> [[String]] {
        let show = try harness.cli(["show", "retail-jp-1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        let notes = object?["notes"] as? [[String: Any]] ?? []
        return notes.map { [$0["author"] as? String ?? "", $0["text"] as? String ?? ""] }
    }

    /// Runs `/bin/sh -c command` as `user`; its exit status.
    static func shell(_ command: String, as user: (uid: uid_t, gid: gid_t, groups: [gid_t])) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--reuid", "\(user.uid)", "--regid", "\(user.gid)", "--groups",
            user.groups.map(String.init).joined(separator: ","), "--", "/bin/sh", "-c", command,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A real group in the system's group database, for the length of a test.
struct SystemGroup {
    let name: String
    let gid: gid_t

    init(members: [String]) throws {
        name = "cdtest\(UInt32.random(in: 10_000...99_999))"
        guard Self.run("/usr/sbin/groupadd", ["--system", name]) == 0, let entry = getgrnam(name) else {
            throw SetupError("groupadd \(name) failed (is the passwd package installed?)")
        }
        gid = entry.pointee.gr_gid
        for member in members where Self.run("/usr/bin/gpasswd", ["-a", member, name]) != 0 {
            throw SetupError("gpasswd -a \(member) \(name) failed")
        }
    }

    func remove() { _ = Self.run("/usr/sbin/groupdel", [name]) }

    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
