import DeskTesting
import Foundation
import Testing

/// The outgoing queue through the real daemon (issue 9, items 2 and 7): the
/// `sendmail` transport set to Debian's msmtp delivering to a real SMTP server on
/// 127.0.0.1 (Python's aiosmtpd) that is down at first; and a crash between
/// hand-over and mark, for both transports.
@Suite(.serialized)
struct OutgoingQueueEndToEndTests {
    /// Sets retail-jp's transport to `sendmail` with `command`.
    static func useSendmail(_ desk: TemporaryDesk, _ command: [String]) throws {
        let file = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let list = command.map { "\"\($0)\"" }.joined(separator: ", ")
        let changed = text.replacingOccurrences(
            of: "  transport: outbox\n", with: "  transport: sendmail\n  sendmail: [\(list)]\n")
        #expect(changed != text, "the shipped tenant file names its transport")
        try changed.write(to: file, atomically: true, encoding: .utf8)
    }

    static func deliverOne(_ harness: DaemonHarness) throws {
        // Mon 30 Nov 2026 → due Mon 7 Dec; at risk from the start of Fri 4 Dec.
        try harness.deliver(
            RespondTests.message(
                from: "Hanako Sato <hanako.sato@aozora-commerce.example>", id: "q-1@aozora-commerce.example",
                received: "Mon, 30 Nov 2026 10:00:00 +0900", subject: "自己評価"),
            to: "retail-jp", name: "1796000000.M1P1.mx1")
    }

    func once(_ harness: DaemonHarness, at now: String) throws -> ProgramRun {
        try harness.once(at: now)
    }

