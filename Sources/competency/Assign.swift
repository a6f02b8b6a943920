import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a reviewer from the tenant's pool to a submission.",
            discussion: """
                REVIEWER is a reviewer's id, OS user, email or name from the tenant's reviewers: list. \
                A reviewer who is away today, has a conflict of interest with the partner, or is at \
                capacity is refused with the reason unless --force (recorded with what it overrode). \
                Carried out by the daemon for reviewers; every assignment is in the history with who made it.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Argument(help: "The reviewer (id, OS user, email or name).") var reviewer: String
        @Flag(name: .long, help: "Assign although the rules say no (the reason is recorded).") var force = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                print(try desk.submit(.assign(submission: id, reviewer: reviewer, force: force), now: now))
            }
        }
    }
}
