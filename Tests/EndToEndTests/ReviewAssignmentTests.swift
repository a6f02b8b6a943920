import DeskConfig
import DeskCore
import DeskServices
import DeskStore
import DeskTesting
import Foundation
import Logging
import Testing

/// Who reviews a ready submission (PRODUCT.md §7; issue 10, items 1–2): the rules
/// over a table of pools, on a real store, and `competency assign` and the
/// daemon's own choice end to end.
@Suite(.serialized)
struct ReviewAssignmentTests {
    static let pool = """

        reviewers:
          - id: a
            email: a@competency-desk.example
            capacity: 1
          - id: b
            name: Bee Reviewer
            email: b@competency-desk.example
            user: bee
            capacity: 2
            away: [2026-12-24..2027-01-04]
          - id: c
            email: c@competency-desk.example
            time_zone: America/New_York
            conflicts: [APN-310001]

        """

    /// A desk whose retail-jp tenant has `pool` instead of the shipped one.
    static func desk(_ name: String, pool: String = pool) throws -> TemporaryDesk {
        let desk = try TemporaryDesk(name: name)
        let file = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        if let shipped = text.range(of: "\n# The reviewer pool") { text = String(text[..<shipped.lowerBound]) }
        try (text + pool).write(to: file, atomically: true, encoding: .utf8)
        return desk
    }

    static func ready(_ store: SubmissionStore, partner: String, sha: String, at now: Date) throws -> Int64 {
        let record = SubmissionRecord(
            number: nil, verdict: "ready", subject: "s", sender: "x@example.com", partner: partner, messageID: "<\(sha)@x>",
            contentSHA256: sha, receivedAt: now.timeIntervalSince1970, receiptSource: "received-header", dateHeader: nil,
            dueDate: nil, deadline: nil, respondedAt: nil, closedAt: nil, assignee: nil, ignoredReason: nil,
            problems: "[]", archivePath: "2026/12/\(sha).eml", createdAt: now.timeIntervalSince1970)
        let file = IngestedFile(sourceName: sha, size: 1, submission: record, events: [("received", "test")], actor: "test")
        guard case .stored(let number) = try store.recordIngestedFile(file, at: now) else { throw TestFailure("not stored") }
        return number
    }

