import DeskConfig
import DeskCore
import DeskStore
import Foundation

/// Plain-text renderings for people, fitted to the terminal width.
public enum Reports {
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
            out += TerminalText.truncate(view.dueDescription, to: max(10, width - idWidth - 10)) + "\n"
            let who = view.record.partner ?? view.record.sender.map(displayName) ?? "unknown sender"
            let what = view.record.subject ?? "(no subject)"
            out +=
                String(repeating: " ", count: idWidth)
                + TerminalText.truncate("\(who) — \(what)", to: max(10, width - idWidth)) + "\n"
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
    public static func show(_ view: SubmissionView, notes: [NoteRecord], width: Int = 80) -> String {
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
        lines.append(("Archived as", record.archivePath))
        var out = lines.map { TerminalText.pad($0.0 + ":", to: 14) + $0.1 }.joined(separator: "\n") + "\n"
        let problems = record.problemList
        if !problems.isEmpty {
            out += "\nProblems while reading:\n" + problems.map { "  - \($0)\n" }.joined()
        }
        out += "\nChecks: none run yet (the checklist is evaluated once the self-assessment is read).\n"
        out += "\nNotes:\n"
        if notes.isEmpty { out += "  (none; add one with: competency note \(view.id) TEXT)\n" }
        for note in notes {
            let when = HumanDates.dateTime(Date(timeIntervalSince1970: note.at), in: view.timeZone)
            out += "  \(when)  \(note.author)\n"
            out += note.text.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)\n" }.joined()
        }
        return out
    }

    /// The history, oldest first, one event a line.
    public static func history(_ view: SubmissionView, events: [EventRecord]) -> String {
        var out = "History of \(view.id):\n"
        for event in events {
            let when = HumanDates.dateTime(Date(timeIntervalSince1970: event.at), in: view.timeZone)
            out += "\(when)  \(TerminalText.pad(event.kind, to: 19)) \(event.actor): \(event.detail)\n"
        }
        return out
    }
}
