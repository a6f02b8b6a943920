import DeskConfig
import DeskCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A change someone asks the desk to make: one case per command that changes
/// something (`note` today; `assign`, `respond`, `schedule` join here).
///
/// Every change goes through `DeskRequests.perform`, whichever way it arrives: from
/// a reviewer through the daemon's control socket (`ControlServer`), or from root or
/// the daemon's own user running the CLI, which acts on the store directly with the
/// same code. One place decides who may, and one place does it.
public enum DeskRequest: Sendable, Equatable {
    /// Add a note to a submission; the author is the caller as the kernel names them.
    case note(submission: String, text: String)
    /// Close what is not a submission at all (spam, a question): SLA `none`.
    case close(submission: String, reason: String)
    /// Send the drafted first response (`body`: the reviewer's edited text, else the draft).
    case respond(submission: String, again: Bool, body: String?)
    /// Assign a reviewer from the tenant's pool; `force` overrides the rules (recorded).
    case assign(submission: String, reviewer: String, force: Bool)
    /// Book, move or cancel the review (`at`: ISO 8601; nil: the first free slot).
    case schedule(submission: String, at: String?, reviewer: String?, cancel: Bool)
    /// Put a quarantined file back into the tenant's inbox (`force`: past the retry limit).
    case quarantineRetry(tenant: String, file: String, force: Bool)
    /// Remove quarantined files for good, with an audit record (`file` nil: every one).
    case quarantinePurge(tenant: String, file: String?)
    /// Remove the archived originals and personal data of the tenant's submissions
    /// finished before `before` (`YYYY-MM-DD`), keeping the SLA facts (retention).
    case purge(tenant: String, before: String)

    /// The submission the request is about (its tenant decides who may make it);
    /// for a request about a tenant's quarantine, the tenant.
    public var submissionID: String {
        switch self {
        case .note(let id, _), .close(let id, _), .respond(let id, _, _), .assign(let id, _, _), .schedule(let id, _, _, _): return id
        case .quarantineRetry(let tenant, _, _), .quarantinePurge(let tenant, _): return tenant
        case .purge(let tenant, _): return tenant
        }
    }

    /// The tenant named by a request about a tenant rather than a submission.
    public var tenantID: String? {
        switch self {
        case .quarantineRetry(let tenant, _, _), .quarantinePurge(let tenant, _): return tenant
        default: return nil
        }
    }
}

/// What a performed request did, for the caller's terminal and for scripts.
public enum DeskOutcome: Sendable, Equatable {
    case noted(submission: String, author: String, at: Date)
    case closed(submission: String, by: String)
    case responded(submission: String, kind: String, to: [String], first: Bool, timing: String, delivery: String)
    case assigned(submission: String, reviewer: String, by: String, forced: String?)
    case scheduled(submission: String, summary: String)
    case quarantineRetried(tenant: String, file: String, inboxName: String, retry: Int)
    case quarantinePurged(tenant: String, files: [String], by: String)
    case purged(RetentionPurge.Result, by: String)

    /// One line for the person who asked.
    public var message: String {
        switch self {
        case .noted(let id, let author, _): return "Note added to \(id) by \(author)."
        case .closed(let id, let who): return "\(id) closed by \(who); it has no SLA from now on."
        case .scheduled(_, let summary): return summary
        case .quarantineRetried(let tenant, let file, let inboxName, let retry):
            return
                "\(file) put back into \(tenant)'s inbox as new/\(inboxName) ("
                + (retry > QuarantineFolder.maxRetries
                    ? "retry \(retry), past the limit of \(QuarantineFolder.maxRetries) (--force)"
                    : "retry \(retry) of \(QuarantineFolder.maxRetries)") + "); the daemon ingests it now."
        case .quarantinePurged(let tenant, let files, let who):
            if files.isEmpty { return "Nothing to purge: \(tenant)'s quarantine is empty." }
            return "Purged from \(tenant)'s quarantine by \(who) (recorded in quarantine.log): \(files.joined(separator: ", "))."
        case .purged(let result, _): return result.message
        case .assigned(let id, let reviewer, let who, let forced):
            return "\(id) assigned to \(reviewer) by \(who)" + (forced.map { ", despite: \($0)" } ?? "") + "."
        case .responded(let id, let kind, let to, let first, let timing, let delivery):
            let what =
                kind == "information-request"
                ? "Information request" : kind == "scheduling-notice" ? "Scheduling notice" : "Document request"
            let sla = first ? "first response recorded \(timing); the SLA is met" : "a further response (the SLA was already met)"
            return "\(what) for \(id) to \(to.joined(separator: ", ")): \(delivery); \(sla)."
        }
    }
}

