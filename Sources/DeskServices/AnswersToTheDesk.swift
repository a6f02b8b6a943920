import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// Mail that answers the desk's own messages (issue 9, item 6).
///
/// Contract — a message that names one of the desk's own outgoing Message-IDs
/// (anywhere in it: a delivery report quotes the original's headers) is about
/// that message's submissions:
/// - a delivery report (a `multipart/report`, or mail from the null sender or a
///   mailer daemon) is recorded on each of them as `delivery-report`, with the
///   report's status lines, and the office list is told once (a notice queued
///   with it);
/// - another automatic reply (an out-of-office) is recorded as `auto-reply`;
/// - a person's reply from outside the partner's registry `sender_domains` (a
///   PDM's "thanks") is recorded as `reply-received`.
/// Each is stored as an ignored message (no SLA, never answered, not in the
/// queue) whose reason names the submission. A reply from the partner's own
/// domains is a submission as any other (the next revision, by its thread).
extension IngestPipeline {
    struct AnswerToTheDesk {
        var ignoredReason: String?
        var relatedEvents: [(number: Int64, kind: String, detail: String)] = []
        var notices: [PlannedMessage] = []
        var reviewAnswer: ReviewAnswer?
    }

    /// At most this many of the desk's IDs are looked up per message.
    static let maxDeskIDs = 20

    func answerToTheDesk(_ bytes: [UInt8], reading: Reading) throws -> AnswerToTheDesk {
        guard reading.isMail, let mail = tenant.mail else { return AnswerToTheDesk() }
        // An answer to one of the desk's review invitations (iTIP REPLY): recorded on the
        // submission, never a submission or an SLA of its own (issue 10, item 6).
        if let reply = reading.calendarReply, let answer = try invitationAnswer(reply, reading: reading) {
            return answer
        }
        let ids = Self.messageIDs(in: bytes, domain: mail.messageIDDomain)
        var known: [OutgoingRecord] = []
        for id in ids {
            if let record = try store.outgoing(messageID: id) { known.append(record) }
        }
        guard let first = known.first else { return AnswerToTheDesk() }
        let targets = Array(Set(known.flatMap(\.submissionNumbers))).sorted()
        guard !targets.isEmpty else { return AnswerToTheDesk() }
        let names = targets.map(submissionID).joined(separator: ", ")
        let about = "the desk's message <\(first.messageID)> (\(first.purpose) to \(first.recipientList.joined(separator: ", ")))"
        var answer = AnswerToTheDesk()

        if let automatic = reading.ignoredReason {
            let lowered = automatic.lowercased()
            let local = reading.senderAddress?.split(separator: "@").first?.lowercased()
            let isReport =
                lowered.contains("multipart/report") || lowered.contains("null sender")
                || lowered.contains("mailer-daemon") || lowered.contains("postmaster")
                || reading.senderAddress == nil || local == "mailer-daemon" || local == "postmaster"
                || Self.declaresReport(bytes)
            if isReport {
                let status = Self.statusLines(bytes)
                answer.ignoredReason = "a delivery report for \(about); recorded on \(names)"
                answer.relatedEvents = targets.map {
                    ($0, "delivery-report", "delivery of \(about) failed or was delayed: \(status)")
                }
                answer.notices = deliveryNotices(about: first, submissions: targets, status: status, mail: mail)
            } else {
                answer.ignoredReason = "\(automatic), answering \(about); recorded on \(names)"
                answer.relatedEvents = targets.map { ($0, "auto-reply", "\(automatic) from \(reading.sender ?? "an unknown sender")") }
            }
            return answer
        }
        // A person's reply: only a reply from outside the partner's domains is kept off the queue.
        let threaded = Set(reading.threadIDs)
        guard known.contains(where: { threaded.contains("<\($0.messageID)>") }) else { return answer }
        let registry = try? registry.current().get()
        var partnerDomains: Set<String> = []
        for number in targets {
            guard let record = try store.submission(number: number), let registry else { continue }
            partnerDomains.formUnion((registry.partner(of: record)?.senderDomains ?? []).map { $0.lowercased() })
        }
        let senderDomain = reading.senderAddress.flatMap { $0.split(separator: "@").last.map { $0.lowercased() } }
        if let senderDomain, partnerDomains.contains(senderDomain) { return answer }
        answer.ignoredReason =
            "a reply to \(about) from \(reading.sender ?? "an unknown sender"), outside the partner's domains; recorded on \(names)"
        answer.relatedEvents = targets.map {
            ($0, "reply-received", "from \(reading.sender ?? "an unknown sender"): \(reading.subject ?? "(no subject)")")
        }
        return answer
    }

