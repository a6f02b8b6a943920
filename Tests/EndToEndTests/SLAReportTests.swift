import DeskServices
import DeskTesting
import Foundation
import Testing

/// `competency sla` and `competency sla explain`, run as real processes on a
/// temporary desk: submissions ingested by the real daemon (`competencyd --once`)
/// or `competency ingest`, then read at other instants through `COMPETENCY_NOW`.
@Suite(.serialized) struct SLAReportTests {
    // MARK: - Building a desk

    /// A plain-text submission (no self-assessment: `triage`, SLA running) received at
    /// `received` (RFC 5322 date) from an unregistered domain, so each stands alone.
    static func plainMessage(received: String, number: Int, domain: String = "partner.example") -> Data {
        Data(
            """
            Received: from mail.\(domain) by mx1.competency-office.example; \(received)
            From: Partner \(number) <office@p\(number).\(domain)>
            To: retail-competency@competency-office.example
            Subject: Partner \(number), Retail Competency Technology Partner Completed Self-Assessment
            Date: \(received)
            Message-ID: <sla-\(number)@p\(number).\(domain)>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Our self-assessment follows in a separate mail (number \(number)).

            """.utf8)
    }

    /// An example submission received at `received` instead: the office's MTA adds the
    /// topmost `Received:` line, which is what starts the clock.
    static func example(_ name: String, received: String, replacing: (String, String)? = nil) throws -> Data {
        var text = String(decoding: try fixture("examples/\(name).eml"), as: UTF8.self)
        if let (old, new) = replacing { text = text.replacingOccurrences(of: old, with: new) }
        return Data("Received: from relay.example by mx1.competency-office.example; \(received)\n".utf8)
            + Data(text.utf8)
    }

