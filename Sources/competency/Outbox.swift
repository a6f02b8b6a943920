import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Outbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Outgoing mail: what waits to be sent, what was sent, what failed (newest first).")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Flag(name: .long, help: "One JSON array on stdout.") var json = false

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let (entries, skipped) = try desk.outbox(tenant: tenant)
                for problem in skipped { warn("skipped: \(problem)") }
                if json {
                    printJSON(.array(entries.map(\.json)))
                } else {
                    print(Reports.outbox(entries, width: terminalWidth()), terminator: "")
                }
            }
        }
    }
}
