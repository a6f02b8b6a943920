import DeskTesting
import Foundation
import Testing

/// SLA alerts to the PDM and the office list (PRODUCT.md §6; issue 9, item 3), run
/// through the real daemon with an injected clock (`COMPETENCY_NOW`): each
/// `competencyd --once` is a fresh process, so every step below is also a restart.
/// What was sent is read back from the tenant's Outbox Maildir with Python's own
/// mail parser (`email.policy.default`), as a mail program would read it.
@Suite(.serialized, .enabled(if: RequiredTool.python3.shouldRun, "needs python3"))
struct AlertTests {
    static let office = "retail-jp@competency-desk.example"
    static let aozoraPDM = "aozora-pdm@partners.aws.example"

    /// A plain message from a partner, received (topmost `Received:`) at `received`.
    static func message(received: String, from sender: String, subject: String, id: String) -> Data {
        Data(
            """
            Received: from mx.partner.example by mx.competency-desk.example; \(received)\r
            From: Hanako Sato <\(sender)>\r
            To: retail-jp@competency-desk.example\r
            Subject: \(subject)\r
            Message-ID: <\(id)>\r
            Date: \(received)\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Please find our self-assessment attached soon.\r

            """.utf8)
    }

    /// `competencyd --once` at `now`.
    func once(_ harness: DaemonHarness, at now: String) throws {
        let run = try harness.once(at: now)
        #expect(run.status == 0, "competencyd --once at \(now): \(run.stderr)")
    }

    /// Every message in `Outbox/<tenant>/new` (`OutboxReader`: Python's email package), as text fields.
    static func outbox(_ desk: TemporaryDesk, _ tenant: String = "retail-jp") throws -> [[String: String]] {
        try OutboxReader.messages(desk, tenant: tenant).map {
            [
                "file": $0.file, "to": $0.to.joined(separator: ", "), "from": $0.from, "subject": $0.subject,
                "auto_submitted": $0.autoSubmitted, "message_id": $0.messageID, "submission": $0.submission,
                "body": $0.body,
            ]
        }
    }

    @Test func atRiskThenBreachedEachOnceAcrossRestartsAcrossGoldenWeek() throws {
        let desk = try TemporaryDesk(name: "alerts-gw")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        // Thu 30 Apr 2026. Business days after it: Fri 1 May, then Golden Week (3–6 May:
        // 憲法記念日 on a Sunday, みどりの日, こどもの日, 振替休日), Thu 7, Fri 8, Mon 11,
        // Tue 12 May: due 12 May, at risk from the start of Mon 11 May.
        try harness.deliver(
            Self.message(
                received: "Thu, 30 Apr 2026 10:00:00 +0900", from: "hanako.sato@aozora-commerce.example",
                subject: "自己評価の提出", id: "gw-1@aozora-commerce.example"),
            to: "retail-jp", name: "1777510800.M1P1.mx1")
        try once(harness, at: "2026-04-30T10:05:00+09:00")
        let stored = try harness.cli(["show", "retail-jp-1", "--json"], environment: ["COMPETENCY_NOW": "2026-04-30T10:05:00+09:00"])
        let shown = try JSONSerialization.jsonObject(with: Data(stored.stdout.utf8)) as? [String: Any]
        #expect(shown?["due_at"] as? String == "2026-05-12T23:59:59+09:00", "\(stored.stdout)")
        #expect(try Self.outbox(desk).isEmpty, "nothing to say while on track")

        // The last minute of Sunday 10 May (a weekend inside the window): still on track.
        try once(harness, at: "2026-05-10T23:59:00+09:00")
        #expect(try Self.outbox(desk).isEmpty)

        // Monday 11 May: at risk. One mail to the partner's PDM, one to the office list.
        try once(harness, at: "2026-05-11T00:01:00+09:00")
        let atRisk = try Self.outbox(desk)
        #expect(Set(atRisk.map { $0["to"] ?? "" }) == [Self.aozoraPDM, Self.office].reduce(into: Set<String>()) { $0.insert($1) },
            "\(atRisk.map { $0["to"] ?? "" })")
        for mail in atRisk {
            #expect(mail["subject"]?.hasPrefix("【SLA 期限間近】retail-jp-1 Aozora Commerce KK") == true, "\(mail["subject"] ?? "")")
            #expect(mail["subject"]?.contains("2026-05-12") == true)
            #expect(mail["auto_submitted"] == "auto-generated")
            #expect(mail["from"]?.contains(Self.office) == true)
            #expect(mail["message_id"]?.hasSuffix("@competency-desk.example>") == true)
            #expect(mail["submission"] == "retail-jp-1")
            #expect(mail["body"]?.contains("あと 1 営業日") == true, "\(mail["body"] ?? "")")
            #expect(mail["body"]?.contains("competency show retail-jp-1") == true)
            #expect(mail["body"]?.contains("2026-05-12 (火) 23:59 +09:00") == true, "the deadline in the tenant's time")
        }

