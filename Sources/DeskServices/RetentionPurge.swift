import DeskConfig
import DeskCore
import DeskInbox
import DeskStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The retention purge (issue 12, item 9): personal data of finished submissions
/// goes, the SLA statistics stay.
///
/// Contract — reads the store's candidates (`SubmissionStore.purgeCandidates`):
/// answered, closed or ignored submissions on which nothing happened since the
/// cut-off. Removes their archived originals (duplicates' copies included) first,
/// each removal fsynced, then blanks the personal fields and appends the audit
/// record in one transaction (`recordPurge`). A crash between the two leaves rows
/// whose files are gone (`verify` says so) and the next purge finishes them; never
/// personal data believed removed that is still on disk. Removed: the original
/// message files; subject, sender, sender address, Message-ID, Date header,
/// document name and canonical document, thread IDs, problems, check reasons, note
/// texts, review answers (attendees' addresses), the text and recipients of mail
/// already sent about them, and every history detail but the desk's own factual
/// ones. Kept: number, verdict, receipt, due date, deadline, response, closing,
/// partner (a company), program, check statuses, assignee, content hashes (so a
/// re-delivered copy is still recognised), every history entry's kind, time and actor.
public enum RetentionPurge {
    /// What a purge would take, or took.
    public struct Plan: Sendable {
        public var tenant: String
        /// The cut-off as given, `YYYY-MM-DD`.
        public var before: String
        public var candidates: [PurgeCandidate]
        public var fileCount: Int { candidates.reduce(0) { $0 + $1.archivePaths.count } }
        public func ids() -> [String] { candidates.map { "\(tenant)-\($0.number)" } }
    }

    /// The start of `date` (`YYYY-MM-DD`) in the tenant's time zone.
    public static func cutoff(_ date: String, for tenant: TenantConfiguration) throws(DeskError) -> (LocalDate, Date) {
        guard let day = LocalDate(iso: date.trimmingCharacters(in: .whitespaces)) else {
            throw .badArgument("--before \"\(SafeText.escapingControls(date))\" is not a date such as 2026-01-31")
        }
        return (day, tenant.calendar.startOfDay(day))
    }

    /// The submissions of `tenant` a purge with cut-off `before` takes.
    public static func plan(_ tenant: TenantConfiguration, store: SubmissionStore, before: String) throws(DeskError)
        -> Plan
    {
        let (day, instant) = try cutoff(before, for: tenant)
        do {
            return Plan(tenant: tenant.id, before: day.iso, candidates: try store.purgeCandidates(before: instant))
        } catch {
            throw .failed(error.description)
        }
    }

    /// The latest cut-off the tenant's `retention.closed_days` allows at `now`, if set.
    public static func latestAllowedCutoff(_ tenant: TenantConfiguration, now: Date) -> LocalDate? {
        tenant.retention.closedDays.map { tenant.calendar.localDate(of: now).adding(days: -$0) }
    }

    /// What a purge did.
    public struct Result: Sendable, Equatable {
        public var tenant: String
        public var before: String
        public var ids: [String]
        public var filesRemoved: Int
        public var bytesRemoved: Int64
        public var auditID: Int64?

        public var message: String {
            guard let auditID else { return "Nothing in \(tenant) finished before \(before): nothing was purged." }
            return
                "Purged \(ids.count) submission\(ids.count == 1 ? "" : "s") of \(tenant) finished before \(before) (\(ids.joined(separator: ", "))): \(filesRemoved) archived file\(filesRemoved == 1 ? "" : "s") removed, personal data blanked; audit record #\(auditID)."
        }
    }

    /// Carries out the purge: files first, then the store (see the contract above).
    public static func perform(
        _ tenant: TenantConfiguration, store: SubmissionStore, before: String, by actor: String, now: Date
    ) throws(DeskError) -> Result {
        let plan = try plan(tenant, store: store, before: before)
        var result = Result(tenant: tenant.id, before: plan.before, ids: plan.ids(), filesRemoved: 0, bytesRemoved: 0)
        guard !plan.candidates.isEmpty else { return result }
        for candidate in plan.candidates {
            for path in candidate.archivePaths {
                // The store wrote these paths itself; still, never leave the archive.
                guard TenantBackup.isSafeRelativePath(path) else { continue }
                let url = tenant.archive.appendingPathComponent(path)
                var status = stat()
                guard lstat(url.path, &status) == 0 else { continue }
                do {
                    try DurableFile.remove(url)
                } catch {
                    throw .failed(
                        "cannot remove \(url.path) for \(tenant.id)-\(candidate.number): \(error); nothing was blanked yet, run the purge again once fixed"
                    )
                }
                result.filesRemoved += 1
                result.bytesRemoved += Int64(status.st_size)
            }
        }
        do {
            let recorded = try store.recordPurge(
                plan.candidates.map(\.number), filesRemoved: result.filesRemoved, bytesRemoved: result.bytesRemoved,
                before: plan.before, by: actor, at: now)
            result.auditID = recorded?.id
            result.ids = (recorded?.numbers ?? []).map { "\(tenant.id)-\($0)" }
        } catch {
            throw .failed(
                "the archived files were removed but the store could not record the purge (\(error.description)); run the same purge again to finish it"
            )
        }
        return result
    }

    /// The tenant's purge audit record, oldest first: as JSON (an array of `{id, at,
    /// actor, before, submissions, files_removed, bytes_removed}`) and as lines for people.
    public static func audit(_ tenant: TenantConfiguration, desk: Desk) throws(DeskError) -> (
        json: JSONValue, text: String
    ) {
        guard let store = try desk.store(for: tenant, access: .read) else {
            return (.array([]), "No purge recorded for \(tenant.id): nothing is stored yet.\n")
        }
        let records: [PurgeRecord]
        do { records = try store.purges() } catch { throw .failed(error.description) }
        let zone = tenant.timeZone
        let json = JSONValue.array(
            records.map { record in
                .object([
                    ("id", .number(Double(record.id))), ("at", .string(ISO8601.format(record.at, in: zone))),
                    ("actor", .string(record.actor)), ("before", .string(record.before)),
                    ("submissions", .array(record.submissions.map { .string("\(tenant.id)-\($0)") })),
                    ("files_removed", .number(Double(record.filesRemoved))),
                    ("bytes_removed", .number(Double(record.bytesRemoved))),
                ])
            })
        guard !records.isEmpty else { return (json, "No purge recorded for \(tenant.id).\n") }
        var text = ""
        for record in records {
            text +=
                "#\(record.id)  \(ISO8601.format(record.at, in: zone))  by \(record.actor)  before \(record.before): "
                + "\(record.submissions.count) submission\(record.submissions.count == 1 ? "" : "s"), "
                + "\(record.filesRemoved) file\(record.filesRemoved == 1 ? "" : "s") (\(record.bytesRemoved) bytes): "
                + record.submissions.map { "\(tenant.id)-\($0)" }.joined(separator: ", ") + "\n"
        }
        return (json, text)
    }
}
