import ArgumentParser
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
                let (desk, now) = try options.desk()
                let urls = files.map { URL(fileURLWithPath: $0) }
                for (url, result) in try desk.ingest(
                    files: urls, tenant: tenant, actor: OperatingSystemUser.name(), now: now)
                {
                    switch result {
                    case .success(.stored(let id, let verdict)): print("\(url.path): stored as \(id) (\(verdict))")
                    case .success(.duplicate(let id)):
                        print("\(url.path): duplicate of \(id); archived, no new submission")
                    case .success(.resumed(let id)): print("\(url.path): already stored as \(id)")
                    case .success(.quarantined(let reason, _)):
                        failures += 1
                        FileHandle.standardError.write(Data("competency: \(url.path): rejected: \(reason)\n".utf8))
                    case .failure(let error):
                        failures += 1
                        FileHandle.standardError.write(Data("competency: \(error)\n".utf8))
                    }
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