/// Who is asking, as the operating system knows them *now*: for a socket peer the
/// kernel's `SO_PEERCRED` uid and gid, with the groups `getgrouplist` gives for that
/// user (not whatever groups the client process claims or carries).
public struct DeskCaller: Sendable, Equatable {
    public let uid: uid_t
    public let gid: gid_t
    /// The user's login name, or `uid-N` when the system has no entry for the uid.
    public let name: String
    /// Every group the user belongs to, the primary group included.
    public let groups: [gid_t]

    public init(uid: uid_t, gid: gid_t, name: String, groups: [gid_t]) {
        self.uid = uid
        self.gid = gid
        self.name = name
        self.groups = groups
    }

    /// The user `uid` with primary group `gid`, looked up in the system's user and group databases.
    public static func lookUp(uid: uid_t, gid: gid_t) -> DeskCaller {
        guard let name = userName(uid) else {
            // No passwd entry: no supplementary groups can be known, only what the kernel said.
            return DeskCaller(uid: uid, gid: gid, name: "uid-\(uid)", groups: [gid])
        }
        return DeskCaller(uid: uid, gid: gid, name: name, groups: groupList(of: name, primary: gid))
    }

    /// The user running this process (its effective ids).
    public static func current() -> DeskCaller { lookUp(uid: geteuid(), gid: getegid()) }

    static func userName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    static func groupList(of name: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(name, primary, &groups, &found) >= 0 {
                return Array(groups.prefix(Int(found)))
            }
            // -1: too small; `found` now holds the size needed (bounded: NGROUPS_MAX is 65536).
            guard found > count, found <= 65_536 else { return [primary] }
            count = found
        }
    }
}

/// Carries out `DeskRequest`s: the one place that decides who may change a tenant
/// and then makes the change.
public enum DeskRequests {
    /// Whether `caller` may change `tenant`: root; the daemon's own user
    /// (`daemonUser`); anyone when the tenant has no `access_group` (then the
    /// control socket's mode is the gate); else members of that group.
    public static func mayChange(_ tenant: TenantConfiguration, caller: DeskCaller, daemonUser: uid_t) -> Bool {
        if caller.uid == 0 || caller.uid == daemonUser { return true }
        guard let group = tenant.accessGroup else { return true }
        return caller.groups.contains(group)
    }

