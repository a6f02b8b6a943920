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
        static let configuration = CommandConfiguration(
            abstract: "The booked reviews, soonest first; --ics writes them as one calendar to subscribe to.",
            discussion: """
                --from and --to are dates (YYYY-MM-DD) in each tenant's own time, both included. \
                --ics prints an iCalendar (METHOD:PUBLISH) of the reviews listed — with --reviewer me, your \
                whole schedule — that a calendar program can subscribe to from a file; with --output it \
                replaces that file atomically, so a timer can keep it current.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Option(
            name: .long, help: "Only this reviewer's (id, OS user, email or name); 'me' is you, by your OS user.")
        var reviewer: String?
        @Option(name: .long, help: "Only reviews on or after this date (YYYY-MM-DD).") var from: String?
        @Option(name: .long, help: "Only reviews on or before this date (YYYY-MM-DD).") var to: String?
        @Flag(name: .long, help: "One JSON array: id, tenant, reviewer, start, end (ISO 8601 with offset), sequence.") var json = false
        @Flag(name: .long, help: "One iCalendar (RFC 5545, METHOD:PUBLISH) of the reviews listed.") var ics = false
        @Option(name: .long, help: "With --ics: write the calendar to this file (replaced atomically).") var output: String?

        func validate() throws {
            if json && ics { throw ValidationError("--json and --ics are two outputs; choose one") }
            if output != nil && !ics { throw ValidationError("--output goes with --ics") }
        }

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk()
                let first = try Sla.Report.date(from, option: "--from")
                let last = try Sla.Report.date(to, option: "--to")
                if let first, let last, last < first {
                    throw DeskError.badArgument("--to \(last.iso) is before --from \(first.iso); nothing listed")
                }
                let name = reviewer == "me" ? OperatingSystemUser.name() : reviewer
                let rows = try desk.reviews(tenant: tenant, reviewer: name, from: first, to: last)
                if ics {
                    let title = ["Competency reviews", name, tenant].compactMap { $0 }.joined(separator: " — ")
                    let data = try desk.reviewCalendar(rows, name: title, tenant: tenant, now: now).rendered()
                    if let output {
                        try TemplateOutput.write([UInt8](data), to: URL(fileURLWithPath: output), replacing: true)
                        FileHandle.standardError.write(Data("wrote \(rows.count) review\(rows.count == 1 ? "" : "s") to \(output)\n".utf8))
                    } else {
                        FileHandle.standardOutput.write(data)
                    }
                    return
                }
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
