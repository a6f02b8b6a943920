import DeskTesting
import Foundation
import Testing

/// `competency respond` (PRODUCT.md §6, §8, §9; issue 9, item 5) and mail that
/// answers the desk (item 6), through the real daemon and CLI with an injected
/// clock. What was sent is read back from the Outbox Maildir with Python's
/// `email` package (`policy.default`), as a mail program reads it.
@Suite(.serialized, .enabled(if: RequiredTool.python3.shouldRun, "needs python3"))
struct RespondTests {
    static let office = "retail-jp@competency-desk.example"

    /// The example JSON self-assessment with case study 2 a pilot: incomplete (PRE-2.1).
    static func brokenDocument() throws -> Data {
        var document = try #require(
            try JSONSerialization.jsonObject(with: try fixture("examples/self-assessment.json")) as? [String: Any])
        var studies = try #require(document["case_studies"] as? [[String: Any]])
        studies[1]["stage"] = "pilot"
        document["case_studies"] = studies
        return try JSONSerialization.data(withJSONObject: document)
    }

    /// A message from `from` with `extraHeaders`, and `attachment` (JSON) when given.
    static func message(
        from: String, id: String, received: String, subject: String, extraHeaders: String = "", attachment: Data? = nil
    ) -> Data {
        var text = """
            Received: from mx.partner.example by mx.competency-desk.example; \(received)\r
            From: \(from)\r
            To: \(office)\r
            Subject: \(subject)\r
            Message-ID: <\(id)>\r
            Date: \(received)\r
            \(extraHeaders)MIME-Version: 1.0\r

            """
        if let attachment {
            text += """
                Content-Type: multipart/mixed; boundary="b1"\r
                \r
                --b1\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                Please find our self-assessment attached.\r
                --b1\r
                Content-Type: application/json\r
                Content-Disposition: attachment; filename="self-assessment.json"\r
                Content-Transfer-Encoding: base64\r
                \r
                \(attachment.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]))\r
                --b1--\r

                """
        } else {
            text += "Content-Type: text/plain; charset=utf-8\r\n\r\nHello, our self-assessment follows.\r\n"
        }
        return Data(text.utf8)
    }

    func once(_ harness: DaemonHarness, at now: String) throws {
        let run = try harness.once(at: now)
        #expect(run.status == 0, "competencyd --once at \(now): \(run.stderr)")
    }

    /// `competency --config PATH <arguments>` at `now`, in the contract's order.
    func competency(_ harness: DaemonHarness, _ arguments: [String], at now: String) throws -> ProgramRun {
        try harness.competency(arguments, at: now)
    }

    /// Every message in the tenant's outbox (`OutboxReader`: Python's email package).
    static func outbox(_ desk: TemporaryDesk) throws -> [[String: Any]] {
        try OutboxReader.messages(desk).map {
            [
                "to": $0.to, "subject": $0.subject, "in_reply_to": $0.inReplyTo, "references": $0.references,
                "auto_submitted": $0.autoSubmitted, "purpose": $0.purpose, "attachments": $0.attachments,
                "body": $0.body, "message_id": $0.messageID,
            ]
        }
    }

    @Test func anIncompleteSubmissionGetsItsInformationRequestAndTheSLAIsMetOnTime() throws {
        let desk = try TemporaryDesk(name: "respond")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        // Kaede's own domain sends; its Reply-To points outside the partner's domains.
        try harness.deliver(
            Self.message(
                from: "Taro Suzuki <taro.suzuki@kaede-analytics.example>", id: "sa-1@kaede-analytics.example",
                received: "Mon, 30 Nov 2026 10:00:00 +0900", subject: "自己評価の提出",
                extraHeaders: "Reply-To: collector@elsewhere.example\r\n", attachment: try Self.brokenDocument()),
            to: "retail-jp", name: "1796000000.M1P1.mx1")
        try once(harness, at: "2026-11-30T10:05:00+09:00")

        let dry = try competency(harness, ["respond", "retail-jp-1", "--dry-run"], at: "2026-12-01T09:00:00+09:00")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("To: taro.suzuki@kaede-analytics.example"), "\(dry.stdout)")
        #expect(dry.stdout.contains("hanako.sato@kaede-analytics.example"), "the document's contact, a partner domain")
        #expect(dry.stdout.contains("collector@elsewhere.example") && dry.stdout.contains("not used"))
        #expect(dry.stdout.contains("■ PRE-2.1 小売特有の導入事例"), "\(dry.stdout)")
        #expect(dry.stdout.contains("パイロットや PoC は対象外"), "the checklist's ask sentence")
        #expect(try Self.outbox(desk).isEmpty, "a dry run sends nothing")
        let before = try competency(harness, ["show", "retail-jp-1", "--json"], at: "2026-12-01T09:00:00+09:00")
        #expect(before.stdout.contains("\"sla\":\"on-track\"") || before.stdout.contains("\"sla\": \"on-track\""), "\(before.stdout)")

        // The contract's form: --config before the command. Root acts on the store directly.
        let sent = try competency(harness, ["respond", "retail-jp-1"], at: "2026-12-01T09:00:00+09:00")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("on time") && sent.stdout.contains("SLA is met"), "\(sent.stdout)")
        let mails = try Self.outbox(desk)
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(Set(mail["to"] as? [String] ?? []) == ["taro.suzuki@kaede-analytics.example", "hanako.sato@kaede-analytics.example"])
        #expect(mail["in_reply_to"] as? String == "<sa-1@kaede-analytics.example>")
        #expect((mail["references"] as? String)?.contains("<sa-1@kaede-analytics.example>") == true)
        #expect(mail["auto_submitted"] as? String == "auto-generated")
        #expect(mail["purpose"] as? String == "information-request")
        #expect((mail["subject"] as? String)?.contains("retail-jp-1") == true, "\(mail["subject"] ?? "")")
        #expect((mail["body"] as? String)?.contains("PRE-2.1") == true)

        let shown = try competency(harness, ["show", "retail-jp-1", "--json"], at: "2026-12-01T09:05:00+09:00")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(detail["sla"] as? String == "met")
        let history = try competency(harness, ["history", "retail-jp-1"], at: "2026-12-01T09:05:00+09:00")
        #expect(history.stdout.contains("first-response") && history.stdout.contains("on time"), "\(history.stdout)")
        #expect(history.stdout.contains("mail-sent"))

        // Twice needs --again; with it, a second message and still one first response.
        let twice = try competency(harness, ["respond", "retail-jp-1"], at: "2026-12-02T09:00:00+09:00")
        #expect(twice.status == 64)
        #expect(twice.stderr.contains("--again"), "\(twice.stderr)")
        #expect(try Self.outbox(desk).count == 1)
        let again = try competency(harness, ["respond", "retail-jp-1", "--again"], at: "2026-12-02T09:00:00+09:00")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.outbox(desk).count == 2)
        let later = try competency(harness, ["history", "retail-jp-1"], at: "2026-12-02T09:05:00+09:00")
        #expect(later.stdout.components(separatedBy: "first-response").count - 1 == 1)
    }

    @Test func aLateDocumentRequestIsRecordedLateAndReadyAndIgnoredAreRefused() throws {
        let desk = try TemporaryDesk(name: "respond-late")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        // No document: triage. Fri 27 Nov → due Fri 4 Dec. (All three read on Mon 30 Nov, the
        // day the XLSX example was sent: its case studies are recent then.)
        try harness.deliver(
            Self.message(
                from: "Hanako Sato <hanako.sato@aozora-commerce.example>", id: "t-1@aozora-commerce.example",
                received: "Fri, 27 Nov 2026 15:00:00 +0900", subject: "Retail Competency"),
            to: "retail-jp", name: "1780034400.M1P1.mx1")
        // A ready submission (the XLSX example) and an automatic reply.
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1780034401.M2P1.mx1")
        var auto = String(
            decoding: Self.message(
                from: "hanako.sato@aozora-commerce.example", id: "ooo@aozora-commerce.example",
                received: "Fri, 27 Nov 2026 15:01:00 +0900", subject: "Out of office",
                extraHeaders: "Auto-Submitted: auto-replied\r\n"), as: UTF8.self)
        auto += ""
        try harness.deliver(Data(auto.utf8), to: "retail-jp", name: "1780034402.M3P1.mx1")
        try once(harness, at: "2026-11-30T10:00:00+09:00")
        let queue = try harness.queue(all: true)
        let verdicts = Dictionary(uniqueKeysWithValues: queue.map { ($0["id"] as? String ?? "", $0["verdict"] as? String ?? "") })
        #expect(verdicts == ["retail-jp-1": "triage", "retail-jp-2": "ready", "retail-jp-3": "ignored"], "\(verdicts)")

        // The ready one's first response is the scheduling notice: not without a booked review.
        let cancel = try competency(harness, ["schedule", "retail-jp-2", "--cancel"], at: "2026-11-30T10:05:00+09:00")
        #expect(cancel.status == 0, "the daemon booked its review: \(cancel.stderr)")
        let ready = try competency(harness, ["respond", "retail-jp-2"], at: "2026-11-30T10:10:00+09:00")
        #expect(ready.status == 64)
        #expect(ready.stderr.contains("scheduling notice") && ready.stderr.contains("no booked review"), "\(ready.stderr)")
        let ignored = try competency(harness, ["respond", "retail-jp-3"], at: "2026-11-30T09:00:00+09:00")
        #expect(ignored.status == 64)
        #expect(ignored.stderr.contains("never answered"), "\(ignored.stderr)")
        #expect(try Self.outbox(desk).isEmpty)

        // Mon 7 Dec: one business day after the deadline (end of Fri 4 Dec).
        try once(harness, at: "2026-12-07T08:00:00+09:00")
        let alerts = try Self.outbox(desk).count
        let late = try competency(harness, ["respond", "retail-jp-1"], at: "2026-12-07T09:00:00+09:00")
        #expect(late.status == 0, "\(late.stderr)")
        #expect(late.stdout.contains("late: 1 business day"), "\(late.stdout)")
        let mails = try Self.outbox(desk)
        #expect(mails.count == alerts + 1)
        let request = try #require(mails.first { $0["purpose"] as? String == "document-request" })
        #expect(request["to"] as? [String] == ["hanako.sato@aozora-commerce.example"])
        #expect((request["attachments"] as? [String])?.first?.hasSuffix("-self-assessment.xlsx") == true, "the template")
        #expect((request["body"] as? String)?.contains("Hanako Sato 様") == true, "\(request["body"] ?? "")")
        let shown = try competency(harness, ["show", "retail-jp-1", "--json"], at: "2026-12-07T09:05:00+09:00")
        #expect(shown.stdout.contains("\"met\""), "met even when late: \(shown.stdout)")
        let history = try competency(harness, ["history", "retail-jp-1"], at: "2026-12-07T09:05:00+09:00")
        #expect(history.stdout.contains("late: 1 business day after the deadline"), "\(history.stdout)")
    }

    @Test func aBounceAndAPDMsReplyAttachToTheSubmissionAndCloseEndsItsSLA() throws {
        let desk = try TemporaryDesk(name: "answers")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(
            Self.message(
                from: "Hanako Sato <hanako.sato@aozora-commerce.example>", id: "q-1@aozora-commerce.example",
                received: "Fri, 27 Nov 2026 15:00:00 +0900", subject: "Question"),
            to: "retail-jp", name: "1780034400.M1P1.mx1")
        try once(harness, at: "2026-11-27T16:00:00+09:00")
        try once(harness, at: "2026-12-03T09:00:00+09:00")  // at risk: the alerts go out
        let alerts = try Self.outbox(desk)
        #expect(alerts.count == 2)
        let outbox = try competency(harness, ["outbox", "--json"], at: "2026-12-03T09:00:00+09:00")
        let rows = try JSONSerialization.jsonObject(with: Data(outbox.stdout.utf8)) as? [[String: Any]] ?? []
        let pdmAlert = try #require(rows.first { ($0["recipients"] as? [String])?.contains("aozora-pdm@partners.aws.example") == true }, "\(outbox.stdout)")
        let alertID = try #require(pdmAlert["message_id"] as? String)

        // The PDM's mail server bounces it: a DSN quoting the alert's Message-ID.
        let bounce = """
            Received: from mx.partners.aws.example by mx.competency-desk.example; Thu, 3 Dec 2026 09:10:00 +0900\r
            From: Mail Delivery System <MAILER-DAEMON@mx.partners.aws.example>\r
            To: \(Self.office)\r
            Subject: Undelivered Mail Returned to Sender\r
            Message-ID: <bounce-1@mx.partners.aws.example>\r
            Date: Thu, 3 Dec 2026 09:10:00 +0900\r
            Auto-Submitted: auto-replied\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=delivery-status; boundary="r1"\r
            \r
            --r1\r
            Content-Type: text/plain\r
            \r
            Your message could not be delivered.\r
            --r1\r
            Content-Type: message/delivery-status\r
            \r
            Reporting-MTA: dns; mx.partners.aws.example\r
            \r
            Final-Recipient: rfc822; aozora-pdm@partners.aws.example\r
            Action: failed\r
            Status: 5.1.1\r
            Diagnostic-Code: smtp; 550 5.1.1 user unknown\r
            --r1\r
            Content-Type: text/rfc822-headers\r
            \r
            From: \(Self.office)\r
            To: aozora-pdm@partners.aws.example\r
            Message-ID: <\(alertID)>\r
            --r1--\r

            """
        try harness.deliver(Data(bounce.utf8), to: "retail-jp", name: "1780034500.M2P1.mx1")
        // The PDM's colleague answers the office's alert from outside the partner's domains.
        let reply = Self.message(
            from: "Jiro PDM <jiro@partners.aws.example>", id: "thanks-1@partners.aws.example",
            received: "Thu, 3 Dec 2026 09:20:00 +0900", subject: "Re: SLA",
            extraHeaders: "In-Reply-To: <\(alertID)>\r\nReferences: <\(alertID)>\r\n")
        try harness.deliver(reply, to: "retail-jp", name: "1780034600.M3P1.mx1")
        try once(harness, at: "2026-12-03T09:30:00+09:00")

        // Neither is a new open submission; both are on retail-jp-1's history.
        let open = try harness.queue()
        #expect(open.map { $0["id"] as? String ?? "" } == ["retail-jp-1"], "\(open)")
        let history = try competency(harness, ["history", "retail-jp-1"], at: "2026-12-03T09:30:00+09:00")
        #expect(history.stdout.contains("delivery-report") && history.stdout.contains("5.1.1"), "\(history.stdout)")
        #expect(history.stdout.contains("reply-received") && history.stdout.contains("jiro@partners.aws.example"))
        // The office list is told of the bounce, once.
        let notices = try Self.outbox(desk).filter { $0["purpose"] as? String == "delivery-failed" }
        #expect(notices.count == 1)
        #expect(notices.first?["to"] as? [String] == [Self.office])
        #expect((notices.first?["body"] as? String)?.contains("5.1.1") == true)
        try once(harness, at: "2026-12-03T10:00:00+09:00")
        #expect(try Self.outbox(desk).filter { $0["purpose"] as? String == "delivery-failed" }.count == 1)

        // It was only a question: close it. No SLA from now on, and no breached alert.
        let closed = try competency(harness, ["close", "retail-jp-1", "--reason", "a question, not a submission"], at: "2026-12-03T11:00:00+09:00")
        #expect(closed.status == 0, "\(closed.stderr)")
        #expect(try harness.queue().isEmpty)
        let shown = try competency(harness, ["show", "retail-jp-1", "--json"], at: "2026-12-03T11:00:00+09:00")
        #expect(shown.stdout.contains("\"none\""), "\(shown.stdout)")
        let whoClosed = try competency(harness, ["history", "retail-jp-1"], at: "2026-12-03T11:00:00+09:00")
        #expect(whoClosed.stdout.contains("closed") && whoClosed.stdout.contains("a question, not a submission"))
        let count = try Self.outbox(desk).count
        try once(harness, at: "2026-12-08T09:00:00+09:00")
        #expect(try Self.outbox(desk).count == count, "a closed submission is never alerted")
    }

    /// `--edit`: the reviewer's editor runs on the draft; what it leaves is what is sent.
    /// An editor that fails sends nothing.
    @Test func theEditorsTextIsWhatIsSentAndAFailedEditSendsNothing() throws {
        let desk = try TemporaryDesk(name: "respond-edit")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        try harness.deliver(
            Self.message(
                from: "Hanako Sato <hanako.sato@aozora-commerce.example>", id: "e-1@aozora-commerce.example",
                received: "Mon, 30 Nov 2026 10:00:00 +0900", subject: "Retail Competency"),
            to: "retail-jp", name: "1796000000.M1P1.mx1")
        try once(harness, at: "2026-11-30T10:05:00+09:00")
        let arguments = ["--config", harness.desk.configFile.path, "respond", "retail-jp-1", "--edit"]
        let failed = try ProgramRun.run(
            "competency", arguments, environment: ["COMPETENCY_NOW": "2026-12-01T09:00:00+09:00", "EDITOR": "false"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("nothing was sent"), "\(failed.stderr)")
        #expect(try Self.outbox(desk).isEmpty)
        let edited = try ProgramRun.run(
            "competency", arguments,
            environment: [
                "COMPETENCY_NOW": "2026-12-01T09:00:00+09:00",
                "EDITOR": "sed -i -e '1i 追記: 12月4日までにお願いします。'",
            ])
        #expect(edited.status == 0, "\(edited.stderr)")
        let mails = try Self.outbox(desk)
        #expect(mails.count == 1)
        #expect((mails.first?["body"] as? String)?.hasPrefix("追記: 12月4日までにお願いします。") == true, "\(mails)")
        #expect((mails.first?["body"] as? String)?.contains("Hanako Sato 様") == true)
    }
}
