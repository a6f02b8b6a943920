import ArgumentParser
import DeskServices

extension Competency {
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every event of a submission, oldest first.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                let (view, events) = try desk.history(of: id, now: now)
                print(Reports.history(view, events: events), terminator: "")
            }
        }
    }
}
