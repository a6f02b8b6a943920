import DeskConfig
import DeskCore
import DeskServices
import DeskStore
import DeskTesting
import Foundation
import Testing

/// The review's slot (PRODUCT.md §7; issue 10, item 3): K business days after the
/// verdict at the tenant's time, skipping holidays, closures, away days and the
/// reviewer's other reviews; `competency schedule` and `reviews` end to end.
@Suite(.serialized)
struct ReviewSchedulingTests {
    static let pool = """

        review:
          business_days_after: 2
          start: "10:00"
          minutes: 60
        reviewers:
          - {id: a, email: a@competency-desk.example, capacity: 9}
          - {id: b, email: b@competency-desk.example, capacity: 9, away: [2026-12-24..2027-01-04]}
          - {id: ny, email: ny@competency-desk.example, capacity: 9, time_zone: America/New_York}

        """

    static func date(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }

    @Test func slotsSkipClosuresAwayDaysAndEachOther() throws {
        let desk = try ReviewAssignmentTests.desk("slots", pool: Self.pool)
        defer { desk.remove() }
        let tenant = try #require(try DeskConfiguration.load(from: desk.configFile).tenant("retail-jp"))
        #expect(tenant.review == {
            var settings = ReviewSettings()
            settings.businessDaysAfter = 2
            return settings
        }())
        try FileManager.default.createDirectory(at: desk.archive("retail-jp"), withIntermediateDirectories: true)
        let store = try SubmissionStore(tenant: "retail-jp", url: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let scheduling = ReviewScheduling(tenant: tenant, store: store)
        let monday = try Self.date("2026-11-30T01:00:00Z")  // Mon 30 Nov, 10:00 in Tokyo

        // Two ready the same day, both a's: Wed 2 Dec 10:00, then (a clash) Thu 3 Dec.
        let one = try ReviewAssignmentTests.ready(store, partner: "P", sha: "1", at: monday)
        let two = try ReviewAssignmentTests.ready(store, partner: "P", sha: "2", at: monday)
        try store.assign(one, to: "a", by: "t", detail: "", unlessAssigned: false, at: monday)
        try store.assign(two, to: "a", by: "t", detail: "", unlessAssigned: false, at: monday)
        let booked = try scheduling.bookAssigned(at: monday)
        #expect(booked.map { ISO8601.format($0.start, in: tenant.timeZone) } == ["2026-12-02T10:00:00+09:00", "2026-12-03T10:00:00+09:00"])
        #expect(booked.allSatisfy { !$0.rebooked })
        let first = try #require(try store.review(of: one))
        // The submission, 64 random bits, the office's domain.
        #expect(first.uid.range(of: #"^retail-jp-\#(one)\.[0-9a-z]{1,13}\.review@competency-desk\.example$"#, options: .regularExpression) != nil, "\(first.uid)")
        #expect(first.sequence == 0)
        #expect(first.uid != (try store.review(of: two))?.uid)
        #expect(first.end - first.start == 3600)
        // Booked once: the next sweep leaves them.
        #expect(try scheduling.bookAssigned(at: monday).isEmpty)
        // The store refuses a second review over a's Wednesday, whoever asks.
        #expect(throws: StoreError.self) {
            try store.bookReview(two, reviewer: "a", start: first.startDate, end: first.endDate, uid: "x", by: "t", detail: "", at: monday)
        }

        // Ready on Fri 25 Dec: Mon 28 Dec, then the year-end closure (29 Dec – 3 Jan):
        // two business days after is Mon 4 Jan — b is away until then, so Tue 5 Jan.
        let christmas = try Self.date("2026-12-25T01:00:00Z")
        let three = try ReviewAssignmentTests.ready(store, partner: "P", sha: "3", at: christmas)
        try store.assign(three, to: "b", by: "t", detail: "", unlessAssigned: false, at: christmas)
        let four = try ReviewAssignmentTests.ready(store, partner: "P", sha: "4", at: christmas)
        try store.assign(four, to: "a", by: "t", detail: "", unlessAssigned: false, at: christmas)
        let later = Dictionary(uniqueKeysWithValues: try scheduling.bookAssigned(at: christmas).map { ($0.id, ISO8601.format($0.start, in: tenant.timeZone)) })
        #expect(later["retail-jp-\(four)"] == "2027-01-04T10:00:00+09:00", "\(later)")
        #expect(later["retail-jp-\(three)"] == "2027-01-05T10:00:00+09:00", "\(later)")
        let reviewerB = try #require(tenant.reviewers.first { $0.id == "b" })
        let day = try #require(LocalDate(iso: "2026-12-30"))
        #expect(scheduling.obstacle(reviewerB, on: day, for: three, booked: []) == "2026-12-30 is not a business day (年末年始休業)")
    }

    @Test func scheduleMovesCancelsAndShowsTheReviewersOwnTime() throws {
        let desk = try ReviewAssignmentTests.desk("schedule-e2e", pool: Self.pool)
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let now = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]
        let config = ["--config", desk.configFile.path]
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: now).status == 0)
        func show() throws -> [String: Any] {
            let run = try ProgramRun.run("competency", config + ["show", "retail-jp-1", "--json"], environment: now)
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }
        let booked = try #require(try show()["review"] as? [String: Any])
        #expect(booked["reviewer"] as? String == "a")
        #expect(booked["start"] as? String == "2026-12-02T10:00:00+09:00")
        #expect(booked["end"] as? String == "2026-12-02T11:00:00+09:00")
        #expect(booked["sequence"] as? Double == 0)

        // A holiday, then a time that works; to the New York reviewer.
        let holiday = try ProgramRun.run(
            "competency", config + ["schedule", "retail-jp-1", "--at", "2026-12-30T10:00"], environment: now)
        #expect(holiday.status == 64)
        #expect(holiday.stderr.contains("年末年始休業"), "\(holiday.stderr)")
        let moved = try ProgramRun.run(
            "competency", config + ["schedule", "retail-jp-1", "--reviewer", "ny", "--at", "2026-12-08T09:00"], environment: now)
        #expect(moved.status == 0, "\(moved.stderr)")
        let review = try #require(try show()["review"] as? [String: Any])
        #expect(review["reviewer"] as? String == "ny")
        #expect(review["start"] as? String == "2026-12-08T09:00:00+09:00")
        #expect(review["start_reviewer_time"] as? String == "2026-12-07T19:00:00-05:00", "the reviewer's own time")
        #expect(review["sequence"] as? Double == 1)
        #expect(review["uid"] as? String == booked["uid"] as? String, "one event, updated")
        let list = try ProgramRun.run("competency", config + ["reviews", "--json"], environment: now)
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["id"] as? String == "retail-jp-1" && rows.first?["reviewer"] as? String == "ny")
        #expect(rows.first?["start"] as? String == "2026-12-08T09:00:00+09:00" && rows.first?["end"] as? String == "2026-12-08T10:00:00+09:00")

        let cancelled = try ProgramRun.run("competency", config + ["schedule", "retail-jp-1", "--cancel"], environment: now)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        let after = try #require(try show()["review"] as? [String: Any])
        #expect(after["state"] as? String == "cancelled" && after["sequence"] as? Double == 2)
        let none = try ProgramRun.run("competency", config + ["reviews", "--json"], environment: now)
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        // The daemon does not re-book what a person cancelled.
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: now).status == 0)
        #expect((try show()["review"] as? [String: Any])?["state"] as? String == "cancelled")
        let history = try ProgramRun.run("competency", config + ["history", "retail-jp-1"], environment: now)
        for kind in ["review-booked", "review-moved", "review-cancelled", "assigned"] {
            #expect(history.stdout.contains(kind), "\(kind): \(history.stdout)")
        }
    }

    /// `--at 2026-12-08T09:00` (no seconds) is 09:00, never the start of the day; a
    /// date followed by anything that is not a time is no date at all.
    @Test func localTimesWithoutSecondsAreThatTime() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let nine = try #require(ISO8601.parse("2026-12-08T09:00", defaultZone: tokyo))
        #expect(ISO8601.format(nine, in: tokyo) == "2026-12-08T09:00:00+09:00")
        #expect(ISO8601.parse("2026-12-08", defaultZone: tokyo).map { ISO8601.format($0, in: tokyo) } == "2026-12-08T00:00:00+09:00")
        #expect(ISO8601.parse("2026-12-08Tnine", defaultZone: tokyo) == nil)
        #expect(ISO8601.parse("2026-12-08 junk", defaultZone: tokyo) == nil)
    }

    /// Issue 10, item 6: a calendar program's answer to the invitation (iTIP REPLY, the
    /// calendar part base64-encoded as Outlook sends it) from the partner's own domain
    /// is recorded on the submission — never a new submission or revision, never an SLA.
    @Test func answersToTheInvitationAreRecordedNotSubmitted() throws {
        let desk = try TemporaryDesk(name: "itip-reply")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let now = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]
        let config = ["--config", desk.configFile.path]
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: now).status == 0)
        let shown = try ProgramRun.run("competency", config + ["show", "retail-jp-1", "--json"], environment: now)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let uid = try #require((detail["review"] as? [String: Any])?["uid"] as? String)

        func reply(_ partstat: String, id: String, minute: Int, from sender: String = "hanako.sato@sakura-kouri.example") -> Data {
            let calendar = """
                BEGIN:VCALENDAR\r
                METHOD:REPLY\r
                PRODID:-//Microsoft Corporation//Outlook 16.0//EN\r
                VERSION:2.0\r
                BEGIN:VEVENT\r
                ATTENDEE;PARTSTAT=\(partstat);CN="Hanako Sato":mailto:Hanako.Sato@sakura-kouri.exam\r
                 ple\r
                UID:\(uid)\r
                SEQUENCE:0\r
                DTSTAMP:20261130T020000Z\r
                END:VEVENT\r
                END:VCALENDAR\r

                """
            let encoded = Data(calendar.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            return Data(
                """
                Received: from mx.sakura-kouri.example by mx.competency-desk.example; Mon, 30 Nov 2026 11:\(minute):00 +0900\r
                From: Hanako Sato <\(sender)>\r
                To: retail-jp@competency-desk.example\r
                Subject: \(partstat == "ACCEPTED" ? "Accepted" : "Declined"): Competency review\r
                Message-ID: <\(id)@sakura-kouri.example>\r
                Date: Mon, 30 Nov 2026 11:\(minute):00 +0900\r
                MIME-Version: 1.0\r
                Content-Type: multipart/alternative; boundary="b"\r
                \r
                --b\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                Accepted.\r
                --b\r
                Content-Type: text/calendar; charset=utf-8; method=REPLY\r
                Content-Transfer-Encoding: base64\r
                \r
                \(encoded)\r
                --b--\r

                """.utf8)
        }
        try harness.deliver(reply("ACCEPTED", id: "r1", minute: 10), to: "retail-jp", name: "1796000100.M2P1.mx1")
        try harness.deliver(reply("DECLINED", id: "r2", minute: 20), to: "retail-jp", name: "1796000200.M3P1.mx1")
        // Another partner quoting the UID is not taken as an answer, and is no submission either.
        try harness.deliver(reply("DECLINED", id: "r3", minute: 25, from: "mallory@aozora-commerce.example"), to: "retail-jp", name: "1796000300.M4P1.mx1")
        let later = ["COMPETENCY_NOW": "2026-11-30T11:30:00+09:00"]
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: later).status == 0)

        let open = try ProgramRun.run("competency", config + ["queue", "--json"], environment: later)
        let rows = try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["id"] as? String } == ["retail-jp-1"], "no answer is open: \(open.stdout)")
        let all = try ProgramRun.run("competency", config + ["queue", "--all", "--json"], environment: later)
        let every = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]] ?? []
        let answers = every.filter { ["retail-jp-2", "retail-jp-3", "retail-jp-4"].contains($0["id"] as? String ?? "") }
        #expect(answers.count == 3 && answers.allSatisfy { $0["verdict"] as? String == "ignored" && $0["sla"] as? String == "none" }, "\(all.stdout)")
        let history = try ProgramRun.run("competency", config + ["history", "retail-jp-1"], environment: later)
        #expect(history.stdout.contains("invitation-reply"), "\(history.stdout)")
        #expect(history.stdout.contains("hanako.sato@sakura-kouri.example accepted"), "unfolded address: \(history.stdout)")
        #expect(history.stdout.contains("hanako.sato@sakura-kouri.example declined"), "\(history.stdout)")
        #expect(history.stdout.contains("review-declined") && history.stdout.contains("(the partner)"), "\(history.stdout)")
        #expect(history.stdout.contains("mallory@aozora-commerce.example>, who was not invited: not taken"), "\(history.stdout)")
    }
}
