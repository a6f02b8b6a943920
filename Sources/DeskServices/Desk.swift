import DeskConfig
import DeskCore
import DeskInbox
import DeskStore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What the reviewers' CLI can do, over every configured tenant.
///
/// Each tenant's store is opened on first use, so one tenant's unreadable store
/// (another office's, protected by the operating system) never blocks the others.
public final class Desk: @unchecked Sendable {
    // @unchecked: `stores` is only touched from the caller's thread (the CLI is single-threaded).
    public let configuration: DeskConfiguration
    private var stores: [String: SubmissionStore] = [:]

    public init(configuration: DeskConfiguration) {
        self.configuration = configuration
    }

    /// A Desk for one tenant around a store already open for writing: the daemon's
    /// own (`TenantService`), so what it sends goes through the same code as a
    /// reviewer's `respond` and `schedule`, on the same connection.
    init(tenant: TenantConfiguration, daemon: DaemonConfiguration, store: SubmissionStore) {
        self.configuration = DeskConfiguration(
            file: tenant.sourceFile, daemon: daemon, tenants: [tenant])
        self.stores = [tenant.id: store]
    }

    public func tenant(named name: String) throws(DeskError) -> TenantConfiguration {
        guard let tenant = configuration.tenant(name) else {
            if let failure = configuration.disabledTenant(name) {
                throw .tenantDisabled(name, reason: failure.error.description)
            }
            throw .unknownTenant(name, known: configuration.tenants.map(\.id))
        }
        return tenant
    }

    /// Whether this process changes `tenant`'s store itself rather than asking the
    /// daemon: root, or the owner of the tenant's store folder (the daemon's user:
    /// operators, scripts, `--once` set-ups). Everyone else — reviewers — hands
    /// changes to the daemon (`ControlClient`). Both run `DeskRequests.perform`.
    public func writesDirectly(_ tenant: TenantConfiguration) -> Bool {
        let user = geteuid()
        if user == 0 { return true }
        // The store's folder, or the nearest folder above it that exists yet.
        var folder = tenant.store.deletingLastPathComponent()
        var status = stat()
        while stat(folder.path, &status) != 0 {
            guard folder.path != "/" else { return false }
            folder = folder.deletingLastPathComponent()
        }
        return status.st_uid == user
    }

    /// How a command uses a tenant's store.
    public enum StoreAccess: Sendable {
        /// `queue`, `show`, `history`: read-only; never creates, migrates or writes
        /// the store, and works with the daemon stopped (its `-wal`/`-shm` files stay).
        case read
        /// `note`: writes an existing store (opened read-write, migrated if needed).
        case write
        /// `ingest`: writes, creating the store if it does not exist yet.
        case create
    }

    /// The tenant's store. Reading and writing commands never create it: a
    /// reviewer's command run before the daemon must not make the database with
    /// the reviewer's ownership and permissions; nil then means "nothing stored yet".
    public func store(for tenant: TenantConfiguration, access: StoreAccess) throws(DeskError) -> SubmissionStore? {
        if let store = stores[tenant.id], access == .read || !store.isReadOnly { return store }
        // Reading a tenant means reading its folder; the OS's answer decides.
        if let denied = Self.permissionDenied(tenant) { throw denied }
        if access != .create, !FileManager.default.fileExists(atPath: tenant.store.path) { return nil }
        do {
            let store =
                access == .read
                ? try SubmissionStore.openForReading(tenant: tenant.id, url: tenant.store)
                : try SubmissionStore(tenant: tenant.id, url: tenant.store)
            stores[tenant.id] = store
            return store
        } catch {
            // Only the operating system's refusal is "you may not read"; a damaged or
            // foreign database is the operator's problem, and saying so sends them to it.
            if let denied = Self.permissionDenied(tenant, writing: access != .read) { throw denied }
            let reason: String
            if case .cannotOpen(_, let why) = error { reason = why } else { reason = error.description }
            throw .storeUnavailable(tenant: tenant.id, file: tenant.store.path, reason: reason)
        }
    }