    /// The answer to a review invitation whose UID is one of this tenant's reviews.
    ///
    /// Only someone the invitation went to may answer it: the partner (its registry
    /// `sender_domains`), the reviewer or the PDM; another partner quoting the UID
    /// is not taken as an answer (its mail is then handled as any other). An
    /// attendee's answer is taken when that attendee sent it, or when a partner
    /// colleague (the same partner's domains) answers for the partner's contact;
    /// anything else in it is only mentioned. A decline by the reviewer or the
    /// partner releases the booked time (state `declined`: the daemon books the next
    /// slot at its next sweep) and tells the office list once; an answer to an older
    /// `SEQUENCE` changes nothing (RFC 5546 3.2.3).
    func invitationAnswer(_ reply: CalendarReply, reading: Reading) throws -> AnswerToTheDesk? {
        let prefix = "\(tenant.id)-"
        let domain = "@" + (tenant.mail?.messageIDDomain ?? "competency-desk.invalid").lowercased()
        // A UID of this tenant's form: the desk's own invitation, whoever answers it.
        guard reply.uid.hasPrefix(prefix), reply.uid.lowercased().hasSuffix(".review" + domain) else { return nil }
        let said = Self.words(reply)
        var ignored = AnswerToTheDesk()
        ignored.ignoredReason =
            "an answer to a review invitation that was not taken (\(said)): no review has this UID, or it did not come from someone invited"
        guard let dot = reply.uid.firstIndex(of: "."),
            let number = Int64(reply.uid[reply.uid.index(reply.uid.startIndex, offsetBy: prefix.count)..<dot]),
            let review = try store.review(of: number), review.uid == reply.uid,
            let record = try store.submission(number: number)
        else { return ignored }
        let partner = (try? registry.current().get())?.partner(of: record)
        let partnerDomains = Set((partner?.senderDomains ?? []).map { $0.lowercased() })
        func isPartner(_ address: String) -> Bool {
            partnerDomains.contains(address.split(separator: "@").last.map(String.init) ?? "")
        }
        let reviewer = tenant.reviewers.first { $0.id == review.reviewer }
        let reviewerAddress = reviewer?.email.address.lowercased()
        let pdmAddress = (partner?.pdmEmail ?? tenant.mail?.pdmFallback?.address)?.lowercased()
        let sender = reading.senderAddress?.lowercased() ?? ""
        guard isPartner(sender) || sender == reviewerAddress || sender == pdmAddress else {
            ignored.relatedEvents = [
                (
                    number, "invitation-reply",
                    "\(said) to sequence \(reply.sequence) from \(reading.sender ?? "an unknown sender"), who was not invited: not taken"
                )
            ]
            return ignored
        }

        var taken: [String: String] = [:]
        var parts: [String] = []
        for answer in reply.answers {
            let mayAnswer = answer.address == sender || (isPartner(sender) && isPartner(answer.address))
            let word = Self.word(answer.partstat)
            if mayAnswer {
                taken[answer.address] = answer.partstat
                parts.append("\(answer.address) \(word)")
            } else {
                parts.append("\(answer.address) \(word) (not taken: sent by \(sender.isEmpty ? "nobody" : sender))")
            }
        }
        let what = parts.isEmpty ? "an answer without attendees" : parts.joined(separator: ", ")
        // A calendar that declines by itself (an automatic reply) is recorded, never acted on.
        let decliners =
            reading.ignoredReason != nil
            ? []
            : taken.filter { $0.value == "DECLINED" && ($0.key == reviewerAddress || isPartner($0.key)) }.keys.sorted()
        var answer = AnswerToTheDesk()
        answer.ignoredReason = "an answer to the review invitation of \(submissionID(number)): \(what)"
        answer.relatedEvents = [
            (number, "invitation-reply", "\(what) to sequence \(reply.sequence) (from \(reading.sender ?? "an unknown sender"))")
        ]
        var declined: String?
        var notice: PlannedMessage?
        if !decliners.isEmpty {
            let who = decliners.map { $0 == reviewerAddress ? "\($0) (the reviewer)" : "\($0) (the partner)" }
                .joined(separator: ", ")
            declined =
                "\(who) declined the review of \(HumanDates.dateTime(review.startDate, in: tenant.timeZone)) (sequence \(reply.sequence)); the next free slot is booked at the next sweep"
            if let mail = tenant.mail, !mail.officeList.isEmpty {
                let kind = MessageTemplates.Kind.reviewDeclined
                let fields: [String: Any] = [
                    "tenant": tenant.id, "office_name": mail.office.displayName ?? tenant.displayName,
                    "id": submissionID(number),
                    "partner": OutgoingMail.partnerName(record, registry: try? registry.current().get(), language: tenant.language),
                    "subject": record.subject ?? "", "reviewer": reviewer?.name ?? review.reviewer,
                    "review_start": OutgoingMail.format(review.startDate, in: tenant), "declined_by": who,
                    "show_command": "competency show \(submissionID(number))",
                ]
                // One per declined version: the key names the UID's sequence, the queue keeps one of each.
                notice = OutgoingMail.compose(
                    tenant: tenant, mail: mail, key: "\(kind.rawValue).\(number).\(review.sequence)", purpose: kind.rawValue,
                    submissions: [number], to: mail.officeList, subject: OutgoingMail.subject(mail, kind, fields),
                    body: OutgoingMail.body(mail, kind, fields), at: reading.receivedAt)
            }
        }
        answer.reviewAnswer = ReviewAnswer(
            number: number, uid: reply.uid, sequence: reply.sequence, answers: taken, declined: declined,
            noticeIfDeclined: notice)
        return answer
    }

