import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// Plain-text renderings for people, fitted to the terminal width.
///
/// Every text that came from mail, a document or the store (subjects, names, file
/// names, reasons that quote the document, notes) passes through `safe` before it is
/// laid out: a partner must not be able to send escape sequences to a reviewer's
/// terminal (issue 7, #6). Escaping comes first so widths are measured on what is shown.
public enum Reports {
    /// `text` with its control characters shown as escapes (`\x1B`); `lines` keeps line breaks.
    static func safe(_ text: String, lines: Bool = false) -> String {
        SafeText.escapingControls(text, keepingLineBreaks: lines)
    }

    /// The queue: two lines per submission, the deadline first because that is what a reviewer plans by.
    ///
    /// ```
    /// retail-jp-3   on-track  due Fri 4 Dec, 3 business days left
    ///               Aozora Commerce KK — [Aozora Commerce KK], Retail Competency…
    /// ```
    public static func queue(_ views: [SubmissionView], width: Int = 80) -> String {
        guard !views.isEmpty else { return "No open submissions.\n" }
        let idWidth = max(views.map { TerminalText.width($0.id) }.max() ?? 0, 2) + 2
        var out = TerminalText.pad("ID", to: idWidth) + TerminalText.pad("SLA", to: 10) + "DEADLINE\n"
        for view in views {
            out += TerminalText.pad(view.id, to: idWidth) + TerminalText.pad(view.sla.rawValue, to: 10)
            out += TerminalText.truncate(safe(view.dueDescription), to: max(10, width - idWidth - 10)) + "\n"
            let who = view.record.partner ?? view.record.sender.map(displayName) ?? "unknown sender"
            let what = view.record.subject ?? "(no subject)"
            out +=
                String(repeating: " ", count: idWidth)
                + TerminalText.truncate(safe("\(who) — \(what)"), to: max(10, width - idWidth)) + "\n"
        }
        return out
    }

    /// "Hanako Sato" from "Hanako Sato <hanako@…>"; the address when there is no name.
    static func displayName(_ sender: String) -> String {
        guard sender.hasSuffix(">"), let open = sender.lastIndex(of: "<") else { return sender }
        let name = sender[..<open].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? String(sender[sender.index(after: open)..<sender.index(before: sender.endIndex)]) : name
    }

    /// One submission in full.
    public static func show(
        _ view: SubmissionView, notes: [NoteRecord], previous: SubmissionRecord? = nil, review: ReviewRecord? = nil,
        reviewerZone: TimeZone? = nil, width: Int = 80
    ) -> String {
        let record = view.record
        var lines: [(String, String)] = [
            ("Submission", view.id),
            ("Subject", record.subject ?? "(none)"),
            ("From", record.sender ?? "(unknown: bare document)"),
            ("Partner", record.partner ?? "(not matched yet)"),
            ("Message-ID", record.messageID ?? "(none)"),
            ("Received", "\(HumanDates.dateTime(view.receivedAt, in: view.timeZone)) (from \(record.receiptSource))"),
        ]
        if let date = record.dateHeader { lines.append(("Date header", date)) }
        if let deadline = view.deadline {
            lines.append(
                ("Deadline", "\(HumanDates.dateTime(deadline.deadline, in: view.timeZone)) — \(view.dueDescription)"))
        } else {
            lines.append(("Deadline", view.dueDescription))
        }
        lines.append(("SLA", view.sla.rawValue))
        lines.append(("Verdict", record.verdict))
        if let assignee = record.assignee { lines.append(("Assigned to", assignee)) }
        if let review {
            var when = HumanDates.dateTime(review.startDate, in: view.timeZone)
            if let reviewerZone, reviewerZone.identifier != view.timeZone.identifier {
                when += " (\(HumanDates.dateTime(review.startDate, in: reviewerZone)) for \(review.reviewer))"
            }
            switch review.state {
            case "booked": lines.append(("Review", "\(when) with \(review.reviewer)"))
            case "declined": lines.append(("Review", "declined (was \(when) with \(review.reviewer)); the next free slot is booked at the next sweep"))
            default: lines.append(("Review", "cancelled (was \(when))"))
            }
            let answers = review.answerList
            if !answers.isEmpty {
                lines.append(("Answers", answers.map { "\($0.address) \($0.partstat.lowercased())" }.joined(separator: ", ")))
            }
        }
        if let program = record.program { lines.append(("Program", program)) }
        if let document = record.documentName { lines.append(("Document", document)) }
        if record.revision > 1 || previous != nil {
            lines.append(("Revision", "\(record.revision)" + (previous?.number.map { " (previous: \(view.tenant)-\($0))" } ?? "")))
        }
        lines.append(("Archived as", record.archivePath))
        var out = lines.map { TerminalText.pad($0.0 + ":", to: 14) + safe($0.1) }.joined(separator: "\n") + "\n"
        let problems = record.problemList
        if !problems.isEmpty {
            out += "\nProblems while reading:\n" + problems.map { "  - \(safe($0))\n" }.joined()
        }
        out += checks(record.checkList, width: width)
        if let previous { out += changes(RevisionComparison(previous: previous, current: record), since: "\(view.tenant)-\(previous.number ?? 0)", width: width) }
        out += "\nNotes:\n"
        if notes.isEmpty { out += "  (none; add one with: competency note \(view.id) TEXT)\n" }
        for note in notes {
            let when = HumanDates.dateTime(Date(timeIntervalSince1970: note.at), in: view.timeZone)
            out += "  \(when)  \(safe(note.author))\n"
            out += safe(note.text, lines: true).split(separator: "\n", omittingEmptySubsequences: false)
                .map { "    \($0)\n" }.joined()
        }
        return out
    }

