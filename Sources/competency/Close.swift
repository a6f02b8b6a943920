import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close what is not a submission at all (spam, a question): no SLA from now on.",
            discussion: "Recorded in the history with who closed it and why. Carried out by the daemon for reviewers.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Option(name: .long, help: "Why it is not a submission (recorded).") var reason: String

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                print(try desk.submit(.close(submission: id, reason: reason), now: now))
            }
        }
    }
}