    func json(_ run: ProgramRun) throws -> [String: Any] {
        try #require(run.status == 0, "exit \(run.status): \(run.stderr)")
        return try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    func tenantReport(_ report: [String: Any], _ tenant: String) throws -> [String: Any] {
        let tenants = try #require(report["tenants"] as? [[String: Any]])
        return try #require(tenants.first { $0["tenant"] as? String == tenant }, "no \(tenant) in \(tenants)")
    }

    func entries(_ open: Any?, _ state: String) throws -> [[String: Any]] {
        let byState = try #require(open as? [String: Any], "open is not an object")
        return try #require(byState[state] as? [[String: Any]], "open has no \(state) list")
    }

    func ids(_ open: Any?, _ state: String) throws -> [String] {
        try entries(open, state).map { try #require($0["id"] as? String) }
    }

    /// The IDs of the stored submissions by partner (the registry's name) or subject.
    func idsByPartner(_ harness: DaemonHarness) throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in try harness.queue(all: true) {
            let key = (entry["partner"] as? String) ?? (entry["subject"] as? String) ?? "?"
            result[key] = entry["id"] as? String
        }
        return result
    }

    // MARK: - Open submissions by state

    @Test func openSubmissionsAreListedByStateAtTheInstantAsked() throws {
        let desk = try TemporaryDesk(name: "sla-states")
        defer { desk.remove() }
        let ingestTime = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-03T09:00:00+09:00"])
        // Tue 24 Nov → due Tue 1 Dec; Fri 27 Nov → Fri 4 Dec; Mon 30 Nov → Mon 7 Dec; Wed 2 Dec → Wed 9 Dec.
        try ingestTime.deliver(
            try Self.example("csv-cp932-japanese-labels", received: "Tue, 24 Nov 2026 10:00:00 +0900"),
            to: "retail-jp", name: "1764000001.M1P1.mx1")
        try ingestTime.deliver(
            try Self.example("saas-yaml", received: "Fri, 27 Nov 2026 10:00:00 +0900"),
            to: "retail-jp", name: "1764000002.M2P1.mx1")
        try ingestTime.deliver(
            try Self.example("customer-deployed-xlsx-iso2022jp", received: "Mon, 30 Nov 2026 09:00:00 +0900"),
            to: "retail-jp", name: "1764000003.M3P1.mx1")
        try ingestTime.deliver(
            try Self.example("json-quoted-printable", received: "Wed, 02 Dec 2026 11:00:00 +0900"),
            to: "retail-jp", name: "1764000004.M4P1.mx1")
        try ingestTime.deliver(try fixture("auto-reply.eml"), to: "retail-jp", name: "1764000005.M5P1.mx1")
        // Wed 25 Nov in New York: Thanksgiving is skipped → due Thu 3 Dec.
        try ingestTime.deliver(
            Self.plainMessage(received: "Wed, 25 Nov 2026 10:00:00 -0500", number: 1), to: "retail-us",
            name: "1764000006.M6P1.mx1")
        let once = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: ingestTime.environment)
        try #require(once.status == 0, "\(once.stderr)")

        // Reading commands never write: the database and its log, byte for byte, before and
        // after. (Run as the store's owner, SQLite may refresh the shared-memory index in
        // `-shm`, which holds no data; ReadOnlyReaderTests covers a reviewer who may not write.)
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        func storeFiles() throws -> [Data] {
            try [store.path, store.path + "-wal"].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        }
        let before = try storeFiles()
        defer { #expect((try? storeFiles()) == before, "sla and sla explain changed the store") }

        let byPartner = try idsByPartner(ingestTime)
        let tsubame = try #require(byPartner["株式会社ツバメ流通システム"])
        let aozora = try #require(byPartner["Aozora Commerce KK"])
        let sakura = try #require(byPartner["株式会社サクラ小売テック"])
        let kaede = try #require(byPartner["Kaede Analytics KK"])
        let us = "retail-us-1"

        // Fri 4 Dec 10:00 in Tokyo (Thu 3 Dec 20:00 in New York).
        let friday = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-04T10:00:00+09:00"])
        let report = try json(try friday.cli(["sla", "--json"]))
        #expect(report["generated_at"] as? String == "2026-12-04T01:00:00+00:00")
        // PRODUCT.md §9: every tenant's open submissions by state under the top-level `open`.
        #expect(try ids(report["open"], "breached") == [tsubame])
        #expect(
            try ids(report["open"], "at-risk") == [us, aozora, sakura], "most urgent deadline first, across tenants")
        #expect(try ids(report["open"], "on-track") == [kaede])
        let everyListed = try ["on-track", "at-risk", "breached"].flatMap { try ids(report["open"], $0) }
        #expect(everyListed.count == 5, "the auto-reply has no SLA and is not listed")

        let jp = try tenantReport(report, "retail-jp")
        #expect((jp["period"] as? [String: Any])?["from"] as? String == "2026-09-06")
        #expect((jp["period"] as? [String: Any])?["to"] as? String == "2026-12-04")
        let breached = try #require(try entries(jp["open"], "breached").first)
        #expect(breached["partner"] as? String == "株式会社ツバメ流通システム")
        #expect(breached["due_at"] as? String == "2026-12-01T23:59:59+09:00")
        #expect(breached["business_days_overdue"] as? Int == 3, "Wed 2, Thu 3, Fri 4 Dec")
        let atRisk = try entries(jp["open"], "at-risk")
        #expect(atRisk.map { $0["business_days_left"] as? Int } == [0, 1])
        #expect(try entries(jp["open"], "on-track").first?["business_days_left"] as? Int == 3, "Mon 7, Tue 8, Wed 9")
        let jpResponses = try #require(jp["responses"] as? [String: Any])
        #expect(jpResponses["received"] as? Int == 4)
        #expect(jpResponses["responded"] as? Int == 0)
        #expect(jpResponses["on_time_rate"] is NSNull)
        #expect(jpResponses["median_business_days"] is NSNull)

        let usReport = try tenantReport(report, "retail-us")
        #expect((usReport["period"] as? [String: Any])?["to"] as? String == "2026-12-03", "today in New York")
        let usEntry = try #require(try entries(usReport["open"], "at-risk").first)
        #expect(usEntry["due_at"] as? String == "2026-12-03T23:59:59-05:00")
        #expect(usEntry["business_days_left"] as? Int == 0)
        #expect(usEntry["partner"] is NSNull)

        // Three days earlier the same desk looks different.
        let tuesday = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let earlier = try json(try tuesday.cli(["sla", "--json", "--tenant", "retail-jp"]))
        #expect(try ids(earlier["open"], "breached").isEmpty)
        #expect(try ids(earlier["open"], "at-risk") == [tsubame], "due today")
        #expect(try ids(earlier["open"], "on-track").prefix(2) == [aozora, sakura])

        // The table: breached and at-risk listed, Japanese names padded by display width.
        let table = try friday.cli(["sla", "--tenant", "retail-jp"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("open: 1 breached, 2 at risk, 1 on track"), "\(table.stdout)")
        let rows = table.stdout.split(separator: "\n").map(String.init).filter {
            $0.contains(tsubame + " ") || $0.contains(aozora + " ") || $0.contains(sakura + " ")
        }
        #expect(rows.count == 3, "\(table.stdout)")
        let dueColumns = Set(
            rows.compactMap { row -> Int? in
                guard let range = row.range(of: #"(Mon|Tue|Fri) \d+ Dec"#, options: .regularExpression) else {
                    return nil
                }
                return TerminalText.width(String(row[..<range.lowerBound]))
            })
        #expect(dueColumns.count == 1, "the due dates start in one column:\n\(table.stdout)")
        #expect(table.stdout.contains("3 business days overdue"))
        #expect(table.stdout.contains("today is the last day"))
        #expect(!table.stdout.contains(kaede + " "), "on-track submissions are counted, not listed")
        #expect(rows.allSatisfy { TerminalText.width($0) <= 80 }, "\(rows)")
        #expect(try friday.cli(["sla", "explain", tsubame, "--json"]).status == 0)
    }

    // MARK: - First responses over a period

    /// Today no command sends a first response, so nothing sets `responded_at` yet
    /// (the `respond` command will). The test writes it into the temporary desk's
    /// copy of the store with Python's sqlite3, as that command will record it.
    static func recordResponses(in store: URL, _ rows: [(number: Int, respondedAt: String?, assignee: String?)]) throws
    {
        let statements = rows.map { row in
            let responded = row.respondedAt.map { "CAST(strftime('%s', '\($0)') AS REAL)" } ?? "NULL"
            let assignee = row.assignee.map { "'\($0)'" } ?? "NULL"
            return
                "db.execute(\"UPDATE submission SET responded_at = \(responded), assignee = \(assignee) WHERE number = \(row.number)\")"
        }
        let script =
            (["import sqlite3, sys", "db = sqlite3.connect(sys.argv[1])"] + statements + ["db.commit()", "db.close()"])
            .joined(separator: "\n")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, store.path]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0, "python3 sqlite3 could not edit \(store.path)")
    }

    @Test func firstResponsesOverThePeriodOnTimeRateMedianAndNinetiethPercentile() throws {
        let desk = try TemporaryDesk(name: "sla-responses")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-04T10:00:00+09:00"])
        var files: [URL] = []
        func add(_ data: Data, _ name: String) throws {
            let url = desk.root.appendingPathComponent(name)
            try data.write(to: url)
            files.append(url)
        }
        try add(Self.plainMessage(received: "Mon, 30 Nov 2026 09:00:00 +0900", number: 1), "1.eml")  // due Mon 7 Dec
        try add(Self.plainMessage(received: "Tue, 24 Nov 2026 10:00:00 +0900", number: 2), "2.eml")  // due Tue 1 Dec
        try add(Self.plainMessage(received: "Fri, 27 Nov 2026 10:00:00 +0900", number: 3), "3.eml")  // due Fri 4 Dec
        try add(Self.plainMessage(received: "Wed, 02 Dec 2026 10:00:00 +0900", number: 4), "4.eml")  // due Wed 9 Dec
        // Before the default period.
        try add(Self.plainMessage(received: "Mon, 03 Aug 2026 10:00:00 +0900", number: 5), "5.eml")
        // One application twice: revision 2 keeps revision 1's deadline (Mon 7 Dec) and closes it.
        try add(try Self.example("saas-yaml", received: "Mon, 30 Nov 2026 12:00:00 +0900"), "6.eml")
        try add(
            try Self.example(
                "saas-yaml", received: "Thu, 03 Dec 2026 10:00:00 +0900",
                replacing: ("1ffa0c4e.0001@mail.aozora", "1ffa0c4e.0002@mail.aozora")), "7.eml")
        let ingest = try harness.cli(["ingest", "--tenant", "retail-jp"] + files.map(\.path))
        try #require(
            ingest.status == 0 && ingest.stdout.contains("stored as retail-jp-7"), "\(ingest.stdout)\(ingest.stderr)")

        try Self.recordResponses(
            in: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"),
            [
                (1, "2026-12-02T06:00:00Z", "hanako"),  // Wed 2 Dec 15:00 JST: 2 business days, on time
                (2, "2026-12-03T06:00:00Z", "hanako"),  // Thu 3 Dec: 7 business days, late
                (3, "2026-12-04T14:59:59Z", nil),  // Fri 4 Dec 23:59:59 JST: the deadline itself, on time; 5 days
                (5, "2026-08-05T01:00:00Z", "taro"),  // Wed 5 Aug: 2 business days
            ])

        let report = try json(try harness.cli(["sla", "--json", "--tenant", "retail-jp"]))
        let jp = try tenantReport(report, "retail-jp")
        let responses = try #require(jp["responses"] as? [String: Any])
        #expect(responses["received"] as? Int == 5, "1–4 and the application (once); \(responses)")
        #expect(responses["closed_without_response"] as? Int == 1, "the superseded revision")
        #expect(responses["responded"] as? Int == 3)
        #expect(responses["on_time"] as? Int == 2)
        #expect(responses["late"] as? Int == 1)
        #expect(abs((responses["on_time_rate"] as? Double ?? 0) - 2.0 / 3.0) < 1e-9)
        #expect(responses["median_business_days"] as? Double == 5, "of 2, 5, 7")
        #expect(abs((responses["p90_business_days"] as? Double ?? 0) - 6.6) < 1e-9, "linear between 5 and 7")
        // The answered ones are no longer open; the revision is, with the carried deadline.
        #expect(try ids(jp["open"], "at-risk") == ["retail-jp-7"])
        #expect(try entries(jp["open"], "at-risk").first?["due_date"] as? String == "2026-12-07")
        #expect(try ids(jp["open"], "on-track") == ["retail-jp-4"])
        #expect(try ids(jp["open"], "breached").isEmpty)

        let reviewers = try #require(jp["by_reviewer"] as? [[String: Any]])
        #expect(reviewers.map { $0["reviewer"] as? String } == ["hanako", "unassigned"], "\(reviewers)")
        let hanako = try #require(reviewers.first?["responses"] as? [String: Any])
        #expect(hanako["received"] as? Int == 2)
        #expect(hanako["on_time"] as? Int == 1)
        #expect(hanako["late"] as? Int == 1)
        #expect(hanako["median_business_days"] as? Double == 4.5)
        let unassigned = try #require(reviewers.last)
        #expect((unassigned["open"] as? [String: Any])?["on-track"] as? Int == 1)
        #expect((unassigned["open"] as? [String: Any])?["at-risk"] as? Int == 1)
        #expect((unassigned["responses"] as? [String: Any])?["on_time_rate"] as? Double == 1)

        // Another period: August holds one answer, from taro.
        let august = try tenantReport(
            try json(
                try harness.cli([
                    "sla", "--json", "--tenant", "retail-jp", "--from", "2026-08-01", "--to", "2026-08-31",
                ])),
            "retail-jp")
        #expect((august["period"] as? [String: Any])?["from"] as? String == "2026-08-01")
        let augustResponses = try #require(august["responses"] as? [String: Any])
        #expect(augustResponses["received"] as? Int == 1)
        #expect(augustResponses["on_time_rate"] as? Double == 1)
        #expect(augustResponses["median_business_days"] as? Double == 2)
        let augustReviewers = try #require(august["by_reviewer"] as? [[String: Any]])
        #expect(
            augustReviewers.map { $0["reviewer"] as? String } == ["taro", "unassigned"],
            "open work is shown whatever the period")

        // The receipt date decides membership: 27–30 Nov holds 1, 3 and the application (its clock started on the 30th).
        let week = try tenantReport(
            try json(try harness.cli(["sla", "--json", "--from", "2026-11-27", "--to", "2026-11-30"])), "retail-jp")
        #expect((week["responses"] as? [String: Any])?["received"] as? Int == 3)
        #expect((week["responses"] as? [String: Any])?["responded"] as? Int == 2)

        // The revision's deadline is explained from the receipt that started its clock.
        let explained = try json(try harness.cli(["sla", "explain", "retail-jp-7", "--json"]))
        #expect(explained["clock_started_by"] as? String == "retail-jp-6")
        #expect(explained["receipt_local_date"] as? String == "2026-11-30")
        #expect(explained["due_date"] as? String == "2026-12-07")
        #expect(explained["stored_due_date"] as? String == "2026-12-07")

        let text = try harness.cli(["sla", "--tenant", "retail-jp"])
        #expect(text.status == 0)
        #expect(
            text.stdout.contains("5 received, 3 answered: 2 on time (67%), 1 late; median 5, p90 6.6 business days"),
            "\(text.stdout)")
    }

    @Test func percentilesInterpolateLinearlyBetweenClosestRanks() {
        #expect(ResponseStatistics.percentile(50, of: []) == nil)
        #expect(ResponseStatistics.percentile(50, of: [4]) == 4)
        #expect(ResponseStatistics.percentile(90, of: [4]) == 4)
        #expect(ResponseStatistics.percentile(50, of: [3, 1, 10, 2]) == 2.5)
        #expect(abs(ResponseStatistics.percentile(90, of: [3, 1, 10, 2])! - 7.9) < 1e-9)
        #expect(abs(ResponseStatistics.percentile(90, of: Array(1...10))! - 9.1) < 1e-9)
        #expect(ResponseStatistics.percentile(50, of: [5, 5, 7]) == 5)
    }

    // MARK: - sla explain

    struct ExplainCase: CustomTestStringConvertible, Sendable {
        let tenant: String
        let received: String
        let due: String
        let receiptDate: String
        /// Days and the reason `sla explain` must give for each.
        let reasons: [String: String]
        let weekdays: [String: String]
        let why: String
        var testDescription: String { "\(tenant) \(received) (\(why))" }
    }

    static let explainCases: [ExplainCase] = [
        ExplainCase(
            tenant: "retail-jp", received: "Fri, 27 Nov 2026 18:30:00 +0900", due: "2026-12-04",
            receiptDate: "2026-11-27",
            reasons: ["2026-11-27": "受付日（数えない）", "2026-11-28": "土曜日", "2026-11-29": "日曜日", "2026-11-30": "営業日"],
            weekdays: ["2026-11-27": "金曜日", "2026-11-28": "土曜日"], why: "a weekend"),
        ExplainCase(
            tenant: "retail-jp", received: "Fri, 27 Nov 2026 16:30:00 +0000", due: "2026-12-04",
            receiptDate: "2026-11-28",
            reasons: ["2026-11-28": "受付日（数えない）・土曜日", "2026-11-29": "日曜日"],
            weekdays: ["2026-11-28": "土曜日"], why: "Saturday in Tokyo, Friday in UTC"),
        ExplainCase(
            tenant: "retail-jp", received: "Thu, 30 Apr 2026 10:00:00 +0900", due: "2026-05-12",
            receiptDate: "2026-04-30",
            reasons: [
                "2026-05-01": "営業日", "2026-05-03": "日曜日・憲法記念日", "2026-05-04": "みどりの日", "2026-05-05": "こどもの日",
                "2026-05-06": "休日（振替休日）", "2026-05-07": "営業日",
            ],
            weekdays: ["2026-05-06": "水曜日"], why: "Golden Week"),
        ExplainCase(
            tenant: "retail-jp", received: "Mon, 28 Dec 2026 10:00:00 +0900", due: "2027-01-08",
            receiptDate: "2026-12-28",
            reasons: [
                "2026-12-29": "年末年始休業", "2027-01-01": "元日", "2027-01-02": "土曜日・年末年始休業", "2027-01-04": "営業日",
            ],
            weekdays: ["2027-01-01": "金曜日"], why: "the year-end closure"),
        ExplainCase(
            tenant: "retail-us", received: "Wed, 25 Nov 2026 10:00:00 -0500", due: "2026-12-03",
            receiptDate: "2026-11-25",
            reasons: [
                "2026-11-25": "day of receipt, not counted", "2026-11-26": "Thanksgiving Day",
                "2026-11-27": "business day",
                "2026-11-28": "Saturday",
            ],
            weekdays: ["2026-11-26": "Thursday"], why: "Thanksgiving"),
        ExplainCase(
            tenant: "retail-us", received: "Sat, 28 Nov 2026 03:00:00 +0000", due: "2026-12-04",
            receiptDate: "2026-11-27",
            reasons: ["2026-11-27": "day of receipt, not counted", "2026-11-28": "Saturday"],
            weekdays: ["2026-11-27": "Friday"], why: "Friday evening in New York, Saturday in UTC"),
    ]

    @Test func explainAgreesWithCalendarDueAndTheStoredDueDate() throws {
        let desk = try TemporaryDesk(name: "sla-explain")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2027-01-12T10:00:00+09:00"])
        var counts: [String: Int] = [:]
        for (index, example) in Self.explainCases.enumerated() {
            let file = desk.root.appendingPathComponent("\(index).eml")
            try Self.plainMessage(received: example.received, number: index + 1).write(to: file)
            let ingest = try harness.cli(["ingest", "--tenant", example.tenant, file.path])
            try #require(ingest.status == 0, "\(ingest.stderr)")
            counts[example.tenant, default: 0] += 1
            let id = "\(example.tenant)-\(counts[example.tenant]!)"

            let explained = try json(try harness.cli(["sla", "explain", id, "--json"]))
            let show = try json(try harness.cli(["show", id, "--json"]))
            let received = try #require(show["received_at"] as? String)
            let due = try json(
                try harness.cli(["calendar", "due", "--tenant", example.tenant, "--received", received, "--json"]))

            #expect(explained["id"] as? String == id)
            #expect(explained["tenant"] as? String == example.tenant)
            #expect(explained["received_at"] as? String == received)
            #expect(explained["receipt_local_date"] as? String == example.receiptDate, "\(example)")
            #expect(explained["due_date"] as? String == example.due, "\(example)")
            #expect(explained["due_date"] as? String == due["due_date"] as? String, "agrees with calendar due")
            #expect(explained["deadline"] as? String == due["deadline"] as? String, "agrees with calendar due")
            #expect(explained["due_date"] as? String == show["due_date"] as? String, "agrees with the stored due date")
            #expect(explained["deadline"] as? String == show["due_at"] as? String, "agrees with the stored deadline")
            #expect(explained["business_days"] as? Int == 5)
            #expect(explained["reason"] is NSNull)

            let days = try #require(explained["days"] as? [[String: Any]])
            #expect(days.first?["date"] as? String == example.receiptDate)
            #expect(days.last?["date"] as? String == example.due)
            #expect(days.compactMap { $0["count"] as? Int } == [1, 2, 3, 4, 5])
            #expect(days.filter { $0["counted"] as? Bool == true }.count == 5)
            #expect(days.first?["counted"] as? Bool == false)
            let byDate = Dictionary(uniqueKeysWithValues: days.map { ($0["date"] as? String ?? "", $0) })
            for (date, reason) in example.reasons {
                #expect(byDate[date]?["reason"] as? String == reason, "\(example.why): \(date)")
            }
            for (date, weekday) in example.weekdays {
                #expect(byDate[date]?["weekday"] as? String == weekday, "\(example.why): \(date)")
            }
        }

        // The table for people: every day, the count, the reason, and how to check it.
        let text = try harness.cli(["sla", "explain", "retail-jp-3"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("due Tue 12 May 2026"), "\(text.stdout)")
        #expect(text.stdout.contains("2026-05-06  水曜日  -  休日（振替休日）"), "\(text.stdout)")
        #expect(text.stdout.contains("2026-05-12  火曜日  5  営業日"), "\(text.stdout)")
        #expect(text.stdout.contains("competency calendar due --tenant retail-jp --received 2026-04-30T10:00:00+09:00"))
        let us = try harness.cli(["sla", "explain", "retail-us-1"])
        let thanksgiving = us.stdout.split(separator: "\n").first { $0.contains("2026-11-26") }
        #expect(
            thanksgiving?.contains("Thursday") == true && thanksgiving?.hasSuffix("-  Thanksgiving Day") == true,
            "\(us.stdout)")
    }

    /// The walk is the tenant's calendar now; the stored due date was fixed at receipt.
    /// When the office changes its SLA length (or calendar) in between, explain says so.
    @Test func explainSaysWhenTheStoredDueDateNoLongerMatchesTheCalendar() throws {
        let desk = try TemporaryDesk(name: "sla-explain-changed")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let file = desk.root.appendingPathComponent("1.eml")
        try Self.plainMessage(received: "Mon, 30 Nov 2026 09:00:00 +0900", number: 1).write(to: file)
        try #require(try harness.cli(["ingest", "--tenant", "retail-jp", file.path]).status == 0)
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try #require(text.contains("  business_days: 5\n"))
        try text.replacingOccurrences(of: "  business_days: 5\n", with: "  business_days: 6\n")
            .write(to: tenantFile, atomically: true, encoding: .utf8)

        let explained = try json(try harness.cli(["sla", "explain", "retail-jp-1", "--json"]))
        #expect(explained["stored_due_date"] as? String == "2026-12-07")
        #expect(explained["due_date"] as? String == "2026-12-08")
        #expect((explained["reason"] as? String)?.contains("the stored due date is 2026-12-07") == true, "\(explained)")
    }

    // MARK: - Arguments and errors

    @Test func badArgumentsUnknownIDsAndSubmissionsWithoutAnSLA() throws {
        let desk = try TemporaryDesk(name: "sla-errors")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-04T10:00:00+09:00"])

        // Before anything is stored: an empty report, not an error (no store is created).
        let empty = try json(try harness.cli(["sla", "--json"]))
        #expect(try ids(empty["open"], "on-track").isEmpty)
        #expect((empty["tenants"] as? [Any])?.count == 2)
        #expect(
            !FileManager.default.fileExists(
                atPath: desk.archive("retail-jp").appendingPathComponent("competency.sqlite").path))

        for (arguments, words) in [
            (["sla", "--from", "yesterday"], "--from yesterday is not a date"),
            (["sla", "--to", "2026-02-30"], "--to 2026-02-30 is not a date"),
            (["sla", "--from", "2026/12/01"], "YYYY-MM-DD"),
            (["sla", "--from", "2026-12-05", "--to", "2026-12-01"], "--from 2026-12-05 is after --to 2026-12-01"),
            (["sla", "--from", "2027-01-01"], "is after today"),
        ] {
            let run = try harness.cli(arguments)
            #expect(run.status == 64, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(words), "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        #expect(try harness.cli(["sla", "--to", "2026-11-30", "--json"]).status == 0, "--to alone: 90 days up to it")
        #expect(try harness.cli(["sla", "--tenant", "retail-xx"]).status == 2)

        let file = desk.root.appendingPathComponent("auto-reply.eml")
        try fixture("auto-reply.eml").write(to: file)
        #expect(try harness.cli(["ingest", "--tenant", "retail-jp", file.path]).status == 0)
        let ignored = try json(try harness.cli(["sla", "explain", "retail-jp-1", "--json"]))
        #expect((ignored["days"] as? [Any])?.isEmpty == true)
        #expect(ignored["due_date"] is NSNull)
        #expect((ignored["reason"] as? String)?.contains("no SLA") == true, "\(ignored)")
        let ignoredText = try harness.cli(["sla", "explain", "retail-jp-1"])
        #expect(ignoredText.status == 0)
        #expect(ignoredText.stdout.contains("no SLA"))

        let unknown = try harness.cli(["sla", "explain", "retail-jp-99"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no submission retail-jp-99"))
        #expect(try harness.cli(["sla", "explain", "nobody-1", "--json"]).status == 2)

        // --config before the command reaches the nested `explain` too.
        let before = try ProgramRun.run(
            "competency", ["--config", desk.configFile.path, "sla", "explain", "retail-jp-1"],
            environment: harness.environment)
        #expect(before.status == 0, "\(before.stderr)")
        let beforeReport = try ProgramRun.run(
            "competency", ["--config", desk.configFile.path, "sla", "--json"], environment: harness.environment)
        #expect(beforeReport.status == 0, "\(beforeReport.stderr)")
    }
}