    /// The checklist for people: what failed or needs a person first, with reasons; then the rest by id.
    static func checks(_ checks: [CheckResult], width: Int) -> String {
        guard !checks.isEmpty else { return "\nChecks: none (no self-assessment was read).\n" }
        let count = { (status: CheckResult.Status) in checks.filter { $0.status == status }.count }
        var out = "\nChecks: \(count(.fail)) fail, \(count(.review)) review, \(count(.pass)) pass, \(count(.notApplicable)) n/a\n"
        for status in [CheckResult.Status.fail, .review] {
            for check in checks where check.status == status {
                out += "  \(status == .fail ? "FAIL  " : "REVIEW") \(safe(check.id))\n"
                out += wrap(check.reason, indent: 9, width: width)
            }
        }
        for status in [CheckResult.Status.pass, .notApplicable] {
            let ids = checks.filter { $0.status == status }.map { safe($0.id) }
            if ids.isEmpty { continue }
            // The label takes the first line's indent: "  pass   PRE-1.1 PRE-1.2 …".
            let wrapped = wrap(ids.joined(separator: " "), indent: 9, width: width)
            out += (status == .pass ? "  pass   " : "  n/a    ") + wrapped.dropFirst(9)
        }
        return out
    }

    static func changes(_ comparison: RevisionComparison, since previous: String, width: Int) -> String {
        var out = "\nChanged since \(previous):\n"
        if comparison.flipped.isEmpty && comparison.changed.isEmpty { return out + "  nothing\n" }
        for flip in comparison.flipped {
            out += "  \(safe(flip.id)): \(flip.from?.rawValue ?? "—") → \(flip.to?.rawValue ?? "—")\n"
        }
        for change in comparison.changed {
            out += wrap("\(change.path): \(change.from ?? "—") → \(change.to ?? "—")", indent: 2, width: width)
        }
        return out
    }

    /// Words wrapped to `width` cells, every line indented; CJK text breaks anywhere.
    /// Controls in `text` are escaped (line breaks are kept and honoured).
    static func wrap(_ text: String, indent: Int, width: Int) -> String {
        let room = max(20, width - indent)
        var lines: [String] = []
        var line = ""
        for character in safe(text, lines: true) {
            if character == "\n" {
                lines.append(line)
                line = ""
                continue
            }
            line.append(character)
            if TerminalText.width(line) > room {
                // Break at the last space when there is one, else here.
                if let space = line.lastIndex(of: " "), line.distance(from: line.startIndex, to: space) > room / 2 {
                    lines.append(String(line[..<space]))
                    line = String(line[line.index(after: space)...])
                } else {
                    let last = line.removeLast()
                    lines.append(line)
                    line = String(last)
                }
            }
        }
        if !line.isEmpty { lines.append(line) }
        let pad = String(repeating: " ", count: indent)
        return lines.map { pad + $0 + "\n" }.joined()
    }

    /// The history, oldest first, one event a line.
    public static func history(_ view: SubmissionView, events: [EventRecord]) -> String {
        var out = "History of \(view.id):\n"
        for event in events {
            let when = HumanDates.dateTime(Date(timeIntervalSince1970: event.at), in: view.timeZone)
            out += "\(when)  \(TerminalText.pad(safe(event.kind), to: 19)) "
            out += "\(safe(event.actor)): \(safe(event.detail))\n"
        }
        return out
    }
}
