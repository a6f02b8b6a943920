import DeskStore
import DeskTesting
import Foundation
import Testing

/// What happens after the invitation (issue 10, items 5–7), through the real
/// daemon and CLI, with every message read back by Python's `email` and
/// `icalendar`: a decline releases the time, the daemon books the next slot and
/// sends the update, the office list hears of it once; answers to an older
/// version change nothing; `send_notice: at-once`; `reviews --ics/--from/--to`.
@Suite(.serialized)
struct ReviewAnswerTests {
    static let partner = "hanako.sato@sakura-kouri.example"
    static let reviewer = "hanako.suzuki@competency-desk.example"
    static let office = "retail-jp@competency-desk.example"

    /// A calendar program's answer (iTIP REPLY, base64 as Outlook sends it) for `attendee`, from `sender`.
    static func reply(
        uid: String, sequence: Int, partstat: String, attendee: String, from sender: String, id: String, minute: Int,
        extraHeaders: String = ""
    ) -> Data {
        let calendar = """
            BEGIN:VCALENDAR\r
            METHOD:REPLY\r
            PRODID:-//Microsoft Corporation//Outlook 16.0//EN\r
            VERSION:2.0\r
            BEGIN:VEVENT\r
            ATTENDEE;PARTSTAT=\(partstat):mailto:\(attendee)\r
            UID:\(uid)\r
            SEQUENCE:\(sequence)\r
            DTSTAMP:20261130T020000Z\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        let encoded = Data(calendar.utf8).base64EncodedString(
            options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Data(
            """
            Received: from mx.example by mx.competency-desk.example; Mon, 30 Nov 2026 11:\(minute):00 +0900\r
            From: <\(sender)>\r
            To: retail-jp@competency-desk.example\r
            Subject: \(partstat.capitalized): Competency review\r
            Message-ID: <\(id)@example>\r
            Date: Mon, 30 Nov 2026 11:\(minute):00 +0900\r
            \(extraHeaders)MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(partstat.capitalized).\r
            --b\r
            Content-Type: text/calendar; charset=utf-8; method=REPLY\r
            Content-Transfer-Encoding: base64\r
            \r
            \(encoded)\r
            --b--\r

            """.utf8)
    }

    /// The XLSX example (ready, Sakura Kouri) stored Monday 30 Nov 10:00: the shipped
    /// pool gives it suzuki and Thu 3 Dec 10:00 (three business days after).
    static func readyDesk(_ name: String, edit: ((String) -> String)? = nil) throws -> (TemporaryDesk, DaemonHarness) {
        let desk = try TemporaryDesk(name: name)
        if let edit {
            let file = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            let changed = edit(text)
            #expect(changed != text, "the edit changed the tenant file")
            try changed.write(to: file, atomically: true, encoding: .utf8)
        }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(
            try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let run = try harness.once(at: "2026-11-30T10:00:00+09:00")
        #expect(run.status == 0, "\(run.stderr)")
        return (desk, harness)
    }

    @Test(.enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"))
    func aDeclineReleasesTheTimeTheNextSlotIsBookedAndEveryoneIsToldOnce() throws {
        try RequiredTool.icalendar.require()
        let (desk, harness) = try Self.readyDesk("review-decline")
        defer { desk.remove() }
        let sent = try harness.competency(["respond", "retail-jp-1"], at: "2026-11-30T10:30:00+09:00")
        #expect(sent.status == 0, "\(sent.stderr)")
        let first = try #require(try harness.show("retail-jp-1", at: "2026-11-30T10:30:00+09:00")["review"] as? [String: Any])
        #expect(first["start"] as? String == "2026-12-03T10:00:00+09:00" && first["reviewer"] as? String == "suzuki")
        let uid = try #require(first["uid"] as? String)

        // The partner declines the invitation it was sent (SEQUENCE 0).
        try harness.deliver(
            Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "d1", minute: 10),
            to: "retail-jp", name: "1796000100.M2P1.mx1")
        let after = "2026-11-30T11:30:00+09:00"
        #expect(try harness.once(at: after).status == 0)

        let review = try #require(try harness.show("retail-jp-1", at: after)["review"] as? [String: Any])
        #expect(review["state"] as? String == "booked", "booked again at the same sweep")
        #expect(review["start"] as? String == "2026-12-04T10:00:00+09:00", "the next business day, not the declined one")
        #expect(review["sequence"] as? Double == 1 && review["uid"] as? String == uid)
        #expect((review["answers"] as? [Any])?.isEmpty == true, "answers belong to the version they answered")

        let mails = try OutboxReader.messages(desk)
        #expect(mails.map(\.purpose).sorted() == ["review-declined", "scheduling-notice", "scheduling-update"], "\(mails.map(\.purpose))")
        let notices = mails.filter { $0.purpose == "review-declined" }
        #expect(notices.count == 1)
        let notice = try #require(notices.first)
        #expect(notice.to == [Self.office])
        #expect(notice.subject.contains("retail-jp-1") && notice.subject.contains(Self.partner), "\(notice.subject)")
        #expect(notice.body.contains("competency schedule retail-jp-1"), "\(notice.body)")
        #expect(notice.autoSubmitted == "auto-generated")
        let updates = mails.filter { $0.purpose == "scheduling-update" }
        #expect(updates.count == 1)
        let update = try #require(updates.first?.calendar)
        #expect(update.method == "REQUEST" && update.contentTypeMethod == "REQUEST")
        #expect(update.uid == uid && update.sequence == 1)
        #expect(update.start == "2026-12-04T10:00:00+09:00")
        #expect(update.attendees.contains("mailto:\(Self.partner)") && update.attendees.contains("mailto:\(Self.reviewer)"))
        #expect(updates.first?.cc == ["sakura-pdm@partners.aws.example", Self.reviewer], "the reviewer can answer too")

        // The same decline again, and a stale one: nothing more is sent or moved.
        // The reviewer accepts the new time; a partner colleague cannot answer for the reviewer.
        try harness.deliver(
            Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "d2", minute: 40),
            to: "retail-jp", name: "1796000200.M3P1.mx1")
        try harness.deliver(
            Self.reply(uid: uid, sequence: 1, partstat: "ACCEPTED", attendee: Self.reviewer, from: Self.reviewer, id: "a1", minute: 41),
            to: "retail-jp", name: "1796000300.M4P1.mx1")
        try harness.deliver(
            Self.reply(uid: uid, sequence: 1, partstat: "DECLINED", attendee: Self.reviewer, from: "jiro@sakura-kouri.example", id: "x1", minute: 42),
            to: "retail-jp", name: "1796000400.M5P1.mx1")
        let later = "2026-11-30T12:00:00+09:00"
        #expect(try harness.once(at: later).status == 0)
        #expect(try harness.once(at: later).status == 0)
        let kept = try #require(try harness.show("retail-jp-1", at: later)["review"] as? [String: Any])
        #expect(kept["state"] as? String == "booked" && kept["sequence"] as? Double == 1)
        #expect(kept["start"] as? String == "2026-12-04T10:00:00+09:00")
        let answers = (kept["answers"] as? [[String: Any]]) ?? []
        #expect(answers.count == 1)
        #expect(answers.first?["address"] as? String == Self.reviewer && answers.first?["partstat"] as? String == "ACCEPTED")
        #expect(try OutboxReader.messages(desk).count == mails.count, "nothing more was sent")

        let history = try harness.competency(["history", "retail-jp-1"], at: later)
        #expect(history.stdout.contains("review-declined"), "\(history.stdout)")
        #expect(history.stdout.contains("(the partner) declined"), "\(history.stdout)")
        #expect(history.stdout.contains("an answer to an earlier version (sequence 0; the review is at 1)"), "\(history.stdout)")
        #expect(history.stdout.contains("not taken: sent by jiro@sakura-kouri.example"), "\(history.stdout)")
        #expect(history.stdout.contains("the first free slot after the declined time"), "\(history.stdout)")
        // None of the answers is a submission with an SLA: the queue is empty (retail-jp-1 is
        // answered), and each answer is stored as ignored.
        let open = try harness.competency(["queue", "--json"], at: later)
        #expect(open.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(open.stdout)")
        let all = try harness.competency(["queue", "--all", "--json"], at: later)
        let rows = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]] ?? []
        let answersStored = rows.filter { ($0["id"] as? String) != "retail-jp-1" }
        #expect(answersStored.count == 4, "\(all.stdout)")
        #expect(answersStored.allSatisfy { $0["verdict"] as? String == "ignored" && $0["sla"] as? String == "none" })
        let shown = try harness.competency(["show", "retail-jp-1"], at: later)
        #expect(shown.stdout.contains("\(Self.reviewer) accepted"), "\(shown.stdout)")
    }

    @Test(.enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"))
    func sendNoticeAtOnceSendsItWithoutARespondAndMeetsTheSLA() throws {
        try RequiredTool.icalendar.require()
        let (desk, harness) = try Self.readyDesk("review-at-once") {
            $0.replacingOccurrences(of: "  send_notice: confirm\n", with: "  send_notice: at-once\n")
        }
        defer { desk.remove() }
        let mails = try OutboxReader.messages(desk)
        let notices = mails.filter { $0.purpose == "scheduling-notice" }
        #expect(notices.count == 1, "\(mails.map(\.purpose))")
        let invitation = try #require(notices.first?.calendar)
        #expect(invitation.method == "REQUEST" && invitation.sequence == 0)
        #expect(invitation.start == "2026-12-03T10:00:00+09:00")
        #expect(notices.first?.to == [Self.partner])
        let detail = try harness.show("retail-jp-1", at: "2026-11-30T10:05:00+09:00")
        #expect(detail["sla"] as? String == "met", "sending the notice is the first response")
        // Once: later sweeps send nothing more, and a reviewer's respond needs --again.
        #expect(try harness.once(at: "2026-12-01T10:00:00+09:00").status == 0)
        #expect(try OutboxReader.messages(desk).filter { $0.purpose == "scheduling-notice" }.count == 1)
        let again = try harness.competency(["respond", "retail-jp-1"], at: "2026-12-01T10:00:00+09:00")
        #expect(again.status == 64 && again.stderr.contains("already answered"), "\(again.stderr)")
        let history = try harness.competency(["history", "retail-jp-1"], at: "2026-12-01T10:00:00+09:00")
        #expect(history.stdout.contains("competencyd"), "\(history.stdout)")
    }

    @Test(.enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"))
    func reviewsAsACalendarToSubscribeToAndBetweenDates() throws {
        try RequiredTool.icalendar.require()
        let (desk, harness) = try Self.readyDesk("review-ics")
        defer { desk.remove() }
        let now = "2026-11-30T10:30:00+09:00"
        let ics = try harness.competency(["reviews", "--ics", "--reviewer", "suzuki"], at: now)
        #expect(ics.status == 0, "\(ics.stderr)")
        let script = #"""
            import icalendar, json, sys
            data = sys.stdin.buffer.read()
            cal = icalendar.Calendar.from_ical(data)
            events = [{'uid': str(e['UID']), 'sequence': int(e['SEQUENCE']), 'start': e['DTSTART'].dt.isoformat(),
                       'end': e['DTEND'].dt.isoformat(), 'summary': str(e['SUMMARY'])} for e in cal.walk('VEVENT')]
            lines = data.split(b'\r\n')
            print(json.dumps({'method': str(cal['METHOD']), 'name': str(cal.get('X-WR-CALNAME')), 'events': events,
                              'longest': max(len(l) for l in lines), 'bare_lf': b'\n' in data.replace(b'\r\n', b'')}))
            """#
        let parsed = try ProgramRun.runTool("python3", ["-c", script], stdin: ics.stdout)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let calendar = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any])
        #expect(calendar["method"] as? String == "PUBLISH")
        #expect((calendar["longest"] as? Int ?? 99) <= 75 && calendar["bare_lf"] as? Bool == false)
        let events = calendar["events"] as? [[String: Any]] ?? []
        #expect(events.count == 1)
        let review = try #require(try harness.show("retail-jp-1", at: now)["review"] as? [String: Any])
        #expect(events.first?["uid"] as? String == review["uid"] as? String, "the invitation's UID: one meeting")
        #expect(events.first?["start"] as? String == "2026-12-03T10:00:00+09:00")
        #expect((events.first?["summary"] as? String)?.contains("retail-jp-1") == true)

        // --output replaces the file atomically, byte for byte what stdout had.
        let file = desk.root.appendingPathComponent("suzuki.ics")
        for _ in 0..<2 {
            let written = try harness.competency(["reviews", "--ics", "--reviewer", "suzuki", "--output", file.path], at: now)
            #expect(written.status == 0, "\(written.stderr)")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == ics.stdout)
        // The other reviewer's schedule is empty; an unknown one is an error.
        let other = try harness.competency(["reviews", "--json", "--reviewer", "yamada"], at: now)
        #expect(other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let unknown = try harness.competency(["reviews", "--reviewer", "nobody"], at: now)
        #expect(unknown.status == 64 && unknown.stderr.contains("no reviewer \"nobody\""), "\(unknown.stderr)")

        // --from/--to: dates in the tenant's time, both ends included.
        func ids(_ arguments: [String]) throws -> [String] {
            let run = try harness.competency(["reviews", "--json"] + arguments, at: now)
            #expect(run.status == 0, "\(run.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { $0["id"] as? String }
        }
        #expect(try ids(["--from", "2026-12-03", "--to", "2026-12-03"]) == ["retail-jp-1"])
        #expect(try ids(["--from", "2026-12-04"]) == [])
        #expect(try ids(["--to", "2026-12-02"]) == [])
        let backwards = try harness.competency(["reviews", "--from", "2026-12-04", "--to", "2026-12-01"], at: now)
        #expect(backwards.status == 64 && backwards.stderr.contains("before --from"), "\(backwards.stderr)")
        let badDate = try harness.competency(["reviews", "--from", "3 Dec"], at: now)
        #expect(badDate.status == 64 && badDate.stderr.contains("YYYY-MM-DD"), "\(badDate.stderr)")
        let both = try harness.competency(["reviews", "--json", "--ics"], at: now)
        #expect(both.status != 0 && both.stderr.contains("choose one"), "\(both.stderr)")
    }

    /// The same flow's edges: none of these may move the review or tell anyone.
    @Test func forgedLateAndAutomaticAnswersChangeNothing() throws {
        let (desk, harness) = try Self.readyDesk("review-forged")
        defer { desk.remove() }
        let now = "2026-11-30T10:30:00+09:00"
        #expect(try harness.competency(["respond", "retail-jp-1"], at: now).status == 0)
        let uid = try #require((try harness.show("retail-jp-1", at: now)["review"] as? [String: Any])?["uid"] as? String)
        let pdm = "sakura-pdm@partners.aws.example"
        let cases: [(String, Data)] = [
            ("a SEQUENCE the desk never sent", Self.reply(uid: uid, sequence: 999_999_999, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "f1", minute: 10)),
            ("an outsider", Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: "x@evil.example", from: "x@evil.example", id: "f2", minute: 11)),
            ("the PDM", Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: pdm, from: pdm, id: "f3", minute: 12)),
            ("an automatic reply", Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "f4", minute: 13, extraHeaders: "Auto-Submitted: auto-replied\r\n")),
            ("an unknown UID of this desk's form", Self.reply(uid: "retail-jp-1.zzz.review@competency-desk.example", sequence: 0, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "f5", minute: 14)),
        ]
        for (index, (_, bytes)) in cases.enumerated() {
            try harness.deliver(bytes, to: "retail-jp", name: "17961000\(index).M\(index + 10)P1.mx1")
        }
        let later = "2026-11-30T12:00:00+09:00"
        #expect(try harness.once(at: later).status == 0)
        let review = try #require(try harness.show("retail-jp-1", at: later)["review"] as? [String: Any])
        #expect(review["state"] as? String == "booked" && review["sequence"] as? Double == 0, "\(review)")
        #expect(review["start"] as? String == "2026-12-03T10:00:00+09:00")
        let answers = review["answers"] as? [[String: Any]] ?? []
        #expect(answers.map { $0["address"] as? String } == [Self.partner, pdm], "the automatic answer and the PDM's are kept: \(answers)")
        #expect(try OutboxReader.messages(desk).map(\.purpose) == ["scheduling-notice"], "nobody was told anything")
        // Every one of them is stored as ignored: no submission, no SLA.
        let open = try harness.competency(["queue", "--all", "--json"], at: later)
        let rows = try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [[String: Any]] ?? []
        let others = rows.filter { ($0["id"] as? String) != "retail-jp-1" }
        #expect(others.count == cases.count && others.allSatisfy { $0["verdict"] as? String == "ignored" }, "\(open.stdout)")
        let history = try harness.competency(["history", "retail-jp-1"], at: later).stdout
        #expect(history.contains("which the desk never sent"), "\(history)")
        #expect(history.contains("who was not invited: not taken"), "\(history)")
        #expect(!history.contains("review-declined"), "\(history)")

        // After the meeting's time, a decline (a deleted past meeting) is only recorded.
        try harness.deliver(
            Self.reply(uid: uid, sequence: 0, partstat: "DECLINED", attendee: Self.partner, from: Self.partner, id: "late", minute: 15),
            to: "retail-jp", name: "1796200000.M30P1.mx1")
        let afterwards = "2026-12-04T09:00:00+09:00"
        #expect(try harness.once(at: afterwards).status == 0)
        let kept = try #require(try harness.show("retail-jp-1", at: afterwards)["review"] as? [String: Any])
        #expect(kept["state"] as? String == "booked" && kept["sequence"] as? Double == 0)
        #expect(try harness.competency(["history", "retail-jp-1"], at: afterwards).stdout.contains("the review's time has passed"))
    }

    /// The reviewer declines (they got the invitation in copy): booked again, twice by
    /// the daemon; the third decline is left to a person, said once in the history.
    @Test func aReviewerDeclinesAndAfterTwoRebookingsAPersonDecides() throws {
        let (desk, harness) = try Self.readyDesk("review-reviewer-declines")
        defer { desk.remove() }
        var now = "2026-11-30T10:30:00+09:00"
        #expect(try harness.competency(["respond", "retail-jp-1"], at: now).status == 0)
        let uid = try #require((try harness.show("retail-jp-1", at: now)["review"] as? [String: Any])?["uid"] as? String)
        let starts = ["2026-12-04T10:00:00+09:00", "2026-12-07T10:00:00+09:00"]
        for round in 0..<3 {
            try harness.deliver(
                Self.reply(uid: uid, sequence: round, partstat: "DECLINED", attendee: Self.reviewer, from: Self.reviewer, id: "r\(round)", minute: 20 + round),
                to: "retail-jp", name: "17963000\(round).M\(40 + round)P1.mx1")
            now = "2026-11-30T1\(round + 1):00:00+09:00"
            #expect(try harness.once(at: now).status == 0)
            let review = try #require(try harness.show("retail-jp-1", at: now)["review"] as? [String: Any])
            if round < 2 {
                #expect(review["state"] as? String == "booked" && review["sequence"] as? Double == Double(round + 1), "\(review)")
                #expect(review["start"] as? String == starts[round])
            } else {
                #expect(review["state"] as? String == "declined" && review["sequence"] as? Double == 2, "left to a person: \(review)")
            }
        }
        #expect(try harness.once(at: "2026-11-30T15:00:00+09:00").status == 0)
        let history = try harness.competency(["history", "retail-jp-1"], at: "2026-11-30T15:00:00+09:00").stdout
        #expect(history.components(separatedBy: "(the reviewer) declined").count - 1 == 3, "\(history)")
        #expect(history.components(separatedBy: "does not book it again by itself").count - 1 == 1, "said once: \(history)")
        let mails = try OutboxReader.messages(desk)
        #expect(mails.filter { $0.purpose == "scheduling-update" }.compactMap { $0.calendar?.sequence }.sorted() == [1, 2])
        #expect(mails.filter { $0.purpose == "review-declined" }.count == 3, "the office hears of each decline")
        // A person books it: the update goes out at once.
        let booked = try harness.competency(["schedule", "retail-jp-1", "--at", "2026-12-09T14:00"], at: "2026-11-30T15:00:00+09:00")
        #expect(booked.status == 0 && booked.stdout.contains("sent the update (sequence 3)"), "\(booked.stdout)\(booked.stderr)")
    }

    /// An update owed when the daemon stopped between booking and sending (the store as
    /// such a crash leaves it: told an older version than the current) goes out at the
    /// next sweep, once.
    @Test(.enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"))
    func anUpdateOwedAfterACrashGoesOutAtTheNextSweep() throws {
        try RequiredTool.icalendar.require()
        let (desk, harness) = try Self.readyDesk("review-owed")
        defer { desk.remove() }
        let now = "2026-11-30T10:30:00+09:00"
        #expect(try harness.competency(["respond", "retail-jp-1"], at: now).status == 0)
        // The move committed, the update never queued: what a kill between the two leaves.
        let store = try SubmissionStore(tenant: "retail-jp", url: desk.archive("retail-jp").appendingPathComponent("competency.sqlite"))
        let review = try #require(try store.review(of: 1))
        let start = try #require(ISO8601DateFormatter().date(from: "2026-12-08T01:00:00Z"))
        let moved = try store.bookReview(
            1, reviewer: review.reviewer, start: start, end: start.addingTimeInterval(3600), uid: review.uid, by: "competencyd",
            detail: "moved before a crash", at: start.addingTimeInterval(-7 * 86_400))
        #expect(moved.sequence == 1 && moved.toldSequence == 0)
        for _ in 0..<2 { #expect(try harness.once(at: "2026-11-30T11:00:00+09:00").status == 0) }
        let updates = try OutboxReader.messages(desk).filter { $0.purpose == "scheduling-update" }
        #expect(updates.count == 1)
        #expect(updates.first?.calendar?.sequence == 1 && updates.first?.calendar?.start == "2026-12-08T10:00:00+09:00")
        #expect(try store.review(of: 1)?.toldSequence == 1)
    }
}
