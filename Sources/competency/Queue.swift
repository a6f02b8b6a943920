import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open submissions, the most urgent deadline first.")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Flag(name: .long, help: "Add answered, ignored and closed submissions.") var all = false
        @Flag(name: .long, help: "One JSON array on stdout.") var json = false
        @Option(
            name: .long,
            help: "Only those assigned to this reviewer (id, OS user, email or name); 'me' is you, by your OS user.")
        var reviewer: String?

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                var (views, skipped) = try desk.queue(tenant: tenant, includeClosed: all, now: now)
                if let reviewer {
                    let name = reviewer == "me" ? OperatingSystemUser.name() : reviewer
                    views = try desk.assignedTo(name, views)
                }
                for problem in skipped { warn("skipped: \(problem)") }
                if json {
                    printJSONArray(views.lazy.map(\.summaryJSON))
                } else {
                    print(Reports.queue(views, width: terminalWidth()), terminator: "")
                }
            }
        }
    }
}
