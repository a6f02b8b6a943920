import DeskTesting
import Foundation
import Testing

/// Issue 12, item 9: `competency purge --tenant T --before DATE [--dry-run]` against
/// the real daemon. Finished submissions lose their archived originals and personal
/// fields, the open one keeps everything, the SLA statistics are unchanged, the
/// history says who purged, an audit row records which IDs and how many files, and
/// `verify` still passes. A reviewer's purge goes through the daemon and may reach
/// only as far as the tenant's `retention: closed_days:` allows.
@Suite(.serialized) struct RetentionPurgeTests {
    static let environment = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]

    func competency(
        _ desk: TemporaryDesk, _ arguments: [String], environment: [String: String] = environment,
        user: (uid: uid_t, gid: gid_t, groups: [gid_t])? = nil
    ) throws -> ProgramRun {
        try ProgramRun.run(
            "competency", ["--config", desk.configFile.path] + arguments, environment: environment, user: user)
    }

    func json(_ run: ProgramRun) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    /// The archive path of each submission's original, from `show --json`… not shown
    /// there; from the archive itself: the originals, relative to the tenant's archive.
    func originals(_ desk: TemporaryDesk) -> [String] {
        TemporaryDesk.files(under: desk.archive("retail-jp")).filter {
            $0.range(of: #"^\d{4}/\d{2}/[^/.][^/]*$"#, options: .regularExpression) != nil
        }
    }

    /// A desk whose retail-jp keeps finished submissions 30 days, with three stored by
    /// the running daemon: retail-jp-1 open, retail-jp-2 noted and closed, retail-jp-3
    /// an automatic reply (ignored).
    func threeSubmissions(
        accessGroup: String? = nil, automatic: Bool = true,
        _ body: (TemporaryDesk, DaemonHarness, ChildProcess) throws -> Void
    ) throws {
        let desk = try TemporaryDesk(name: "purge")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        var text = try String(contentsOf: tenantFile, encoding: .utf8) + "\nretention:\n  closed_days: 30\n"
        if !automatic { text += "  automatic: false\n" }
        if let accessGroup { text += "access_group: \(accessGroup)\n" }
        try text.write(to: tenantFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk, environment: Self.environment)
        let daemon = try harness.startDaemon()
        defer {
            if daemon.process.isRunning {
                daemon.signal(SIGKILL)
                _ = daemon.finish()
            }
        }
        for (number, name) in ["iso2022jp-submission.eml", "examples/saas-yaml.eml", "auto-reply.eml"].enumerated() {
            try harness.deliver(try fixture(name), to: "retail-jp", name: "179593580\(number).M1P1.mx1")
            #expect(
                DaemonHarness.eventually(timeout: 30) {
                    (try? harness.queue(all: true).count) == number + 1
                }, "stored \(name)")
        }
        let queue = try harness.queue(all: true)
        try #require(
            queue.map { "\($0["id"] ?? "")=\($0["verdict"] ?? "")" }.sorted().last == "retail-jp-3=ignored", "\(queue)")
        let noted = try competency(
            desk, ["note", "retail-jp-2", "Hanako Sato (hanako@acme.example) called about this"])
        try #require(noted.status == 0, "\(noted.stderr)")
        let closed = try competency(desk, ["close", "retail-jp-2", "--reason", "sent to the wrong office"])
        try #require(closed.status == 0, "\(closed.stderr)")
        try body(desk, harness, daemon)
    }

    @Test func purgeRemovesOriginalsAndPersonalDataKeepsTheStatisticsAndAnAuditRecord() throws {
        try threeSubmissions { desk, harness, daemon in
            let showBefore = try json(try competency(desk, ["show", "retail-jp-2", "--json"]))
            try #require(showBefore["subject"] as? String != nil && showBefore["sender"] as? String != nil)
            let slaBefore = try competency(desk, ["sla", "--tenant", "retail-jp", "--json"])
            try #require(slaBefore.status == 0, "\(slaBefore.stderr)")
            let openShowBefore = try competency(desk, ["show", "retail-jp-1", "--json"]).stdout
            let archived = originals(desk)
            try #require(archived.count == 3, "\(archived)")

            // Dry run: lists what would go, changes nothing.
            let dry = try competency(desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31", "--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("Would purge 2 submissions"), "\(dry.stdout)")
            #expect(dry.stdout.contains("retail-jp-2") && dry.stdout.contains("retail-jp-3"), "\(dry.stdout)")
            #expect(!dry.stdout.contains("retail-jp-1 "), "the open submission stays: \(dry.stdout)")
            #expect(originals(desk) == archived)
            #expect(try json(try competency(desk, ["show", "retail-jp-2", "--json"]))["subject"] as? String != nil)

            // Nothing finished before the receipt day: nothing to purge.
            let early = try competency(desk, ["purge", "--tenant", "retail-jp", "--before", "2026-01-01"])
            #expect(early.status == 0, "\(early.stderr)")
            #expect(early.stdout.contains("nothing was purged"), "\(early.stdout)")

            // Root acts directly, with the daemon running.
            let purged = try competency(desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31"])
            #expect(purged.status == 0, "\(purged.stderr)")
            #expect(purged.stdout.contains("Purged 2 submissions"), "\(purged.stdout)")
            #expect(purged.stdout.contains("2 archived files removed"), "\(purged.stdout)")
            #expect(purged.stdout.contains("audit record #1"), "\(purged.stdout)")
            #expect(originals(desk).count == 1, "only the open submission's original stays: \(originals(desk))")

            // Personal data gone, SLA facts kept.
            let show = try json(try competency(desk, ["show", "retail-jp-2", "--json"]))
            for key in ["subject", "sender", "message_id"] {
                #expect(show[key] is NSNull, "\(key) is blanked: \(show[key] ?? "absent")")
            }
            for key in ["id", "verdict", "received_at", "due_at", "sla", "partner"] {
                #expect("\(show[key] ?? "")" == "\(showBefore[key] ?? "")", "\(key) is kept")
            }
            let notes = try #require(show["notes"] as? [[String: Any]])
            #expect(notes.count == 1)
            #expect(notes.first?["text"] as? String == "(removed by the retention purge)", "\(notes)")
            #expect(!(try competency(desk, ["show", "retail-jp-2", "--json"]).stdout.contains("hanako@acme.example")))
            let history = try competency(desk, ["history", "retail-jp-2"])
            #expect(history.stdout.contains("purged"), "\(history.stdout)")
            #expect(history.stdout.contains("retention purge #1"), "\(history.stdout)")
            #expect(
                !history.stdout.contains("hanako@acme.example"),
                "the note's first line left the history too: \(history.stdout)")
            #expect(!history.stdout.contains("wrong office"), "\(history.stdout)")
            // The open one is untouched, and `sla` counts exactly as before.
            #expect(try competency(desk, ["show", "retail-jp-1", "--json"]).stdout == openShowBefore)
            let slaAfter = try competency(desk, ["sla", "--tenant", "retail-jp", "--json"])
            #expect(slaAfter.stdout == slaBefore.stdout)

            // The archive and the store agree: purged rows' files are meant to be gone.
            let verified = try competency(desk, ["verify", "--tenant", "retail-jp"])
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")

            // The audit record: which IDs, how many files, who, when.
            let audit = try competency(desk, ["purge", "--tenant", "retail-jp", "--audit", "--json"])
            #expect(audit.status == 0, "\(audit.stderr)")
            let records = try #require(
                try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]], "\(audit.stdout)")
            #expect(records.count == 1)
            #expect(records.first?["actor"] as? String == "root")
            #expect(records.first?["before"] as? String == "2026-12-31")
            #expect(records.first?["submissions"] as? [String] == ["retail-jp-2", "retail-jp-3"])
            #expect(records.first?["files_removed"] as? Int == 2)
            #expect((records.first?["at"] as? String)?.hasPrefix("2026-11-30T10:00:00") == true, "\(records)")
            let auditText = try competency(desk, ["purge", "--tenant", "retail-jp", "--audit"])
            #expect(auditText.stdout.contains("#1") && auditText.stdout.contains("by root"), "\(auditText.stdout)")
            let neither = try competency(desk, ["purge", "--tenant", "retail-jp"])
            #expect(neither.status == 64 && neither.stderr.contains("--before"), "\(neither.stderr)")
            // The store's own table says the same, read by another SQLite client.
            if RequiredTool.python3.isAvailable {
                let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite").path
                let rows = try ProgramRun.runTool(
                    "python3",
                    [
                        "-c",
                        "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute('select actor, before, submissions, files_removed from purge').fetchall())",
                        store,
                    ])
                #expect(rows.stdout.contains("('root', '2026-12-31', '[2,3]', 2)"), "\(rows.stdout) \(rows.stderr)")
            }

            // Again: nothing more to purge; the daemon kept running throughout.
            let again = try competency(desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31"])
            #expect(again.stdout.contains("nothing was purged"), "\(again.stdout)")
            #expect(daemon.process.isRunning)
            daemon.signal(SIGTERM)
            #expect(daemon.finish().status == 0)
        }
    }

    @Test func badDatesAndUnknownTenantsAreRefused() throws {
        let desk = try TemporaryDesk(name: "purge-bad")
        defer { desk.remove() }
        let date = try competency(desk, ["purge", "--tenant", "retail-jp", "--before", "31/12/2026", "--dry-run"])
        // Refused before the store is even looked at.
        #expect(date.status == 64, "\(date.stdout) \(date.stderr)")
        #expect(date.stderr.contains("31/12/2026") && date.stderr.contains("2026-01-31"), "\(date.stderr)")
        let unknown = try competency(desk, ["purge", "--tenant", "retail-xx", "--before", "2026-12-31"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("retail-xx"), "\(unknown.stderr)")
    }

    @Test(.enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
    func aReviewerPurgesThroughTheDaemonOnlyWhatRetentionAllows() throws {
        try RequiredTool.rootWithSetpriv.require()
        let office = try SystemGroup(members: ["nobody"])
        defer { office.remove() }
        let member = (uid: uid_t(65_534), gid: gid_t(65_534), groups: [office.gid])
        // automatic: false: a person purges (the daemon would otherwise do it itself on its first sweep).
        try threeSubmissions(accessGroup: office.name, automatic: false) { desk, harness, daemon in
            // 30 days' retention at 2026-11-30: at most --before 2026-10-31 for a reviewer.
            let tooLate = try competency(
                desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31"], user: member)
            #expect(tooLate.status == 77, "\(tooLate.stdout) \(tooLate.stderr)")
            #expect(tooLate.stderr.contains("2026-10-31"), "\(tooLate.stderr)")
            #expect(originals(desk).count == 3, "nothing was removed")

            // Two months on (the daemon's clock and the reviewer's), the same purge is allowed,
            // and it is the daemon that carries it out.
            daemon.signal(SIGTERM)
            #expect(daemon.finish().status == 0)
            let later = ["COMPETENCY_NOW": "2027-02-01T10:00:00+09:00"]
            let laterDaemon = try DaemonHarness(desk: desk, environment: later).startDaemon()
            defer {
                if laterDaemon.process.isRunning {
                    laterDaemon.signal(SIGKILL)
                    _ = laterDaemon.finish()
                }
            }
            let allowed = try competency(
                desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31"], environment: later, user: member)
            #expect(allowed.status == 0, "\(allowed.stdout) \(allowed.stderr)")
            #expect(allowed.stdout.contains("Purged 2 submissions"), "\(allowed.stdout)")
            #expect(originals(desk).count == 1)
            let history = try competency(desk, ["history", "retail-jp-3"], environment: later)
            #expect(
                history.stdout.contains("nobody"),
                "the purge is recorded under the caller the kernel named: \(history.stdout)")

            // With the daemon down a reviewer's purge changes nothing and says so.
            laterDaemon.signal(SIGTERM)
            #expect(laterDaemon.finish().status == 0)
            let down = try competency(
                desk, ["purge", "--tenant", "retail-jp", "--before", "2026-12-31"], environment: later, user: member)
            #expect(down.status == 69, "\(down.stderr)")
        }
    }
}

extension RetentionPurgeTests {
    /// With `retention: closed_days: 30`, the daemon purges by itself on its sweep what
    /// finished more than 30 days ago, and records it under its own name.
    @Test func theDaemonAppliesTheRetentionPeriodOnItsSweep() throws {
        try threeSubmissions { desk, harness, daemon in
            // On the day: nothing has been finished 30 days yet.
            #expect(originals(desk).count == 3)
            daemon.signal(SIGTERM)
            #expect(daemon.finish().status == 0)
            let later = ["COMPETENCY_NOW": "2027-01-15T10:00:00+09:00"]
            let laterDaemon = try DaemonHarness(desk: desk, environment: later).startDaemon()
            defer {
                if laterDaemon.process.isRunning {
                    laterDaemon.signal(SIGKILL)
                    _ = laterDaemon.finish()
                }
            }
            #expect(DaemonHarness.eventually(timeout: 30) { originals(desk).count == 1 }, "\(originals(desk))")
            let history = try competency(desk, ["history", "retail-jp-2"], environment: later)
            #expect(history.stdout.contains("competencyd"), "\(history.stdout)")
            #expect(
                history.stdout.contains("before 2026-12-16"),
                "the cut-off is 30 days before 2027-01-15: \(history.stdout)")
            let open = try json(try competency(desk, ["show", "retail-jp-1", "--json"], environment: later))
            #expect(open["subject"] as? String != nil, "the open submission keeps everything")
            laterDaemon.signal(SIGTERM)
            #expect(laterDaemon.finish().status == 0)
            #expect(try competency(desk, ["verify", "--tenant", "retail-jp"], environment: later).status == 0)
        }
    }
}
