import DeskTesting
import Foundation
import Testing

/// The real daemon and CLI as child processes, on a temporary copy of `Config/`.
@Suite(.serialized) struct DaemonEndToEndTests {
    @Test func aMessageCopiedIntoTheInboxReachesTheQueueWithItsDeadline() throws {
        let desk = try TemporaryDesk(name: "e2e")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        let original = try fixture("iso2022jp-submission.eml")
        // Copied straight into new/, as the issue describes a person doing it.
        let dropped = desk.inbox("retail-jp").appendingPathComponent("new/1764461702.M1P1.mx1")
        try original.write(to: dropped)
        let start = Date()

        var entry: [String: Any]?
        let seen = try DaemonHarness.eventually(timeout: 2) {
            entry = try harness.queue().first
            return entry != nil
        }
        #expect(seen, "the message reached the queue within 2 s")
        print("reached the queue after \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        let item = try #require(entry)
        #expect(item["id"] as? String == "retail-jp-1")
        #expect(item["tenant"] as? String == "retail-jp")
        #expect(
            item["subject"] as? String == "[株式会社テスト小売], Retail Competency Technology Partner Completed Self-Assessment")
        #expect(item["message_id"] as? String == "<20261130091502.e2e.0001@mail.test-kouri.example>")
        #expect(item["received_at"] as? String == "2026-11-30T09:15:02+09:00")
        #expect(item["due_at"] as? String == "2026-12-07T23:59:59+09:00")
        #expect(item["due_date"] as? String == "2026-12-07")
        #expect(item["sla"] as? String == "on-track")
        #expect(item["verdict"] as? String == "triage")
        #expect(item["partner"] is NSNull)

        // The inbox is empty and the original is in the archive, byte for byte.
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp")).isEmpty)
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/11/") }
        #expect(archived.count == 1)
        let copy = try Data(contentsOf: desk.archive("retail-jp").appendingPathComponent(try #require(archived.first)))
        #expect(copy == original)

        daemon.signal(SIGTERM)
        let result = daemon.finish()
        #expect(result.status == 0, "SIGTERM stops the daemon cleanly: \(result.stderr)")
    }

    @Test func duplicatesAutoRepliesAndNonMessages() throws {
        let desk = try TemporaryDesk(name: "kinds")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let submission = try fixture("iso2022jp-submission.eml")
        try harness.deliver(submission, to: "retail-jp", name: "1764461702.M1P1.mx1")
        try harness.deliver(submission, to: "retail-jp", name: "1764461703.M1P2.mx1")  // the same message twice
        try harness.deliver(try fixture("auto-reply.eml"), to: "retail-jp", name: "1764462000.M2P1.mx1")
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1764462100.M3P1.mx1")
        // A bare document dropped into the folder itself, and one still being copied.
        try Data("schema: competency-self-assessment/v1\n".utf8).write(
            to: desk.inbox("retail-jp").appendingPathComponent("self-assessment.yaml"))
        try Data("partial".utf8).write(to: desk.inbox("retail-jp").appendingPathComponent("big.xlsx.part"))

        let once = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(once.status == 0, "\(once.stderr)")

        let open = try harness.queue()
        #expect(open.count == 2, "the submission and the bare document; no duplicate, no auto-reply")
        let all = try harness.queue(all: true)
        #expect(all.count == 3)
        let ignored = try #require(all.first { $0["verdict"] as? String == "ignored" })
        #expect(ignored["sla"] as? String == "none")
        #expect(ignored["due_at"] is NSNull)
        let bare = try #require(open.first { $0["subject"] is NSNull })
        #expect(bare["message_id"] is NSNull)

        // The duplicate was archived and recorded on the original.
        let history = try harness.cli(["history", "retail-jp-1"])
        #expect(history.status == 0)
        #expect(history.stdout.contains("duplicate-received"))
        #expect(
            TemporaryDesk.files(under: desk.archive("retail-jp")).filter {
                $0.hasSuffix(".mx1") && !$0.hasPrefix("quarantine/")
            }.count == 3)

        // The PNG is in quarantine with its reason, and nothing else is left in the inbox.
        let quarantined = TemporaryDesk.files(under: desk.archive("retail-jp").appendingPathComponent("quarantine"))
        #expect(quarantined.count == 2)
        let reasonFile = try #require(quarantined.first { $0.hasSuffix(".reason.txt") })
        let reason = try String(
            contentsOf: desk.archive("retail-jp").appendingPathComponent("quarantine/\(reasonFile)"), encoding: .utf8)
        #expect(reason.contains("not a message"))
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp")) == ["big.xlsx.part"])
    }

    @Test func reviewerCommands() throws {
        let desk = try TemporaryDesk(name: "cli")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-03T10:00:00+09:00"])
        // The partner is known to the registry by its mail domain.
        let registry = desk.config.appendingPathComponent("registry/retail-jp.csv")
        let rows = try String(contentsOf: registry, encoding: .utf8)
        try (rows + "APN-310099,株式会社テスト小売,advanced,,test-kouri.example,test-pdm@partners.aws.example,\n")
            .write(to: registry, atomically: true, encoding: .utf8)
        let file = desk.root.appendingPathComponent("message.eml")
        try fixture("iso2022jp-submission.eml").write(to: file)
        let ingest = try harness.cli(["ingest", "--tenant", "retail-jp", file.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("stored as retail-jp-1"))
        #expect(FileManager.default.fileExists(atPath: file.path), "ingest leaves the user's file in place")

        // The table: deadline in local time and business days left, on 80 columns.
        let table = try harness.cli(["queue"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("due Mon 7 Dec, 2 business days left"))
        #expect(table.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })

        #expect(try harness.cli(["note", "retail-jp-1", "公開事例の URL を確認中"]).status == 0)
        #expect(try harness.cli(["note", "retail-jp-1", "-"], stdin: "from stdin\nsecond line\n").status == 0)
        let show = try harness.cli(["show", "retail-jp-1", "--json"])
        #expect(show.status == 0)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        // At-risk starts on Fri 4 Dec, the business day before the Monday due date.
        #expect(detail["sla"] as? String == "on-track")
        let notes = try #require(detail["notes"] as? [[String: Any]])
        #expect(notes.map { $0["text"] as? String } == ["公開事例の URL を確認中", "from stdin\nsecond line"])
        #expect(notes.allSatisfy { ($0["author"] as? String)?.isEmpty == false })
        #expect(detail["sender"] as? String == "佐藤 花子 <hanako@test-kouri.example>")
        #expect(detail["partner"] as? String == "株式会社テスト小売")
        #expect(detail["checks"] is [Any])

        let history = try harness.cli(["history", "retail-jp-1"])
        // One event a line after the title: what happened, in order.
        let kinds = history.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[6] }
        #expect(kinds == ["received", "deadline", "partner", "triage", "problem", "note", "note"], "\(history.stdout)")
        #expect(history.stdout.contains("matched to 株式会社テスト小売 (APN-310099, advanced) by sender domain"))
        #expect(history.stdout.contains("note"))

        let human = try harness.cli(["show", "retail-jp-1"])
        #expect(human.stdout.contains("Deadline:"))
        #expect(human.stdout.contains("Mon 7 Dec 2026 23:59 +09:00"))
    }

    @Test func badIDsAndArgumentsFailPlainly() throws {
        let desk = try TemporaryDesk(name: "errors")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        // A reviewer's command before the daemon ever ran creates no database
        // (it would carry the reviewer's ownership and permissions).
        #expect(try harness.queue().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: desk.archive("retail-jp").appendingPathComponent("competency.sqlite").path))
        let unknown = try harness.cli(["show", "retail-jp-999"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no submission retail-jp-999"))
        let otherTenant = try harness.cli(["show", "retail-eu-1"])
        #expect(otherTenant.status != 0)
        #expect(otherTenant.stderr.contains("retail-eu-1"))
        let badTime = try harness.cli(["calendar", "due", "--tenant", "retail-jp", "--received", "yesterday"])
        #expect(badTime.status != 0)
        #expect(badTime.stderr.contains("ISO 8601"))
        let badTenant = try harness.cli(["queue", "--tenant", "retail-xx"])
        #expect(badTenant.status != 0)
        #expect(badTenant.stderr.contains("retail-jp"), "the message lists the configured tenants")
        let emptyNote = try harness.cli(["note", "retail-jp-1", "  "])
        #expect(emptyNote.status != 0)
    }

    @Test func calendarDueAnswersTheArithmetic() throws {
        let desk = try TemporaryDesk(name: "due")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        let run = try harness.cli([
            "calendar", "due", "--tenant", "retail-jp", "--received", "2026-11-24T08:20:00+09:00", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["due_date"] as? String == "2026-12-01")
        #expect(object["deadline"] as? String == "2026-12-01T23:59:59+09:00")
        let human = try harness.cli([
            "calendar", "due", "--tenant", "retail-jp", "--received", "2026-05-01T12:00:00+09:00",
        ])
        #expect(human.stdout.contains("Wed 6 May 2026  closed: 休日"))
    }

    @Test func aBrokenConfigStopsTheDaemonWithFileLineAndKey() throws {
        let desk = try TemporaryDesk(name: "badconfig")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-us.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try text.replacingOccurrences(of: "language: en", with: "language: fr").write(
            to: tenantFile, atomically: true, encoding: .utf8)
        let run = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
        #expect(run.status != 0)
        let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("language:") }) + 1
        #expect(run.stderr.contains("retail-us.yaml:\(line):"))
        #expect(run.stderr.contains("language"))
        #expect(run.stderr.contains("fr"))
    }
}
