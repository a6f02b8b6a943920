import ArgumentParser
import DeskCore
import DeskServices

extension Competency {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One submission: partner, receipt, deadline, SLA state, checks, notes.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                let (view, store) = try desk.submission(id, now: now)
                let notes = try desk.notes(view, in: store)
                let previous = try desk.previousRevision(view, in: store)
                let review = try? store.review(of: view.record.number ?? 0)
                let zone = review.flatMap { review in
                    desk.configuration.resolve(submissionID: id)?.tenant.reviewers.first { $0.id == review.reviewer }?.timeZone
                }
                if json {
                    printJSON(view.detailJSON(notes: notes, previous: previous, review: review, reviewerZone: zone))
                } else {
                    print(
                        Reports.show(
                            view, notes: notes, previous: previous, review: review, reviewerZone: zone, width: terminalWidth()),
                        terminator: "")
                }
            }
        }
    }
}