    /// Checks that `caller` may, then performs `request` on `desk`'s stores.
    public static func perform(
        _ request: DeskRequest, by caller: DeskCaller, on desk: Desk, now: Date, daemonUser: uid_t = geteuid()
    ) throws(DeskError) -> DeskOutcome {
        if case .purge(let name, let before) = request {
            return try purge(tenant: name, before: before, by: caller, on: desk, now: now, daemonUser: daemonUser)
        }
        let id = request.submissionID
        if let name = request.tenantID {
            let tenant = try desk.tenant(named: name)
            guard mayChange(tenant, caller: caller, daemonUser: daemonUser) else {
                throw .notAllowed(
                    "\(caller.name) may not change tenant \(tenant.id): not a member of its access group (gid \(tenant.accessGroup.map { "\($0)" } ?? "-")); nothing was changed"
                )
            }
            return try performOnQuarantine(request, of: tenant, by: caller, now: now)
        }
        guard let (tenant, _) = desk.configuration.resolve(submissionID: id) else {
            // Unknown or disabled tenant: the same words a reader gets.
            _ = try desk.submission(id, now: now)
            throw .unknownSubmission(id, knownTenants: desk.configuration.tenants.map(\.id))
        }
        guard mayChange(tenant, caller: caller, daemonUser: daemonUser) else {
            throw .notAllowed(
                "\(caller.name) may not change tenant \(tenant.id): not a member of its access group (gid \(tenant.accessGroup.map { "\($0)" } ?? "-")); nothing was changed"
            )
        }
        switch request {
        case .note(let id, let text):
            let note = try desk.addNote(to: id, text: text, author: caller.name, now: now)
            return .noted(submission: id, author: note.author, at: Date(timeIntervalSince1970: note.at))
        case .close(let id, let reason):
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw .badArgument("give the reason: --reason \"spam\"") }
            let (view, store) = try desk.submission(id, now: now, access: .write)
            let closed: Bool
            do {
                closed = try store.closeSubmission(view.record.number ?? 0, reason: trimmed, by: caller.name, at: now)
            } catch {
                throw .failed(error.description)
            }
            guard closed else { throw .badArgument("\(id) is already closed (\(view.record.ignoredReason ?? "superseded"))") }
            return .closed(submission: id, by: caller.name)
        case .respond(let id, let again, let body):
            return try desk.respond(id, by: caller.name, again: again, body: body, now: now)
        case .assign(let id, let name, let force):
            return try desk.assign(id, to: name, by: caller.name, force: force, now: now)
        case .schedule(let id, let at, let reviewer, let cancel):
            return try desk.schedule(id, at: at, reviewer: reviewer, cancel: cancel, by: caller.name, now: now)
        case .purge(let name, let before):
            // Taken before the submission lookup above; here only for completeness.
            return try purge(tenant: name, before: before, by: caller, on: desk, now: now, daemonUser: daemonUser)
        case .quarantineRetry, .quarantinePurge:
            throw .failed("a quarantine request without its tenant")  // handled above
        }
    }

    /// `retry` and `purge` on the tenant's quarantine (`QuarantineFolder`); the
    /// caller is already known to be allowed.
    static func performOnQuarantine(
        _ request: DeskRequest, of tenant: TenantConfiguration, by caller: DeskCaller, now: Date
    ) throws(DeskError) -> DeskOutcome {
        let quarantine = QuarantineFolder(archiveRoot: tenant.archive)
        do {
            switch request {
            case .quarantineRetry(_, let file, let force):
                let done = try quarantine.retry(file, tenant: tenant.id, into: tenant.inbox, by: caller, force: force, at: now)
                return .quarantineRetried(tenant: tenant.id, file: done.file, inboxName: done.inboxName, retry: done.retry)
            case .quarantinePurge(_, let file):
                let names = try file.map { [$0] } ?? quarantine.entries().map(\.name)
                var purged: [String] = []
                for name in names { purged.append(try quarantine.purge(name, tenant: tenant.id, by: caller, at: now).file) }
                return .quarantinePurged(tenant: tenant.id, files: purged, by: caller.name)
            default:
                throw DeskError.failed("not a quarantine request")
            }
        } catch let problem as QuarantineFolder.Problem {
            throw DeskError.quarantine(problem)
        } catch let error as DeskError {
            throw error
        } catch {
            throw DeskError.failed("\(error)")
        }
    }

    /// A retention purge. Root and the daemon's user may purge up to any date (an
    /// erasure request); a member of the tenant's access group only what the tenant's
    /// `retention.closed_days` allows, and nothing when it sets no retention period.
    static func purge(
        tenant name: String, before: String, by caller: DeskCaller, on desk: Desk, now: Date, daemonUser: uid_t
    ) throws(DeskError) -> DeskOutcome {
        let tenant = try desk.tenant(named: name)
        guard mayChange(tenant, caller: caller, daemonUser: daemonUser) else {
            throw .notAllowed(
                "\(caller.name) may not purge tenant \(tenant.id): not a member of its access group; nothing was changed")
        }
        let (day, _) = try RetentionPurge.cutoff(before, for: tenant)
        if caller.uid != 0 && caller.uid != daemonUser {
            guard let latest = RetentionPurge.latestAllowedCutoff(tenant, now: now) else {
                throw .notAllowed(
                    "tenant \(tenant.id) sets no retention period (retention: closed_days: in \(tenant.sourceFile.path)); only root or the daemon's user may purge it; nothing was changed")
            }
            guard !(latest < day) else {
                throw .notAllowed(
                    "tenant \(tenant.id) keeps finished submissions \(tenant.retention.closedDays ?? 0) days: --before may be at most \(latest.iso) for \(caller.name) (root or the daemon's user may purge later ones); nothing was changed")
            }
        }
        guard let store = try desk.store(for: tenant, access: .write) else {
            return .purged(
                RetentionPurge.Result(tenant: tenant.id, before: day.iso, ids: [], filesRemoved: 0, bytesRemoved: 0), by: caller.name)
        }
        let result = try RetentionPurge.perform(tenant, store: store, before: before, by: caller.name, now: now)
        return .purged(result, by: caller.name)
    }
}

