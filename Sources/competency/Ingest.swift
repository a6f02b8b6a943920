import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store files through the daemon's pipeline (the files themselves are left in place).")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant the files belong to.") var tenant: String
        @Argument(help: "Message files (.eml) or bare self-assessment documents.") var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one file to ingest") }
        }

        func run() throws {
            var failures = 0
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                let urls = files.map { URL(fileURLWithPath: $0) }
                for (url, result) in try desk.ingest(
                    files: urls, tenant: tenant, actor: OperatingSystemUser.name(), now: now)
                {
                    // A file name in an inbox is chosen by whoever delivered the file.
                    let path = SafeText.escapingControls(url.path)
                    switch result {
                    case .success(.stored(let id, let verdict)): print("\(path): stored as \(id) (\(verdict))")
                    case .success(.duplicate(let id)):
                        print("\(path): duplicate of \(id); archived, no new submission")
                    case .success(.resumed(let id)): print("\(path): already stored as \(id)")
                    case .success(.quarantined(let reason, _)), .success(.skipped(let reason)):
                        failures += 1
                        warn("\(url.path): rejected: \(reason)")
                    case .failure(let error):
                        failures += 1
                        warn("\(error)")
                    }
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
