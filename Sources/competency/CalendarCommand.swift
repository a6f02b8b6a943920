import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct CalendarCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calendar", abstract: "Business-calendar arithmetic anyone can check.",
            subcommands: [Due.self])
    }
}

extension Competency.CalendarCommand {
    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The response deadline for a receipt time.")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant whose calendar counts.") var tenant: String
        @Option(
            name: .long,
            help: """
                Receipt time, ISO 8601 (2026-11-29T10:54:31+09:00). Without an offset it is the tenant's \
                local time; a bare date (2026-11-29) is the start of that day there.
                """)
        var received: String
        @Flag(name: .long, help: "Print {\"due_date\", \"deadline\"} as JSON.") var json = false

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let config = try desk.tenant(named: tenant)
                guard let instant = ISO8601.parse(received, defaultZone: config.timeZone) else {
                    throw DeskError.badArgument(
                        "--received \(received) is not an ISO 8601 time; write it like 2026-11-29T10:54:31+09:00")
                }
                let deadline = ResponseDeadline(
                    receivedAt: instant, businessDays: config.sla.businessDays, calendar: config.calendar)
                let deadlineText = ISO8601.format(deadline.deadline, in: config.timeZone)
                if json {
                    printJSON(
                        .object([("due_date", .string(deadline.dueDate.iso)), ("deadline", .string(deadlineText))]))
                    return
                }
                let calendar = config.calendar
                let receivedDay = calendar.localDate(of: instant)
                print(
                    "Received  \(HumanDates.dateTime(instant, in: config.timeZone)) (\(config.id), \(config.timeZone.identifier))"
                )
                print(
                    "Due       \(HumanDates.day(deadline.dueDate)), \(config.sla.businessDays) business days later; deadline \(deadlineText)"
                )
                // Show the count so anyone can check it against a wall calendar.
                var day = receivedDay.adding(days: 1)
                while day <= deadline.dueDate {
                    let mark = calendar.reasonClosed(day).map { "closed: \($0)" } ?? "business day"
                    print("  \(HumanDates.day(day))  \(mark)")
                    day = day.adding(days: 1)
                }
            }
        }
    }
}
