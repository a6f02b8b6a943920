import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Quarantine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Files the daemon could not take as mail: list, show, retry, purge.",
            discussion: """
                Quarantined files are kept in Archive/<tenant>/quarantine/ with a .reason.txt each. \
                retry and purge change the archive, so the daemon carries them out for reviewers \
                (root and the daemon's user act directly); both are recorded in Archive/<tenant>/quarantine.log.
                """,
            subcommands: [List.self, ShowFile.self, Retry.self, Purge.self])

        @OptionGroup var options: GlobalOptions
    }
}

extension Competency.Quarantine {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each quarantined file: when, size, reason.")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "Only this tenant.") var tenant: String?
        @Flag(name: .long, help: "One JSON array on stdout.") var json = false

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let (files, skipped) = try desk.quarantine(tenant: tenant)
                for problem in skipped { warn("skipped: \(problem)") }
                if json {
                    printJSON(
                        .array(
                            files.map { file in
                                .object([
                                    ("tenant", .string(file.tenant)), ("name", .string(file.entry.name)),
                                    ("quarantined_at", file.entry.quarantinedAt.map(JSONValue.string) ?? .null),
                                    ("size", .number(Double(file.entry.size))),
                                    ("reason", file.entry.reason.map(JSONValue.string) ?? .null),
                                ])
                            }))
                    return
                }
                if files.isEmpty {
                    print("Nothing in quarantine.")
                    return
                }
                for file in files {
                    let entry = file.entry
                    print(
                        SafeText.escapingControls(
                            "\(file.tenant)  \(entry.name)  \(entry.quarantinedAt ?? "?")  \(entry.size) bytes  \(entry.reason ?? "(no reason file)")"
                        ))
                }
            }
        }
    }

    struct ShowFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "The reason file and the first bytes of one quarantined file, escaped.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A name from 'competency quarantine list'.") var name: String
        @Option(name: .long, help: "The tenant (else the one whose quarantine has NAME).") var tenant: String?
        @Option(name: .long, help: "How many bytes of the file to show.") var bytes = 2048

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let (found, entry) = try desk.quarantined(name, tenant: tenant)
                let folder = QuarantineFolder(archiveRoot: found.archive)
                print("tenant: \(found.id)")
                print("name: \(entry.name)")
                print("size: \(entry.size) bytes\(entry.isRegularFile ? "" : " (not a regular file)")")
                print("--- reason")
                print(
                    SafeText.escapingControls(entry.reasonText ?? "(no reason file)", keepingLineBreaks: true),
                    terminator: "")
                let head: [UInt8]
                do throws(QuarantineFolder.Problem) {
                    head = try folder.head(of: entry, limit: max(0, min(bytes, 1 << 20)))
                } catch {
                    throw DeskError.quarantine(error)
                }
                print("--- first \(head.count) bytes (other than printable ASCII as \\xNN)")
                print(QuarantineFolder.escapedText(head))
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a quarantined file back into the tenant's inbox, after fixing the cause.",
            discussion: "Each content is retried at most \(QuarantineFolder.maxRetries) times unless --force.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A name from 'competency quarantine list'.") var name: String
        @Option(name: .long, help: "The tenant (else the one whose quarantine has NAME).") var tenant: String?
        @Flag(name: .long, help: "Retry past the limit.") var force = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                let (found, _) = try desk.quarantined(name, tenant: tenant)
                print(try desk.submit(.quarantineRetry(tenant: found.id, file: name, force: force), now: now))
            }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove quarantined files for good (who, when, which file, its SHA-256 and size are recorded).")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A name from 'competency quarantine list'.") var name: String?
        @Option(name: .long, help: "The tenant (required with --all).") var tenant: String?
        @Flag(name: .long, help: "Every file in the tenant's quarantine.") var all = false

        func validate() throws {
            if all && name != nil { throw ValidationError("give a NAME or --all, not both") }
            if !all && name == nil { throw ValidationError("give the NAME of a quarantined file, or --all --tenant T") }
            if all && tenant == nil { throw ValidationError("--all needs --tenant T") }
        }

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                let target: String
                if let name {
                    target = try desk.quarantined(name, tenant: tenant).0.id
                } else {
                    target = try desk.tenant(named: tenant ?? "").id
                }
                print(try desk.submit(.quarantinePurge(tenant: target, file: name), now: now))
            }
        }
    }
}