    /// `tenantNotReadable` when the operating system refuses this user the tenant's
    /// store folder or file (or, with `writing`, the write access SQLite's WAL needs).
    /// A reader also needs to read the `-wal` and `-shm` files when they exist.
    static func permissionDenied(_ tenant: TenantConfiguration, writing: Bool = false) -> DeskError? {
        let folder = tenant.store.deletingLastPathComponent().path
        var checks = [
            (folder, R_OK | X_OK | (writing ? W_OK : 0)),
            (tenant.store.path, R_OK | (writing ? W_OK : 0)),
        ]
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: tenant.store.path + suffix) {
            checks.append((tenant.store.path + suffix, R_OK))
        }
        for (path, mode) in checks where access(path, mode) != 0 && (errno == EACCES || errno == EPERM) {
            return .tenantNotReadable(tenant.id, reason: "permission denied on \(path)")
        }
        return nil
    }

    /// Open submissions (or all with `includeClosed`), most urgent deadline first.
    ///
    /// Without a tenant, every tenant the user may read; the others are reported in `skipped`.
    public func queue(tenant name: String?, includeClosed: Bool, now: Date) throws(DeskError) -> (
        views: [SubmissionView], skipped: [DeskError]
    ) {
        let tenants = try name.map { name throws(DeskError) in [try tenant(named: name)] } ?? configuration.tenants
        var views: [SubmissionView] = []
        var skipped: [DeskError] = []
        for tenant in tenants {
            do {
                let records = try store(for: tenant, access: .read)?.submissionSummaries(includeClosed: includeClosed) ?? []
                views += records.map { SubmissionView(record: $0, tenant: tenant, now: now) }
            } catch let error as DeskError {
                if name != nil { throw error }
                skipped.append(error)
            } catch {
                throw .failed("\(error)")
            }
        }
        views.sort(by: Self.moreUrgent)
        return (views, skipped)
    }

    /// The entries assigned to the reviewer `name` (id, OS user, email or name in any
    /// tenant's pool); refused, naming the pools, when nobody is called that.
    public func assignedTo(_ name: String, _ views: [SubmissionView]) throws(DeskError) -> [SubmissionView] {
        var ids: [String: String] = [:]  // tenant → reviewer id
        for tenant in configuration.tenants {
            if let reviewer = tenant.reviewers.first(where: { $0.isNamed(name) }) { ids[tenant.id] = reviewer.id }
        }
        guard !ids.isEmpty else {
            let known = configuration.tenants.flatMap { tenant in tenant.reviewers.map { "\($0.id) (\(tenant.id))" } }
            throw .badArgument(
                "no reviewer \"\(SafeText.escapingControls(name))\" in any tenant's pool"
                    + (known.isEmpty ? " (no tenant has a reviewers: list)" : " (reviewers: \(known.joined(separator: ", ")))"))
        }
        return views.filter { view in ids[view.tenant].map { $0 == view.record.assignee } ?? false }
    }

    /// Nearest deadline first; submissions without an SLA last, newest receipt first among them.
    static func moreUrgent(_ a: SubmissionView, _ b: SubmissionView) -> Bool {
        switch (a.record.deadline, b.record.deadline) {
        case (let x?, let y?) where x != y: return x < y
        case (nil, _?): return false
        case (_?, nil): return true
        case (nil, nil) where a.record.receivedAt != b.record.receivedAt:
            return a.record.receivedAt > b.record.receivedAt
        default:
            return a.record.receivedAt != b.record.receivedAt ? a.record.receivedAt < b.record.receivedAt : a.id < b.id
        }
    }

    /// One submission by its public ID (`retail-jp-42`), from a store opened for
    /// `access` (`.read` unless the caller is about to change it).
    public func submission(_ id: String, now: Date, access: StoreAccess = .read) throws(DeskError) -> (
        view: SubmissionView, store: SubmissionStore
    ) {
        guard let (tenant, number) = configuration.resolve(submissionID: id) else {
            if let failure = configuration.disabledTenants.first(where: { id.hasPrefix($0.tenantID + "-") }) {
                throw .tenantDisabled(failure.tenantID, reason: failure.error.description)
            }
            throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id))
        }
        guard let store = try store(for: tenant, access: access == .read ? .read : .write) else {
            throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id))
        }
        let record: SubmissionRecord?
        do { record = try store.submission(number: Int64(number)) } catch { throw .failed(error.description) }
        guard let record else { throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id)) }
        return (SubmissionView(record: record, tenant: tenant, now: now), store)
    }

    /// The revision before this one, for "what changed".
    public func previousRevision(_ view: SubmissionView, in store: SubmissionStore) throws(DeskError) -> SubmissionRecord? {
        guard let number = view.record.previousNumber else { return nil }
        do { return try store.submission(number: number) } catch { throw .failed(error.description) }
    }

    public func notes(_ view: SubmissionView, in store: SubmissionStore) throws(DeskError) -> [NoteRecord] {
        do { return try store.notes(on: view.record.number ?? 0) } catch { throw .failed(error.description) }
    }

    public func addNote(to id: String, text: String, author: String, now: Date) throws(DeskError) -> NoteRecord {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw .badArgument("the note is empty; write some text, or '-' to read it from stdin")
        }
        let (view, store) = try submission(id, now: now, access: .write)
        do {
            return try store.recordNote(trimmed, on: view.record.number ?? 0, by: author, at: now)
        } catch {
            throw .failed(error.description)
        }
    }

    /// The tenant's partner registry, read now; a file that cannot be read is an error
    /// starting with `failure` (what cannot be done without it), never a guess.
    func partnerRegistry(of tenant: TenantConfiguration, failure: String) throws(DeskError) -> PartnerRegistry {
        switch RegistryCache(url: tenant.registry, logger: Logger(label: "competency")).current() {
        case .success(let registry): return registry
        case .failure(let error): throw .failed("\(failure): \(error.description)")
        }
    }

    public func history(of id: String, now: Date) throws(DeskError) -> (view: SubmissionView, events: [EventRecord]) {
        let (view, store) = try submission(id, now: now)
        do { return (view, try store.events(on: view.record.number ?? 0)) } catch { throw .failed(error.description) }
    }

    /// Stores files through the daemon's pipeline, leaving the originals where they are.
    public func ingest(files: [URL], tenant name: String, actor: String, now: Date) throws(DeskError) -> [(
        URL, Result<IngestPipeline.Outcome, DeskError>
    )] {
        let tenant = try tenant(named: name)
        guard writesDirectly(tenant) else {
            // The daemon alone writes a tenant's store and archive; a reviewer's files go through its inbox.
            throw .notAllowed(
                "ingest writes tenant \(tenant.id)'s store itself, which only root or the daemon's user (the owner of \(tenant.store.deletingLastPathComponent().path)) may do; run it as that user (sudo -u competency competency ingest ...), or copy the files into \(tenant.inbox.path)/new/ for the daemon to take"
            )
        }
        guard let store = try store(for: tenant, access: .create) else {
            throw .failed("cannot open the store of \(tenant.id)")
        }
        let pipeline = IngestPipeline(
            tenant: tenant, store: store, maxMessageBytes: configuration.daemon.maxMessageBytes,
            registry: RegistryCache(url: tenant.registry, logger: Logger(label: "competency")))
        return files.map { url in
            var status = stat()
            guard stat(url.path, &status) == 0 else {
                return (url, .failure(.badArgument("\(url.path): \(String(cString: strerror(errno)))")))
            }
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                return (url, .failure(.badArgument("\(url.path): not a regular file (a folder?); name the files in it")))
            }
            do {
                let entry = try InboxEntry.standalone(url)
                return (url, .success(try pipeline.ingest(entry, removeSource: false, actor: actor, now: now)))
            } catch {
                return (url, .failure(.failed("\(url.path): \(error)")))
            }
        }
    }
}
