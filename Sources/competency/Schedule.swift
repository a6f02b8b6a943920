import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Book, move or cancel a ready submission's review.",
            discussion: """
                Without --at: the first free slot (the tenant's review: settings, the reviewer's away days \
                and other reviews, the tenant's holidays). --at books that time (no offset: the tenant's \
                local time). --reviewer assigns that reviewer first. Carried out by the daemon for reviewers.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Option(name: .long, help: "The start, ISO 8601 (2026-12-08T10:00 or with an offset).") var at: String?
        @Option(name: .long, help: "The reviewer (id, OS user, email or name).") var reviewer: String?
        @Flag(name: .long, help: "Cancel the booked review.") var cancel = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                print(try desk.submit(.schedule(submission: id, at: at, reviewer: reviewer, cancel: cancel), now: now))
            }
        }
    }

    struct Reviews: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The booked reviews, soonest first.")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Flag(name: .long, help: "One JSON array: id, tenant, reviewer, start, end (ISO 8601 with offset), sequence.") var json = false

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk()
                let rows = try desk.reviews(tenant: tenant)
                if json {
                    let array = JSONValue.array(
                        rows.map { tenant, review in
                            .object([
                                ("id", .string("\(tenant.id)-\(review.submissionNumber)")),
                                ("tenant", .string(tenant.id)),
                                ("reviewer", .string(review.reviewer)),
                                ("start", .string(ISO8601.format(review.startDate, in: tenant.timeZone))),
                                ("end", .string(ISO8601.format(review.endDate, in: tenant.timeZone))),
                                ("uid", .string(review.uid)),
                                ("sequence", .number(Double(review.sequence))),
                            ])
                        })
                    printJSON(array)
                    return
                }
                if rows.isEmpty {
                    print("No reviews booked.")
                    return
                }
                for (tenant, review) in rows {
                    print(
                        "\(TerminalText.pad("\(tenant.id)-\(review.submissionNumber)", to: 16))"
                            + "\(TerminalText.pad(review.reviewer, to: 12))"
                            + HumanDates.dateTime(review.startDate, in: tenant.timeZone))
                }
            }
        }
    }
}
