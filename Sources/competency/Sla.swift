import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    /// `competency sla [--tenant T] [--from D --to D] [--json]` and `competency sla explain ID [--json]`.
    ///
    /// Both read the stores read-only, like `queue`: they work with the daemon stopped
    /// and never write.
    struct Sla: ParsableCommand {
        // `sla` alone is `sla report`: the report's options and `explain`'s both say
        // `--json`, so they live in two sibling commands rather than parent and child
        // (a parent's flag would take the child's).
        static let configuration = CommandConfiguration(
            commandName: "sla",
            abstract: "Deadlines and SLA performance.",
            subcommands: [Report.self, Explain.self], defaultSubcommand: Report.self)
    }
}

extension Competency.Sla {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open submissions by SLA state, and first responses over a period.",
            discussion: """
                The period (--from, --to: YYYY-MM-DD in each tenant's calendar) defaults to the last 90 days up to \
                today; a submission belongs to it by its receipt date.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Option(name: .long, help: "First receipt date of the period, YYYY-MM-DD (default: 89 days before --to).")
        var from: String?
        @Option(name: .long, help: "Last receipt date of the period, YYYY-MM-DD (default: today).") var to: String?
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            try reporting {
                let from = try Self.date(from, option: "--from")
                let to = try Self.date(to, option: "--to")
                let (desk, now) = try options.desk(naming: tenant)
                let (report, skipped) = try desk.slaReport(tenant: tenant, from: from, to: to, now: now)
                for problem in skipped { warn("skipped: \(problem)") }
                if json {
                    printJSON(report.json)
                } else {
                    print(Reports.sla(report, width: terminalWidth()), terminator: "")
                }
            }
        }

        /// A `YYYY-MM-DD` option, or a bad-argument error (exit 64) that shows the form.
        static func date(_ text: String?, option: String) throws(DeskError) -> LocalDate? {
            guard let text else { return nil }
            guard let date = LocalDate(iso: text.trimmingCharacters(in: .whitespaces)) else {
                throw .badArgument("\(option) \(text) is not a date; write it as YYYY-MM-DD, like 2026-12-01")
            }
            return date
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every day from receipt to deadline, counted or skipped, and why.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID, such as retail-jp-42.") var id: String
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                let explained = try desk.explainDeadline(of: id, now: now)
                if json {
                    printJSON(explained.json)
                } else {
                    print(Reports.explanation(explained), terminator: "")
                }
            }
        }
    }
}