    func outbox(_ harness: DaemonHarness) throws -> [[String: Any]] {
        let run = try harness.cli(["outbox", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
    }

    @Test(
        .enabled(
            if: RequiredTool.python3.shouldRun && RequiredTool.msmtp.shouldRun && RequiredTool.aiosmtpd.shouldRun,
            "needs python3, msmtp and aiosmtpd (scripts/install-deps installs them)"))
    func serverDownTheAlertsWaitAndArriveOnceWhenItIsBack() throws {
        try RequiredTool.msmtp.require()
        try RequiredTool.aiosmtpd.require()
        let msmtp = try #require(executablePath("msmtp"))
        let folder = try TemporaryFolder("sendmail-e2e")
        // A free port, then nobody listening on it.
        let probe = try SMTPTestServer(folder: folder.file("probe"))
        let port = probe.port
        probe.stop()
        let msmtprc = folder.file("msmtprc")
        try Data("defaults\nsyslog off\naccount default\nhost 127.0.0.1\nport \(port)\nauth off\ntls off\ntimeout 10\n".utf8)
            .write(to: msmtprc)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: msmtprc.path)

        let desk = try TemporaryDesk(name: "sendmail-e2e")
        defer { desk.remove() }
        try Self.useSendmail(desk, [msmtp, "-C", msmtprc.path, "--read-envelope-from", "-t"])
        let harness = DaemonHarness(desk: desk)
        try Self.deliverOne(harness)
        #expect(try once(harness, at: "2026-11-30T10:05:00+09:00").status == 0)

        // Friday: at risk; the server is down, so both alerts wait with the reason.
        let down = try once(harness, at: "2026-12-04T09:00:00+09:00")
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stderr.contains("mail not sent; will retry"), "\(down.stderr)")
        let waiting = try outbox(harness)
        #expect(waiting.count == 2)
        #expect(waiting.allSatisfy { $0["state"] as? String == "pending" && ($0["attempts"] as? Double) == 1 }, "\(waiting)")
        #expect(waiting.allSatisfy { ($0["last_error"] as? String)?.isEmpty == false })
        let history = try harness.cli(["history", "retail-jp-1"])
        #expect(history.stdout.components(separatedBy: "mail-failed").count - 1 == 2, "\(history.stdout)")
        #expect(history.stdout.contains("retrying at"))

        // The server is back. Before the retry is due nothing is sent; after it, each alert once.
        let server = try SMTPTestServer(folder: folder.file("server"), port: port)
        defer { server.stop() }
        #expect(try once(harness, at: "2026-12-04T09:00:30+09:00").status == 0)
        #expect(try server.received().isEmpty, "the retry is not due yet (1 minute)")
        #expect(try once(harness, at: "2026-12-04T09:02:00+09:00").status == 0)
        #expect(try once(harness, at: "2026-12-04T09:10:00+09:00").status == 0)
        let received = try server.received()
        #expect(received.count == 2)
        #expect(
            Set(received.flatMap(\.envelope.rcptTos))
                == ["aozora-pdm@partners.aws.example", "retail-jp@competency-desk.example"])
        let sent = try outbox(harness)
        #expect(sent.allSatisfy { $0["state"] as? String == "sent" && ($0["attempts"] as? Double) == 2 }, "\(sent)")
        // What arrived reads back as a mail program reads it.
        for (_, bytes) in received {
            let parsed = try ProgramRun.runTool(
                "python3",
                [
                    "-c",
                    "import email,email.policy,sys; m=email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default); print(m['Subject']); print(m['Auto-Submitted'])",
                ], stdin: String(decoding: bytes, as: UTF8.self))
            #expect(parsed.stdout.hasPrefix("【SLA 期限間近】retail-jp-1 Aozora Commerce KK"), "\(parsed.stdout) \(parsed.stderr)")
            #expect(parsed.stdout.contains("auto-generated"))
        }
    }

    /// A sendmail program that takes the message and then kills the daemon before it
    /// can mark it sent — the worst instant. The restart hands the same bytes over
    /// again once the claim has lapsed: at least once, with the same Message-ID.
    @Test func killedBetweenHandOverAndMarkTheSendmailRetryCarriesTheSameMessageID() throws {
        let folder = try TemporaryFolder("sendmail-kill")
        let spool = folder.file("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let script = folder.file("fake-sendmail")
        // Named for what it is: a stand-in for a sendmail program, so the kill lands
        // exactly between hand-over and mark. It keeps every message it is given.
        try Data(
            """
            #!/bin/sh
            n=$(ls '\(spool.path)' | wc -l)
            cat > '\(spool.path)'/$n.eml
            if [ ! -e '\(folder.file("killed").path)' ]; then
              : > '\(folder.file("killed").path)'
              kill -9 $PPID
            fi
            exit 0

            """.utf8
        ).write(to: script)
        #expect(chmod(script.path, 0o755) == 0)

        let desk = try TemporaryDesk(name: "sendmail-kill")
        defer { desk.remove() }
        try Self.useSendmail(desk, [script.path])
        let harness = DaemonHarness(desk: desk)
        try Self.deliverOne(harness)
        #expect(try once(harness, at: "2026-11-30T10:05:00+09:00").status == 0)
        let killed = try once(harness, at: "2026-12-04T09:00:00+09:00")
        #expect(killed.status != 0, "the daemon was killed mid-delivery")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).count == 1)
        // Still pending (claimed), nothing lost.
        #expect(try outbox(harness).filter { $0["state"] as? String == "pending" }.count == 2)

        // Restarted within the claim: not handed over again yet.
        #expect(try once(harness, at: "2026-12-04T09:02:00+09:00").status == 0)
        let afterSecond = try FileManager.default.contentsOfDirectory(atPath: spool.path).count
        #expect(afterSecond == 2, "only the message never handed over went out")
        // After the claim lapses: the interrupted one again, the same bytes.
        #expect(try once(harness, at: "2026-12-04T09:06:00+09:00").status == 0)
        let copies = try FileManager.default.contentsOfDirectory(atPath: spool.path).sorted().map {
            try Data(contentsOf: spool.appendingPathComponent($0))
        }
        #expect(copies.count == 3)
        #expect(copies.first == copies.last, "the retry hands over the very bytes, Message-ID included")
        #expect(try outbox(harness).allSatisfy { $0["state"] as? String == "sent" })
        #expect(try once(harness, at: "2026-12-04T10:00:00+09:00").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).count == 3)
    }

    /// The outbox after the same crash: the message is in `new/`, the store still says
    /// pending. The retry finds it there and writes no second copy — exactly once.
    @Test func theOutboxHoldsEachAlertOnceAfterACrashBeforeTheMark() throws {
        let desk = try TemporaryDesk(name: "outbox-crash")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try Self.deliverOne(harness)
        #expect(try once(harness, at: "2026-11-30T10:05:00+09:00").status == 0)
        #expect(try once(harness, at: "2026-12-04T09:00:00+09:00").status == 0)
        let new = desk.root.appendingPathComponent("Outbox/retail-jp/new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: new.path).count == 2)
        // The state a kill between hand-over and mark leaves: handed over, not marked.
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        let reset = try ProgramRun.runTool(
            "python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE outgoing SET state='pending', sent_at=NULL\"); c.commit()",
                store.path,
            ])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(try once(harness, at: "2026-12-04T09:10:00+09:00").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: new.path).count == 2, "no second copy")
        let rows = try outbox(harness)
        #expect(rows.allSatisfy { $0["state"] as? String == "sent" })
        #expect(rows.allSatisfy { ($0["transport_detail"] as? String)?.contains("already there") == true }, "\(rows)")
    }

    /// Issue 10, item 5: the scheduling notice through the real mail path (msmtp to an
    /// SMTP server on 127.0.0.1), its invitation read back by Python's `email` and
    /// `icalendar` packages; sending it is the first response (the SLA is met).
    @Test(
        .enabled(
            if: RequiredTool.python3.shouldRun && RequiredTool.msmtp.shouldRun && RequiredTool.aiosmtpd.shouldRun
                && RequiredTool.icalendar.shouldRun,
            "needs python3, msmtp, aiosmtpd and icalendar (scripts/install-deps installs them)"))
    func theSchedulingNoticeArrivesWithItsInvitationIntact() throws {
        try RequiredTool.msmtp.require()
        try RequiredTool.aiosmtpd.require()
        try RequiredTool.icalendar.require()
        let msmtp = try #require(executablePath("msmtp"))
        let folder = try TemporaryFolder("notice-e2e")
        let server = try SMTPTestServer(folder: folder.file("server"))
        defer { server.stop() }
        let msmtprc = folder.file("msmtprc")
        try Data("defaults\nsyslog off\naccount default\nhost 127.0.0.1\nport \(server.port)\nauth off\ntls off\ntimeout 10\n".utf8)
            .write(to: msmtprc)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: msmtprc.path)
        let desk = try TemporaryDesk(name: "notice-e2e")
        defer { desk.remove() }
        try Self.useSendmail(desk, [msmtp, "-C", msmtprc.path, "--read-envelope-from", "-t"])
        let harness = DaemonHarness(desk: desk)
        // The XLSX example: ready; the shipped pool gives it a reviewer and a slot.
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let now = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]
        let config = ["--config", desk.configFile.path]
        #expect(try ProgramRun.run("competencyd", config + ["--once"], environment: now).status == 0)
        let sent = try ProgramRun.run("competency", config + ["respond", "retail-jp-1"], environment: now)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("Scheduling notice") && sent.stdout.contains("the SLA is met"), "\(sent.stdout)")
        let shown = try ProgramRun.run("competency", config + ["show", "retail-jp-1", "--json"], environment: now)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(detail["sla"] as? String == "met")
        let review = try #require(detail["review"] as? [String: Any])

        let received = try server.received()
        #expect(received.count == 1)
        let message = try #require(received.first)
        let script = #"""
            import email, email.policy, icalendar, json, sys
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
            parts = [p for p in m.walk() if p.get_content_type() == 'text/calendar']
            ics = parts[0].get_payload(decode=True)
            cal = icalendar.Calendar.from_ical(ics)
            event = [c for c in cal.walk('VEVENT')][0]
            print(json.dumps({
                'subject': str(m['Subject']), 'cc': str(m['Cc']), 'to': str(m['To']),
                'in_reply_to': str(m['In-Reply-To']),
                'calendar_type': parts[0]['Content-Type'].params.get('method'),
                'filename': parts[0].get_filename(),
                'method': str(cal['METHOD']), 'uid': str(event['UID']), 'sequence': int(event['SEQUENCE']),
                'start': event['DTSTART'].dt.isoformat(), 'end': event['DTEND'].dt.isoformat(),
                'organizer': str(event['ORGANIZER']),
                'attendees': sorted(str(a) for a in (event['ATTENDEE'] if isinstance(event['ATTENDEE'], list) else [event['ATTENDEE']])),
                'description': str(event['DESCRIPTION']), 'status': str(event.get('STATUS')),
            }))
            """#
        func read(_ bytes: Data) throws -> [String: Any] {
            let parsed = try ProgramRun.runTool("python3", ["-c", script], stdin: String(decoding: bytes, as: UTF8.self))
            #expect(parsed.status == 0, "\(parsed.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any])
        }
        let fields = try read(message.message)
        #expect((fields["subject"] as? String)?.contains("審査日程のご案内") == true, "\(fields)")
        #expect((fields["cc"] as? String)?.contains("sakura-pdm@partners.aws.example") == true)
        #expect(fields["calendar_type"] as? String == "REQUEST")
        #expect((fields["filename"] as? String)?.hasSuffix(".ics") == true)
        #expect(fields["method"] as? String == "REQUEST")
        #expect(fields["uid"] as? String == review["uid"] as? String)
        #expect(fields["sequence"] as? Int == 0)
        #expect(fields["start"] as? String == review["start"] as? String, "\(fields["start"] ?? "") vs \(review["start"] ?? "")")
        #expect(fields["organizer"] as? String == "mailto:retail-jp@competency-desk.example")
        let attendees = fields["attendees"] as? [String] ?? []
        // The shipped pool's two are tied (no reviews, never assigned): suzuki by id.
        #expect(review["reviewer"] as? String == "suzuki")
        #expect(attendees.contains("mailto:hanako.suzuki@competency-desk.example"), "\(attendees)")
        #expect(attendees.contains("mailto:hanako.sato@sakura-kouri.example"), "the partner's contact")
        #expect(attendees.contains("mailto:sakura-pdm@partners.aws.example"))
        #expect((fields["description"] as? String)?.contains("AWS 認定資格を持つエンジニア") == true)
        // Every recipient was on the envelope: the partner, the PDM.
        #expect(message.envelope.rcptTos.contains("sakura-pdm@partners.aws.example"))

        // Moved: an update with the same UID and a higher SEQUENCE. Cancelled: METHOD:CANCEL.
        let moved = try ProgramRun.run(
            "competency", config + ["schedule", "retail-jp-1", "--at", "2026-12-09T14:00"], environment: now)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("sent the update (sequence 1)"), "\(moved.stdout)")
        let cancelled = try ProgramRun.run("competency", config + ["schedule", "retail-jp-1", "--cancel"], environment: now)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        let all = try server.received()
        #expect(all.count == 3)
        guard all.count == 3 else { return }
        let update = try read(all[1].message)
        #expect(update["method"] as? String == "REQUEST" && update["sequence"] as? Int == 1)
        #expect(update["uid"] as? String == fields["uid"] as? String)
        #expect(update["start"] as? String == "2026-12-09T14:00:00+09:00", "\(update["start"] ?? "")")
        let cancel = try read(all[2].message)
        #expect(cancel["method"] as? String == "CANCEL" && cancel["calendar_type"] as? String == "CANCEL")
        #expect(cancel["sequence"] as? Int == 2 && cancel["status"] as? String == "CANCELLED")
        #expect(cancel["uid"] as? String == fields["uid"] as? String)
        #expect((cancel["subject"] as? String)?.contains("審査の取り消し") == true)
    }
}
