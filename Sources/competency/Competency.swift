import ArgumentParser
import DeskConfig
import DeskCore
import DeskServices
import Foundation
import Logging

/// The reviewers' command line. Each command parses its arguments and calls
/// one function of `Desk`; errors print in plain words with a non-zero exit.
@main
struct Competency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "competency",
        abstract: "Work the partner-competency review queue.",
        subcommands: [
            Queue.self, Show.self, Note.self, History.self, Ingest.self, Parse.self, CalendarCommand.self, Template.self,
        ])
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's config file (else $COMPETENCY_CONFIG, else ./Config/competencyd.yaml).")
    var config: String?

    /// Loads the configuration and the clock, turning errors into a clean exit.
    func desk() throws -> (Desk, Date) {
        // Library logs are for the daemon's journal; a reviewer sees only warnings, on stderr.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let location = DeskConfiguration.defaultLocation(explicit: config)
        do {
            let configuration = try DeskConfiguration.load(from: location)
            let clock = try SystemClock.fromEnvironment()
            return (Desk(configuration: configuration), clock.now())
        } catch let error as ConfigError {
            throw Failure("configuration error: \(error)")
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// An error for the user: printed as `competency: MESSAGE` on stderr, exit 1.
struct Failure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, reporting `DeskError`s and `Failure`s the way users expect.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as DeskError {
            FileHandle.standardError.write(Data("competency: \(error)\n".utf8))
            throw ExitCode(error.exitCode)
        } catch let error as Failure {
            FileHandle.standardError.write(Data("competency: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension DeskError {
    /// sysexits-style codes so scripts can tell "not found" from "not allowed".
    var exitCode: Int32 {
        switch self {
        case .unknownSubmission, .unknownTenant: return 2
        case .tenantNotReadable: return 77  // EX_NOPERM
        case .badArgument: return 64  // EX_USAGE
        case .failed: return 1
        }
    }
}

/// Terminal width for tables: $COLUMNS, else 80.
func terminalWidth() -> Int {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns >= 40 { return columns }
    return 80
}

func printJSON(_ value: JSONValue) {
    print(value.rendered())
}
