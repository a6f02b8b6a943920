import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Daemon and per-tenant health.",
            discussion: """
                Reads only: the daemon's heartbeat (its status file in state_folder), each tenant's store \
                read-only, and its quarantine folder. Exit 0 when the daemon runs and every tenant is healthy, \
                1 when a tenant is unhealthy or disabled, 69 when the daemon is not running.
                """)

        @OptionGroup var options: GlobalOptions
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk()
                // Heartbeats are the daemon's real time, never COMPETENCY_NOW.
                let status = desk.status(wallNow: Date())
                if json {
                    printJSON(status.json)
                } else {
                    print(status.text, terminator: "")
                }
                if status.exitCode != 0 { throw ExitCode(status.exitCode) }
            }
        }
    }
}