// MARK: - The wire form (one JSON object per line; PRODUCT.md §9, docs/PERMISSIONS.md)

/// A request as it travels over the control socket.
struct RequestEnvelope: Codable, Equatable {
    static let currentVersion = 1
    var version: Int
    var command: String
    var id: String?
    var text: String?
    var reason: String?
    var again: Bool?
    var reviewer: String?
    var force: Bool?
    var at: String?
    var cancel: Bool?
    var body: String?
    var tenant: String?
    var file: String?
    var before: String?

    init(_ request: DeskRequest) {
        version = Self.currentVersion
        switch request {
        case .note(let id, let text):
            command = "note"
            self.id = id
            self.text = text
        case .close(let id, let reason):
            command = "close"
            self.id = id
            self.reason = reason
        case .respond(let id, let again, let body):
            command = "respond"
            self.id = id
            self.again = again
            self.body = body
        case .assign(let id, let reviewer, let force):
            command = "assign"
            self.id = id
            self.reviewer = reviewer
            self.force = force
        case .schedule(let id, let at, let reviewer, let cancel):
            command = "schedule"
            self.id = id
            self.at = at
            self.reviewer = reviewer
            self.cancel = cancel
        case .quarantineRetry(let tenant, let file, let force):
            command = "quarantine-retry"
            self.tenant = tenant
            self.file = file
            self.force = force
        case .quarantinePurge(let tenant, let file):
            command = "quarantine-purge"
            self.tenant = tenant
            self.file = file
        case .purge(let tenant, let before):
            command = "purge"
            self.tenant = tenant
            self.before = before
        }
    }

    /// The request, or the reason it is not one.
    func request() throws(DeskError) -> DeskRequest {
        guard version == Self.currentVersion else {
            throw .badArgument(
                "request version \(version) is not understood (this daemon speaks \(Self.currentVersion)); use the competency command of the same release"
            )
        }
        switch command {
        case "note":
            guard let id, let text else { throw .badArgument("a note request needs \"id\" and \"text\"") }
            return .note(submission: id, text: text)
        case "close":
            guard let id, let reason else { throw .badArgument("a close request needs \"id\" and \"reason\"") }
            return .close(submission: id, reason: reason)
        case "respond":
            guard let id else { throw .badArgument("a respond request needs \"id\"") }
            return .respond(submission: id, again: again ?? false, body: body)
        case "assign":
            guard let id, let reviewer else { throw .badArgument("an assign request needs \"id\" and \"reviewer\"") }
            return .assign(submission: id, reviewer: reviewer, force: force ?? false)
        case "schedule":
            guard let id else { throw .badArgument("a schedule request needs \"id\"") }
            return .schedule(submission: id, at: at, reviewer: reviewer, cancel: cancel ?? false)
        case "quarantine-retry":
            guard let tenant, let file else { throw .badArgument("a quarantine-retry request needs \"tenant\" and \"file\"") }
            return .quarantineRetry(tenant: tenant, file: file, force: force ?? false)
        case "quarantine-purge":
            guard let tenant else { throw .badArgument("a quarantine-purge request needs \"tenant\"") }
            return .quarantinePurge(tenant: tenant, file: file)
        case "purge":
            guard let tenant, let before else { throw .badArgument("a purge request needs \"tenant\" and \"before\"") }
            return .purge(tenant: tenant, before: before)
        default:
            throw .badArgument("unknown request \"\(SafeText.escapingControls(command))\"")
        }
    }
}

/// The daemon's answer, as it travels over the control socket.
public struct ReplyEnvelope: Codable, Equatable, Sendable {
    public var ok: Bool
    /// The line to show the person who asked (success or refusal).
    public var message: String
    /// The exit status the command ends with (0 on success).
    public var exit: Int32
    /// For a note: who the daemon recorded as its author.
    public var author: String?

    init(outcome: DeskOutcome) {
        ok = true
        message = outcome.message
        exit = 0
        switch outcome {
        case .noted(_, let author, _): self.author = author
        case .closed(_, let who): self.author = who
        case .responded: self.author = nil
        case .assigned(_, _, let who, _): self.author = who
        case .scheduled, .quarantineRetried: self.author = nil
        case .quarantinePurged(_, _, let who): self.author = who
        case .purged(_, let who): self.author = who
        }
    }

    init(error: DeskError) {
        ok = false
        message = error.description
        exit = error.exitCode
    }
}
