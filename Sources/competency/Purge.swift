import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Remove the archived originals and personal data of submissions finished before a date (retention).",
            discussion: """
                Takes answered, closed and ignored submissions on which nothing has happened since DATE \
                (the start of that day in the tenant's time zone) and no open revision depends on. \
                Their originals are removed and the personal fields blanked; the SLA facts stay, and \
                an audit record (which, how many files, who, when) is kept. Carried out by the daemon \
                for reviewers (only what the tenant's retention: closed_days: allows); root and the \
                daemon's user act directly. --dry-run changes nothing and lists what would go; \
                --audit lists every purge made.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant, e.g. retail-jp.") var tenant: String
        @Option(name: .long, help: "Purge what finished before this date (YYYY-MM-DD, the tenant's local time).")
        var before: String?
        @Flag(name: .long, help: "List what would be purged; change nothing.") var dryRun = false
        @Flag(name: .long, help: "List every purge made (the audit record) instead; change nothing.") var audit = false
        @Flag(name: .long, help: "With --audit: one JSON array on stdout.") var json = false

        func validate() throws {
            if audit {
                guard before == nil, !dryRun else {
                    throw ValidationError("--audit lists past purges; it takes no --before or --dry-run")
                }
            } else {
                guard before != nil else {
                    throw ValidationError("give the cut-off: --before YYYY-MM-DD (or --audit to list past purges)")
                }
                guard !json else { throw ValidationError("--json goes with --audit") }
            }
        }

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: tenant)
                let configuration = try desk.tenant(named: tenant)
                if audit {
                    let report = try RetentionPurge.audit(configuration, desk: desk)
                    if json { printJSON(report.json) } else { print(report.text, terminator: "") }
                    return
                }
                let before = self.before ?? ""
                _ = try RetentionPurge.cutoff(before, for: configuration)
                if dryRun {
                    guard let store = try desk.store(for: configuration, access: .read) else {
                        print("Nothing stored for \(configuration.id) yet: nothing would be purged.")
                        return
                    }
                    let plan = try RetentionPurge.plan(configuration, store: store, before: before)
                    print(
                        "Would purge \(plan.candidates.count) submission\(plan.candidates.count == 1 ? "" : "s") of \(plan.tenant) finished before \(plan.before) (\(plan.fileCount) archived file\(plan.fileCount == 1 ? "" : "s")); nothing was changed."
                    )
                    for candidate in plan.candidates {
                        print(
                            "  \(plan.tenant)-\(candidate.number)  \(candidate.archivePaths.count) file\(candidate.archivePaths.count == 1 ? "" : "s")"
                        )
                    }
                    return
                }
                let request = DeskRequest.purge(tenant: configuration.id, before: before)
                if desk.writesDirectly(configuration) {
                    print(try DeskRequests.perform(request, by: .current(), on: desk, now: now).message)
                } else {
                    let reply = try ControlClient.send(request, to: desk.configuration.daemon.controlSocket)
                    guard reply.ok else { throw DeskError.remote(reply.message, exitCode: reply.exit) }
                    print(reply.message)
                }
            }
        }
    }
}