    static func word(_ partstat: String) -> String {
        ["ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentatively accepted"][partstat]
            ?? partstat.lowercased()
    }

    /// "a@b declined, c@d accepted", for a reason or a history entry.
    static func words(_ reply: CalendarReply) -> String {
        reply.answers.isEmpty
            ? "no attendee" : reply.answers.prefix(5).map { "\($0.address) \(word($0.partstat))" }.joined(separator: ", ")
    }

    /// The desk's own Message-IDs (on `domain`) anywhere in the message, without brackets.
    /// Searched in the bytes (ASCII case folded), not in a decoded String: most mail
    /// names none, and decoding megabytes of attachments to look was a tenth of ingest.
    static func messageIDs(in bytes: [UInt8], domain: String) -> [String] {
        let suffix = Array(("@" + domain.lowercased() + ">").utf8)
        guard let firstOfSuffix = suffix.first else { return [] }
        let limit = min(bytes.count, 4 << 20)
        var found: [String] = []
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        var index = 0
        while found.count < maxDeskIDs, index + suffix.count <= limit {
            guard bytes[index] == firstOfSuffix else {
                index += 1
                continue
            }
            var matches = true
            for offset in 1..<suffix.count where lower(bytes[index + offset]) != suffix[offset] {
                matches = false
                break
            }
            guard matches else {
                index += 1
                continue
            }
            // Walk back to the '<' that opens this ID (at most 200 bytes, no spaces).
            var start = index
            var steps = 0
            while start > 0, steps < 200 {
                let previous = bytes[start - 1]
                if previous == 0x3C || previous == 0x3E || previous == 0x20 || previous == 0x09 || previous == 0x0A
                    || previous == 0x0D
                {
                    break
                }
                start -= 1
                steps += 1
            }
            if start > 0, bytes[start - 1] == 0x3C, start < index {
                let local = String(decoding: bytes[start..<index], as: UTF8.self)
                let id = local + "@" + domain.lowercased()
                if !found.contains(id) { found.append(id) }
            }
            index += suffix.count
        }
        return found
    }

    /// Whether the top-level header says `Content-Type: multipart/report` (RFC 6522).
    static func declaresReport(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(64 << 10), as: UTF8.self)
        let header = head.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\n\n").first ?? head
        return header.lowercased().range(of: #"content-type:\s*multipart/report"#, options: .regularExpression) != nil
    }

    /// `Status:`, `Action:` and `Diagnostic-Code:` lines of a delivery report, short.
    static func statusLines(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(1 << 20), as: UTF8.self)
        var lines: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let lowered = line.lowercased()
            if lowered.hasPrefix("status:") || lowered.hasPrefix("action:") || lowered.hasPrefix("diagnostic-code:")
                || lowered.hasPrefix("final-recipient:")
            {
                let cleaned = SafeText.escapingControls(line.trimmingCharacters(in: .whitespaces))
                if !lines.contains(cleaned) { lines.append(String(cleaned.prefix(200))) }
            }
            if lines.count >= 6 { break }
        }
        return lines.isEmpty ? "no status given" : lines.joined(separator: "; ")
    }
}

extension PartnerRegistry {
    /// The registry row a stored submission belongs to: the trusted name the store
    /// recorded, else the sender's domain. An unverified claim matches nothing.
    public func partner(of record: SubmissionRecord) -> Partner? {
        if let name = record.partner, let row = partners.first(where: { $0.name == name }) { return row }
        if let sender = record.senderMailbox ?? record.senderAddress {
            return partners.first { $0.sends(from: sender) }
        }
        return nil
    }
}
