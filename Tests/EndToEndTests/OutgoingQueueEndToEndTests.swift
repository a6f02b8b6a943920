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
        try ProgramRun.run(
            "competencyd", ["--config", harness.desk.configFile.path, "--once"], environment: ["COMPETENCY_NOW": now])
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
}
