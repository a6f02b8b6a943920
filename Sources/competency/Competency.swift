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
            Queue.self, Show.self, Note.self, Close.self, Respond.self, Assign.self, Schedule.self, Reviews.self, History.self, Outbox.self, Ingest.self, Parse.self, CalendarCommand.self,
            Template.self,
            Sla.self, Status.self, Quarantine.self, Backup.self, Restore.self, Verify.self, Purge.self,
        ])

    /// `competency --config PATH <command>` (PRODUCT.md §9). Each command declares the
    /// same options, so `--config` also works after the command; the parser hands a value
    /// given before the command to the command's own `options`.
    @OptionGroup var options: GlobalOptions
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's config file (else $COMPETENCY_CONFIG, else ./Config/competencyd.yaml).")
    var config: String?

    /// Loads the configuration and the clock, turning errors into a clean exit.
    ///
    /// Tenants whose file has a mistake are disabled, not fatal: every other office
    /// is served, and each disabled one is named on stderr with its file, line and
    /// key — except the one `naming` (a tenant or a submission ID) points at, whose
    /// command then fails with that same reason.
    func desk(naming target: String? = nil) throws(DeskError) -> (Desk, Date) {
        // Library logs are for the daemon's journal; a reviewer sees only warnings, on stderr.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return SafeLogHandler(wrapping: handler)
        }
        let location = DeskConfiguration.defaultLocation(explicit: config)
        let configuration: DeskConfiguration
        do {
            configuration = try DeskConfiguration.load(from: location)
        } catch {
            throw .configuration(error.description)
        }
        for failure in configuration.disabledTenants
        where target != failure.tenantID && target?.hasPrefix(failure.tenantID + "-") != true {
            warn("warning: \(failure)")
        }
        let clock = try SystemClock.fromEnvironment()
        return (Desk(configuration: configuration), clock.now())
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
            warn("\(error)")
            throw ExitCode(error.exitCode)
        } catch let error as Failure {
            warn("\(error)")
            throw ExitCode(1)
        }
    }
}

/// `competency: MESSAGE` on stderr. Messages quote file names and mail text, so
/// controls are escaped: an error must not be a way to reach the reviewer's terminal.
func warn(_ message: String) {
    FileHandle.standardError.write(
        Data("competency: \(SafeText.escapingControls(message, keepingLineBreaks: true))\n".utf8))
}

/// Terminal width for tables: $COLUMNS, else 80.
func terminalWidth() -> Int {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns >= 40 { return columns }
    return 80
}

/// One JSON document on stdout (the renderer escapes every control character,
/// C1 and bidi overrides included: they are legal raw in JSON but act on terminals).
func printJSON(_ value: JSONValue) {
    print(value.rendered())
}

/// One JSON array written element by element (the same text as `printJSON(.array(…))`),
/// through a buffered stdout: `queue --all --json` over a large store starts at once
/// and never holds the whole text in memory.
func printJSONArray<S: Sequence>(_ elements: S) where S.Element == JSONValue {
    var text = ""
    text.reserveCapacity(1 << 17)
    var first = true
    for element in elements {
        text += first ? "[\n  " : ",\n  "
        element.write(into: &text, indent: "  ")
        first = false
        if text.utf8.count >= 1 << 16 {
            FileHandle.standardOutput.write(Data(text.utf8))
            text.removeAll(keepingCapacity: true)
        }
    }
    text += first ? "[]\n" : "\n]\n"
    FileHandle.standardOutput.write(Data(text.utf8))
}