    @Test func thePoolTableCapacityAwayConflictAndTies() throws {
        let desk = try Self.desk("pool-table")
        defer { desk.remove() }
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let tenant = try #require(configuration.tenant("retail-jp"))
        #expect(tenant.reviewers.map(\.id) == ["a", "b", "c"])
        #expect(tenant.reviewers[1].user == "bee" && tenant.reviewers[0].user == "a")
        #expect(tenant.reviewers[2].timeZone?.identifier == "America/New_York")
        let registry = try RegistryCache(url: tenant.registry, logger: Logger(label: "test")).current().get()
        try FileManager.default.createDirectory(at: desk.archive("retail-jp"), withIntermediateDirectories: true)
        let store = try SubmissionStore(tenant: "retail-jp", url: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let rules = ReviewAssignment(tenant: tenant, store: store, registry: registry)
        let december1 = try #require(ISO8601DateFormatter().date(from: "2026-12-01T01:00:00Z"))

        // Nobody has anything: a tie on open reviews and on "longest ago" (never): by id.
        let first = try Self.ready(store, partner: "Kaede Analytics KK", sha: "k1", at: december1)
        #expect(try rules.assignReady(at: december1).map { $0.1 } == ["a"])
        // a is at capacity (1): b and c tie at 0; b by id.
        _ = try Self.ready(store, partner: "Kaede Analytics KK", sha: "k2", at: december1)
        #expect(try rules.assignReady(at: december1).map { $0.1 } == ["b"])
        // An Aozora submission: c (0 open) has a conflict, a is full: b, with 1 of 2.
        _ = try Self.ready(store, partner: "Aozora Commerce KK", sha: "z1", at: december1)
        #expect(try rules.assignReady(at: december1).map { $0.1 } == ["b"])
        // Two at once racing for the pool: c takes the Kaede one, nobody may take the
        // Aozora one (a full, b full, c conflicted) — said once, tried again later.
        let kaede = try Self.ready(store, partner: "Kaede Analytics KK", sha: "k3", at: december1)
        let aozora = try Self.ready(store, partner: "Aozora Commerce KK", sha: "z2", at: december1)
        let made = try rules.assignReady(at: december1)
        #expect(made.map { $0.0 } == ["retail-jp-\(kaede)"] && made.map { $0.1 } == ["c"])
        #expect(try store.submission(number: aozora)?.assignee == nil)
        let events = try store.events(on: aozora).filter { $0.kind == "no-reviewer" }
        #expect(events.count == 1)
        let why = events.first?.detail ?? ""
        #expect(why.contains("a: has 1 open review (capacity 1)"), "\(why)")
        #expect(why.contains("b: has 2 open reviews (capacity 2)"), "\(why)")
        #expect(why.contains("c: conflict of interest with Aozora Commerce KK"), "\(why)")
        _ = try rules.assignReady(at: december1)
        #expect(try store.events(on: aozora).filter { $0.kind == "no-reviewer" }.count == 1, "said once")

        // a's review closes: a is free, and takes the waiting Aozora one on the next sweep.
        _ = try store.closeSubmission(first, reason: "done", by: "test", at: december1)
        #expect(try rules.assignReady(at: december1).map { $0.1 } == ["a"])

        // Away across the year end (a holiday period): b is refused on 28 Dec with the reason.
        let december28 = try #require(ISO8601DateFormatter().date(from: "2026-12-28T01:00:00Z"))
        let record = try #require(try store.submission(number: kaede))
        let reasons = rules.reasons(
            tenant.reviewers[1], for: record, on: tenant.calendar.localDate(of: december28), openReviews: [:])
        #expect(reasons == ["away on 2026-12-28"])
    }

    @Test func tiesGoToWhoWasAssignedLongestAgo() throws {
        let desk = try Self.desk(
            "pool-ties",
            pool: """

                reviewers:
                  - {id: x, email: x@competency-desk.example, capacity: 5}
                  - {id: y, email: y@competency-desk.example, capacity: 5}

                """)
        defer { desk.remove() }
        let tenant = try #require(try DeskConfiguration.load(from: desk.configFile).tenant("retail-jp"))
        try FileManager.default.createDirectory(at: desk.archive("retail-jp"), withIntermediateDirectories: true)
        let store = try SubmissionStore(tenant: "retail-jp", url: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let rules = ReviewAssignment(tenant: tenant, store: store, registry: nil)
        let t0 = Date(timeIntervalSince1970: 1_796_000_000)
        let one = try Self.ready(store, partner: "P", sha: "1", at: t0)
        let two = try Self.ready(store, partner: "P", sha: "2", at: t0)
        try store.assign(one, to: "y", by: "test", detail: "", unlessAssigned: false, at: t0)
        try store.assign(two, to: "x", by: "test", detail: "", unlessAssigned: false, at: t0.addingTimeInterval(60))
        _ = try store.closeSubmission(one, reason: "done", by: "test", at: t0)
        _ = try store.closeSubmission(two, reason: "done", by: "test", at: t0)
        // Both have 0 open; y was assigned longest ago.
        _ = try Self.ready(store, partner: "P", sha: "3", at: t0)
        #expect(try rules.assignReady(at: t0.addingTimeInterval(120)).map { $0.1 } == ["y"])
    }

    /// "Not away on the slot": away on the review's earliest day (three business days
    /// after the verdict), not today, is enough to pass a reviewer over.
    @Test func awayOnTheEarliestReviewDayIsNotEligible() throws {
        let desk = try Self.desk(
            "pool-slot-away",
            pool: """

                reviewers:
                  - {id: x, email: x@competency-desk.example, away: [2026-12-03..2026-12-04]}
                  - {id: y, email: y@competency-desk.example}

                """)
        defer { desk.remove() }
        let tenant = try #require(try DeskConfiguration.load(from: desk.configFile).tenant("retail-jp"))
        try FileManager.default.createDirectory(at: desk.archive("retail-jp"), withIntermediateDirectories: true)
        let store = try SubmissionStore(tenant: "retail-jp", url: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let monday = try #require(ISO8601DateFormatter().date(from: "2026-11-30T01:00:00Z"))
        _ = try Self.ready(store, partner: "P", sha: "1", at: monday)
        #expect(try ReviewAssignment(tenant: tenant, store: store, registry: nil).assignReady(at: monday).map { $0.1 } == ["y"])
    }

    @Test func aBrokenPoolIsRefusedWithFileLineAndKey() throws {
        let cases: [(String, String)] = [
            ("reviewers:\n  - {id: Bad Id, email: a@b.example}\n", "is not a reviewer id"),
            ("reviewers:\n  - {id: a, email: not-an-address}\n", "not a well-formed mail address"),
            ("reviewers:\n  - {id: a, email: a@b.example, away: [2026-13-01]}\n", "is not a date"),
            ("reviewers:\n  - {id: a, email: a@b.example, away: [2027-01-05..2026-12-28]}\n", "ends before it starts"),
            ("reviewers:\n  - {id: a, email: a@b.example, time_zone: Mars/Olympus}\n", "not a time zone"),
            ("reviewers:\n  - {id: a, email: a@b.example, capacity: 0}\n", "capacity"),
            ("reviewers:\n  - {id: a, email: a@b.example}\n  - {id: a, email: c@b.example}\n", "a second reviewer"),
            ("reviewers:\n  - {id: a, mail: a@b.example}\n", "unknown key"),
            ("review:\n  send_notice: immediately\n", "is not confirm (a reviewer sends the notice with competency respond) or at-once"),
            ("review:\n  start: \"25:00\"\n", "is not a local time such as 10:00"),
        ]
        for (pool, expected) in cases {
            let desk = try Self.desk("pool-bad", pool: "\n" + pool)
            defer { desk.remove() }
            let run = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
            #expect(run.status == 78, "\(pool): \(run.stderr)")
            #expect(run.stderr.contains("retail-jp.yaml:"), "\(run.stderr)")
            #expect(run.stderr.contains(expected), "\(pool) → \(run.stderr)")
        }
    }

    @Test func theDaemonAssignsAReadySubmissionAndAssignOverridesWithReasons() throws {
        let desk = try Self.desk("pool-e2e")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let now = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]
        let once = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: now)
        #expect(once.status == 0, "\(once.stderr)")
        let shown = try harness.cli(["show", "retail-jp-1", "--json"], environment: now)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(detail["verdict"] as? String == "ready")
        #expect(detail["assignee"] as? String == "a")

        let config = ["--config", desk.configFile.path]
        // A name nobody has; a reviewer away on the day; then forced, and recorded.
        let unknown = try ProgramRun.run("competency", config + ["assign", "retail-jp-1", "zed"], environment: now)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("its reviewers: a, b, c"), "\(unknown.stderr)")
        let away = ["COMPETENCY_NOW": "2026-12-28T10:00:00+09:00"]
        let refused = try ProgramRun.run("competency", config + ["assign", "retail-jp-1", "bee"], environment: away)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("b may not review retail-jp-1: away on 2026-12-28"), "\(refused.stderr)")
        let forced = try ProgramRun.run("competency", config + ["assign", "retail-jp-1", "bee", "--force"], environment: away)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("assigned to b by root, despite: away on 2026-12-28"), "\(forced.stdout)")
        let history = try harness.cli(["history", "retail-jp-1"], environment: away)
        #expect(history.stdout.contains("assigned") && history.stdout.contains("competencyd: a; chosen by the rules"), "\(history.stdout)")
        #expect(history.stdout.contains("root: a → b; forced despite: away on 2026-12-28"), "\(history.stdout)")
        // The queue by reviewer: b's (by OS user), a's (none now), nobody's, and "me".
        func queue(_ who: String) throws -> ProgramRun {
            try ProgramRun.run("competency", config + ["queue", "--reviewer", who, "--json"], environment: away)
        }
        let mine = try JSONSerialization.jsonObject(with: Data(try queue("bee").stdout.utf8)) as? [[String: Any]]
        #expect(mine?.compactMap { $0["id"] as? String } == ["retail-jp-1"])
        #expect(try queue("a").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let nobody = try queue("zed")
        #expect(nobody.status == 64 && nobody.stderr.contains("reviewers: a (retail-jp), b (retail-jp), c (retail-jp)"), "\(nobody.stderr)")
        let me = try queue("me")
        #expect(me.status == 64 && me.stderr.contains("no reviewer \"\(NSUserName())\""), "me is the OS user: \(me.stderr)")
        // The daemon never overrides a person's choice.
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: away).status == 0)
        let after = try harness.cli(["show", "retail-jp-1", "--json"], environment: away)
        #expect(after.stdout.contains("\"assignee\":\"b\"") || after.stdout.contains("\"assignee\": \"b\""), "\(after.stdout)")
    }

    @Test func nobodyEligibleTellsTheOfficeListOnce() throws {
        let desk = try Self.desk(
            "pool-none",
            pool: """

                reviewers:
                  - {id: solo, email: solo@competency-desk.example, away: [2026-11-01..2026-12-31]}

                """)
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        for now in ["2026-11-30T10:00:00+09:00", "2026-11-30T10:05:00+09:00"] {
            let run = try ProgramRun.run(
                "competencyd", ["--config", desk.configFile.path, "--once"], environment: ["COMPETENCY_NOW": now])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let new = desk.root.appendingPathComponent("Outbox/retail-jp/new")
        let files = try FileManager.default.contentsOfDirectory(atPath: new.path)
        #expect(files.count == 1, "one notice across two sweeps: \(files)")
        let text = try String(contentsOf: new.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains("X-Competency-Purpose: no-reviewer"))
        #expect(text.contains("To: retail-jp@competency-desk.example"))
        // Ready Mon 30 Nov; the earliest review day is three business days later, Thu 3 Dec.
        let history = try harness.cli(["history", "retail-jp-1"])
        #expect(history.stdout.contains("no-reviewer") && history.stdout.contains("solo: away on 2026-12-03"), "\(history.stdout)")
    }
}