        // The sweep runs again, the daemon restarts: nothing new.
        try once(harness, at: "2026-05-11T09:00:00+09:00")
        try once(harness, at: "2026-05-12T23:59:00+09:00")
        #expect(try Self.outbox(desk).count == 2)

        // Wednesday 13 May: breached, once.
        try once(harness, at: "2026-05-13T00:00:30+09:00")
        try once(harness, at: "2026-05-14T12:00:00+09:00")
        let all = try Self.outbox(desk)
        let breached = all.filter { $0["subject"]?.hasPrefix("【SLA 期限超過】") == true }
        #expect(all.count == 4, "\(all.map { $0["subject"] ?? "" })")
        #expect(Set(breached.map { $0["to"] ?? "" }) == Set([Self.aozoraPDM, Self.office]))

        // The history says what was queued and sent; the outbox command lists it.
        let history = try harness.cli(["history", "retail-jp-1"])
        #expect(history.stdout.components(separatedBy: "alert-queued").count - 1 == 2, "\(history.stdout)")
        #expect(history.stdout.components(separatedBy: "mail-sent").count - 1 == 4, "\(history.stdout)")
        let outbox = try harness.cli(["outbox", "--json"])
        #expect(outbox.status == 0, "\(outbox.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(outbox.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0["state"] as? String == "sent" && ($0["attempts"] as? Double) == 1 })
        #expect(Set(rows.compactMap { $0["purpose"] as? String }) == ["alert-at-risk", "alert-breached"])
    }

    @Test func firstSeenAfterTheDeadlineGetsTheBreachedAlertOnlyAndIgnoredMailNone() throws {
        let desk = try TemporaryDesk(name: "alerts-late")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        // Fri 27 Nov 2026 → Mon 30, Tue 1, Wed 2, Thu 3, Fri 4 Dec: due Fri 4 Dec (across a weekend).
        try harness.deliver(
            Self.message(
                received: "Fri, 27 Nov 2026 15:00:00 +0900", from: "someone@unknown-partner.example",
                subject: "Self-assessment", id: "late-1@unknown-partner.example"),
            to: "retail-jp", name: "1780034400.M1P1.mx1")
        // An automatic reply: no SLA, so never an alert.
        var autoReply = String(
            decoding: Self.message(
                received: "Fri, 27 Nov 2026 15:01:00 +0900", from: "hanako.sato@aozora-commerce.example",
                subject: "Out of office", id: "ooo-1@aozora-commerce.example"), as: UTF8.self)
        autoReply = autoReply.replacingOccurrences(of: "MIME-Version: 1.0\r\n", with: "MIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n")
        try harness.deliver(Data(autoReply.utf8), to: "retail-jp", name: "1780034460.M2P1.mx1")

        // The daemon was down the whole week: its first sweep finds it breached.
        try once(harness, at: "2026-12-07T09:00:00+09:00")
        let mails = try Self.outbox(desk)
        // The sender's domain is in no registry row: the tenant's fallback PDM, and the office.
        #expect(Set(mails.map { $0["to"] ?? "" }) == ["retail-jp-pdm@competency-desk.example", Self.office])
        #expect(mails.allSatisfy { $0["subject"]?.hasPrefix("【SLA 期限超過】retail-jp-1 ") == true }, "\(mails)")
        #expect(mails.allSatisfy { $0["body"]?.contains("1 営業日超過") == true }, "Mon 7 Dec is one business day late")
        #expect(!mails.contains { $0["submission"] == "retail-jp-2" }, "the automatic reply is never alerted")
        try once(harness, at: "2026-12-08T09:00:00+09:00")
        #expect(try Self.outbox(desk).count == 2)
    }

    @Test func severalAtOnceMakeOneDigestPerRecipient() throws {
        let desk = try TemporaryDesk(name: "alerts-digest")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        for (index, sender) in ["a@unknown-one.example", "b@unknown-two.example", "hanako.sato@aozora-commerce.example"]
            .enumerated()
        {
            try harness.deliver(
                Self.message(
                    received: "Fri, 27 Nov 2026 1\(index):00:00 +0900", from: sender, subject: "Submission \(index + 1)",
                    id: "digest-\(index)@example"),
                to: "retail-jp", name: "17800344\(index)0.M\(index)P1.mx1")
        }
        try once(harness, at: "2026-11-27T18:00:00+09:00")
        try once(harness, at: "2026-12-03T08:00:00+09:00")  // all three at risk in one sweep
        let mails = try Self.outbox(desk)
        let byRecipient = Dictionary(grouping: mails) { $0["to"] ?? "" }
        // The office: one digest listing all three. The fallback PDM: one digest of two.
        // Aozora's PDM: one single alert.
        #expect(byRecipient[Self.office]?.count == 1)
        let officeDigest = try #require(byRecipient[Self.office]?.first)
        #expect(officeDigest["subject"]?.contains("3 件") == true, "\(officeDigest["subject"] ?? "")")
        for id in ["retail-jp-1", "retail-jp-2", "retail-jp-3"] {
            #expect(officeDigest["body"]?.contains("■ \(id) ") == true, "\(officeDigest["body"] ?? "")")
        }
        #expect(byRecipient["retail-jp-pdm@competency-desk.example"]?.count == 1)
        #expect(byRecipient["retail-jp-pdm@competency-desk.example"]?.first?["subject"]?.contains("2 件") == true)
        #expect(byRecipient[Self.aozoraPDM]?.count == 1)
        #expect(byRecipient[Self.aozoraPDM]?.first?["subject"]?.hasPrefix("【SLA 期限間近】retail-jp-3") == true)
        #expect(mails.count == 3)
    }

    /// retail-us, in English, across Thanksgiving, with at-risk alerts held for business hours.
    @Test func thanksgivingInEnglishWithAtRiskHeldForBusinessHours() throws {
        let desk = try TemporaryDesk(name: "alerts-us")
        defer { desk.remove() }
        let file = desk.config.appendingPathComponent("tenants/retail-us.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let held = text.replacingOccurrences(of: "at_risk_in_business_hours: false", with: "at_risk_in_business_hours: true")
        #expect(held != text)
        try held.write(to: file, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk)
        // Wed 25 Nov 2026, New York. Thanksgiving (Thu 26) does not count: Fri 27, Mon 30,
        // Tue 1, Wed 2, Thu 3 Dec: due Thu 3 Dec, at risk from the start of Wed 2 Dec.
        var message = String(
            decoding: Self.message(
                received: "Wed, 25 Nov 2026 10:00:00 -0500", from: "pat@harborline.example",
                subject: "Retail Competency self-assessment", id: "us-1@harborline.example"), as: UTF8.self)
        message = message.replacingOccurrences(of: "To: retail-jp@competency-desk.example", with: "To: retail-us@competency-desk.example")
        try harness.deliver(Data(message.utf8), to: "retail-us", name: "1795000000.M1P1.mx1")
        try once(harness, at: "2026-11-25T10:05:00-05:00")
        let shown = try harness.cli(["show", "retail-us-1", "--json"], environment: ["COMPETENCY_NOW": "2026-11-25T10:05:00-05:00"])
        #expect(shown.stdout.contains("2026-12-03T23:59:59-05:00"), "\(shown.stdout)")

        // Thanksgiving itself and the night before the at-risk day: nothing.
        try once(harness, at: "2026-11-26T12:00:00-05:00")
        // At risk from midnight, but held until business hours (09:00-17:00).
        try once(harness, at: "2026-12-02T00:30:00-05:00")
        #expect(try Self.outbox(desk, "retail-us").isEmpty, "held until business hours")
        try once(harness, at: "2026-12-02T09:01:00-05:00")
        let mails = try Self.outbox(desk, "retail-us")
        #expect(Set(mails.map { $0["to"] ?? "" }) == ["harborline-pdm@partners.aws.example", "retail-us@competency-desk.example"])
        for mail in mails {
            #expect(mail["subject"] == "[SLA at risk] retail-us-1 Harborline Commerce Inc.: first response due 2026-12-03", "\(mail["subject"] ?? "")")
            #expect(mail["body"]?.contains("2026-12-03 (Thu) 23:59 -05:00") == true, "\(mail["body"] ?? "")")
            #expect(mail["body"]?.contains("competency show retail-us-1") == true)
        }
        // Breached alerts never wait: Friday 4 Dec, 01:00.
        try once(harness, at: "2026-12-04T01:00:00-05:00")
        let all = try Self.outbox(desk, "retail-us")
        #expect(all.count == 4)
        #expect(all.filter { $0["subject"]?.hasPrefix("[SLA breached]") == true }.count == 2, "\(all.map { $0["subject"] ?? "" })")
    }
}
