import ArgumentParser
import DeskInbox
import DeskServices
import Foundation

extension Competency {
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how a message or document is read; stores nothing.")

        // Accepted like every command's, though reading a file needs no configuration.
        @OptionGroup var options: GlobalOptions
        @Argument(help: "A message file (.eml, a Maildir file) or a bare self-assessment document.") var file: String
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            try reporting {
                let url = URL(fileURLWithPath: file)
                let bytes: [UInt8]
                do { bytes = try DurableFile.read(url) } catch { throw Failure("\(error)") }
                let inspection: MessageInspection
                do {
                    inspection = try MessageInspection(bytes: bytes, fileName: url.lastPathComponent)
                } catch {
                    throw Failure("\(file): not a message: \(error) (the daemon would quarantine it)")
                }
                if json {
                    printJSON(inspection.json)
                } else {
                    print(inspection.report(width: terminalWidth()), terminator: "")
                }
            }
        }
    }
}
