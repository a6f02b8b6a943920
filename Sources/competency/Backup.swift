import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Copy a tenant's store (SQLite's online backup) and archive into a folder, while the daemon runs.",
            discussion: """
                The store is copied from a read-only connection as one consistent snapshot; the \
                archive's files are copied incrementally (a file already in the folder with the same \
                SHA-256 is skipped). Every file is fsynced; manifest.json is written last.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant, e.g. retail-jp.") var tenant: String
        @Option(name: .long, help: "The backup folder (created if needed; one per tenant).") var to: String

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                let configuration = try desk.tenant(named: tenant)
                let folder = URL(fileURLWithPath: to)
                let summary = try TenantBackup.backup(configuration, to: folder, now: now)
                print(
                    "Backed up \(configuration.id) to \(folder.path): the store, and \(summary.copied) archived file\(summary.copied == 1 ? "" : "s") copied (\(summary.bytesCopied) bytes), \(summary.skipped) already there."
                )
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a tenant's store and archive back from a backup folder (the daemon stopped).",
            discussion: """
                Refused while competencyd answers on its control socket. Run as root or the daemon's \
                user. The store is written beside the live one, fsynced and renamed into place; \
                archived files whose bytes differ are copied back. Files in the archive that the \
                backup does not have are kept: competencyd re-ingests any the restored store does not know.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant, e.g. retail-jp.") var tenant: String
        @Option(name: .long, help: "The backup folder made by competency backup.") var from: String

        func run() throws {
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let configuration = try desk.tenant(named: tenant)
                guard desk.writesDirectly(configuration) else {
                    throw DeskError.notAllowed(
                        "restore writes tenant \(configuration.id)'s store and archive, which only root or the daemon's user (the owner of \(configuration.store.deletingLastPathComponent().path)) may do; nothing was changed"
                    )
                }
                let summary = try TenantBackup.restore(
                    configuration, from: URL(fileURLWithPath: from), configuration: desk.configuration)
                print(
                    "Restored \(configuration.id) from \(from): the store, and \(summary.copied) archived file\(summary.copied == 1 ? "" : "s") copied, \(summary.skipped) already in place"
                        + (summary.extra > 0
                            ? "; \(summary.extra) file\(summary.extra == 1 ? "" : "s") in the archive not in the backup kept (competencyd re-ingests any original the store does not know)."
                            : ".")
                )
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a tenant's archive against its store: every recorded file present with its hash, every original recorded.",
            discussion: "Exit 0 when all is well; 1 with every problem listed, one per line (or in the JSON).")

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant, e.g. retail-jp.") var tenant: String
        @Flag(name: .long, help: "One JSON object on stdout.") var json = false

        func run() throws {
            var clean = true
            try reporting {
                let (desk, _) = try options.desk(naming: tenant)
                let configuration = try desk.tenant(named: tenant)
                let result = try TenantBackup.verify(configuration, desk: desk)
                clean = result.isClean
                if json {
                    printJSON(result.json)
                } else {
                    for problem in result.problems {
                        print("\(problem.kind): \(problem.file): \(problem.detail)")
                    }
                    print(
                        "\(result.tenant): \(result.recordedFiles) recorded file\(result.recordedFiles == 1 ? "" : "s"), \(result.archivedFiles) archived original\(result.archivedFiles == 1 ? "" : "s"), "
                            + (clean
                                ? "all present and intact."
                                : "\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")."))
                }
            }
            if !clean {
                warn("the archive of \(tenant) does not match its store (see above)")
                throw ExitCode(1)
            }
        }
    }
}
