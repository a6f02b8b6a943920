import DeskConfig
import DeskCore
import DeskInbox
import DeskStore
import Foundation
import Logging
import ServiceLifecycle

/// One tenant's loops: watches its inbox and ingests every complete file that
/// appears, and sweeps its deadlines every `sla_sweep_seconds`.
///
/// Contract — reads: `Inbox/<tenant>/new/` and loose complete files in
/// `Inbox/<tenant>/`. Writes: through `IngestPipeline` (archive, store, inbox
/// removal). Wakes on inotify hints, on a periodic rescan and at start, and
/// always answers with a full directory scan, so no event is load-bearing.
/// Bad input: one file failing never stops the loop; unreadable files are
/// quarantined, environmental failures leave the file for the next pass.
/// Threads: every blocking step (opening, reading, parsing, fsync, SQLite) runs on
/// the tenant's own thread (`TenantWorker`); the async side only waits for each
/// pass, so the cooperative pool stays free for signals and the watchdog.
/// Group commit: a pass cuts the ready files into batches (`IngestBatching`, the
/// `ingest:` settings); reader threads read and parse batch k+1 while this thread
/// commits batch k (`IngestPipeline.commit`: archive copies, one transaction, inbox
/// removals, each folder fsynced once per batch).
/// Shutdown: a stop flag is raised on graceful shutdown or cancellation and read
/// by the readers before each file and between batches: the batch in hand is
/// committed, what was read ahead is dropped (nothing of it was written), then `run()` returns.
/// Progress: each file (and each open and sweep) is reported to `progress`, so a
/// tenant that hangs on one file is seen as stuck (`WatchdogService`).
public struct TenantService: Service {
    let tenant: TenantConfiguration
    let daemon: DaemonConfiguration
    let maxMessageBytes: Int
    let looseFileQuietPeriod: Duration
    let rescanInterval: Duration
    let slaSweepInterval: Duration
    let stuckAfter: Duration
    /// How a pass is cut into group commits, and how many threads read ahead.
    let batching: IngestBatching
    let progress: ProgressMonitor?
    let clock: any DeskClock
    let logger: Logger
    /// Called once, after the start-up scan (or the first failure to start).
    let onStarted: (@Sendable () -> Void)?
    /// Where health, counts and latencies are reported for `status`, metrics and `STATUS=`.
    let board: OperationsBoard?

    public var tenantID: String { tenant.id }

    public init(
        tenant: TenantConfiguration, daemon: DaemonConfiguration, clock: any DeskClock, logger: Logger,
        onStarted: (@Sendable () -> Void)? = nil, progress: ProgressMonitor? = nil, board: OperationsBoard? = nil
    ) {
        self.board = board
        self.onStarted = onStarted
        self.progress = progress
        self.stuckAfter = daemon.stuckAfter
        self.batching = IngestBatching(
            maxFiles: daemon.ingestBatchFiles, maxBytes: Int64(daemon.ingestBatchBytes),
            readers: daemon.ingestReaders ?? IngestBatching.defaultReaders)
        self.tenant = tenant
        self.daemon = daemon
        self.maxMessageBytes = daemon.maxMessageBytes
        self.looseFileQuietPeriod = daemon.looseFileQuietPeriod
        self.rescanInterval = daemon.rescanInterval
        self.slaSweepInterval = daemon.slaSweepInterval
        self.clock = clock
        var logger = logger
        logger[metadataKey: "tenant"] = "\(tenant.id)"
        self.logger = logger
    }

    public func run() async throws {
        let worker = TenantWorker(name: "tenant \(tenant.id)")
        defer { worker.finish() }
        let stop = StopFlag()
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await run(on: worker, until: stop)
            } onGracefulShutdown: {
                stop.raise()
            }
        } onCancel: {
            stop.raise()  // a reload stops this tenant's loops
        }
        logger.info("tenant stopped")
    }

    private func run(on worker: TenantWorker, until stop: StopFlag) async throws {
        // A tenant whose folders or store cannot be opened (or whose inbox folder is a
        // symbolic link) is unhealthy: it retries on its own schedule, logging why,
        // instead of taking the other tenants down with it.
        var reportedStart = false
        while !(stop.isRaised || Task.isCancelled || Task.isShuttingDownGracefully) {
            let opened: (pipeline: IngestPipeline, inbox: InboxFolder)
            do {
                opened = try await worker.perform {
                    try track("opening the inbox and store") { () throws(any Error) in try prepare() }
                }
            } catch {
                if !reportedStart {
                    reportedStart = true
                    onStarted?()  // not ready, but systemd's READY need not wait for it
                }
                board?.unhealthy(tenant.id, "open", reason: "cannot open its inbox, archive or store: \(error)")
                board?.publish()
                logger.error(
                    "tenant unhealthy: not ingesting; retrying",
                    metadata: ["error": "\(error)", "retry.seconds": "\(rescanInterval.components.seconds)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: rescanInterval) }
                continue
            }
            let outcome = try await serve(opened.inbox, with: opened.pipeline, on: worker, until: stop) {
                if !reportedStart {
                    reportedStart = true
                    onStarted?()
                }
            }
            // The store failed under us (a file truncated or replaced, a disk error): the
            // open connections may hold the damaged file, so the tenant is opened afresh
            // (and stays unhealthy, retrying, until it opens): a store restored meanwhile
            // is taken up without a restart.
            if case .storeFailed(let error) = outcome {
                logger.error("tenant unhealthy: its store failed; reopening", metadata: ["error": "\(error)"])
                board?.unhealthy(tenant.id, "open", reason: "the store failed: \(error)")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: rescanInterval) }
                continue
            }
            // The inbox changed under us (a folder replaced): reopen, which refuses links.
            if case .inboxReplaced(let error) = outcome {
                logger.error("tenant unhealthy: inbox folder replaced; reopening", metadata: ["error": "\(error)"])
                board?.unhealthy(tenant.id, "open", reason: "inbox folder replaced: \(error)")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: rescanInterval) }
                continue
            }
            break
        }
    }

    /// One unit of work, reported to the progress monitor while it runs.
    private func track<T, E: Error>(_ what: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard let progress else { return try body() }
        return try progress.track(tenant.id, what, stuckAfter: stuckAfter, body)
    }

    enum ServeOutcome { case stopped, inboxReplaced(InboxError), storeFailed(StoreError) }

    /// Watches and drains one opened inbox until shutdown, or until its folders are replaced.
    private func serve(
        _ inbox: InboxFolder, with pipeline: IngestPipeline, on worker: TenantWorker, until stop: StopFlag,
        started: () -> Void
    ) async throws -> ServeOutcome {
        let (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let watcher: InboxWatcher?
        do {
            watcher = try InboxWatcher(handles: inbox.watchedFolders)
        } catch {
            logger.warning("inotify unavailable; relying on periodic rescans", metadata: ["error": "\(error)"])
            watcher = nil
        }

        // Said only once the watch is in place: from here on no delivery can be missed.
        logger.info(
            "watching inbox",
            metadata: ["inbox": "\(tenant.inbox.path)", "store": "\(tenant.store.path)", "inotify": "\(watcher != nil)"])
        var outcome = ServeOutcome.stopped
        // Raised by the sweep when the store fails; the loop below then reopens the tenant.
        let storeFailure = StoreFailure()
        try await withThrowingDiscardingTaskGroup { group in
            if let watcher {
                group.addTask {
                    // A created name wakes the scan a moment later, not at once: a file written
                    // straight into new/ (not through tmp/) is empty when its name appears, and
                    // its IN_CLOSE_WRITE wakes the scan when it is whole; a Maildir delivery by
                    // link(2) (Postfix) raises IN_CREATE only and is whole already.
                    let delayed = DelayedWakeup()
                    for await hint in watcher.hints() {
                        switch hint {
                        case .overflow:
                            logger.notice("inotify queue overflowed; rescanning")
                            wakeup.yield()
                        case .arrived:
                            wakeup.yield()
                        case .created:
                            if delayed.arm() {
                                Task {
                                    try? await Task.sleep(for: .milliseconds(200))
                                    delayed.disarm()
                                    wakeup.yield()
                                }
                            }
                        }
                    }
                }
            }
            group.addTask {
                // Cancelled when the loop below ends; a cancelled sleep is the normal way out.
                while (try? await Task.sleep(for: rescanInterval)) != nil {
                    wakeup.yield()
                }
            }
            let sweep = SLASweep(tenant: tenant, store: pipeline.store)
            group.addTask {
                // The retention purge runs on the first sweep and then once a local day:
                // its candidates are a scan of the finished submissions, not a per-minute job.
                var retainedOn: LocalDate?
                repeat {
                    do {
                        let entered = try await worker.perform { () throws -> [(String, SLAState)] in
                            if stop.isRaised { return [] }
                            try pipeline.store.verifyFile()
                            return try track("SLA sweep") { try sweep.sweep(at: clock.now()) }
                        }
                        for (id, state) in entered {
                            logger.warning(
                                "SLA state entered", metadata: ["submission.id": "\(id)", "sla": "\(state.rawValue)"])
                        }
                        board?.healthy(tenant.id, "sweep")
                    } catch {
                        logger.error("SLA sweep failed", metadata: ["error": "\(error)"])
                        board?.unhealthy(tenant.id, "sweep", reason: "SLA sweep failed: \(error)")
                        if let error = error as? StoreError, error.isDamage {
                            storeFailure.record(error)
                            wakeup.yield()
                        }
                    }
                    // Then what the desk has to say: the alerts the sweep calls for, and
                    // every message due in the outgoing queue (new, or a retry).
                    do {
                        try await worker.perform {
                            if !stop.isRaised { try track("outgoing mail") { try speak(pipeline, until: { stop.isRaised }) } }
                        }
                    } catch {
                        logger.error("outgoing mail failed; retried on the next sweep", metadata: ["error": "\(error)"])
                    }
                    let today = tenant.calendar.localDate(of: clock.now())
                    if tenant.retention.closedDays != nil, tenant.retention.automatic, retainedOn != today, !stop.isRaised {
                        do {
                            try await worker.perform { _ = try track("retention purge") { try retain(pipeline) } }
                            retainedOn = today
                        } catch {
                            logger.error("retention purge failed; tried again at the next sweep", metadata: ["error": "\(error)"])
                        }
                    }
                    // What the pass leaves, for status, metrics and systemd's STATUS= line.
                    if let board, !stop.isRaised {
                        do {
                            let counts = try await worker.perform { try pipeline.store.operationsCounts() }
                            board.swept(
                                tenant, counts: counts, quarantineFiles: QuarantineFolder(archive: pipeline.archive).count(),
                                slaNow: clock.now())
                        } catch {
                            logger.error("cannot count the store for status and metrics", metadata: ["error": "\(error)"])
                        }
                    }
                } while (try? await Task.sleep(for: slaSweepInterval)) != nil
            }
            wakeup.yield()  // the start-up scan: files that arrived while we were down
            var first = true
            var timedWakeup: Date?
            for await _ in wakeups.cancelOnGracefulShutdown() {
                if stop.isRaised { break }
                let pass: DrainResult
                do {
                    board?.healthy(tenant.id, "open")
                    pass = try await worker.perform { try drain(inbox, with: pipeline, until: { stop.isRaised }) }
                } catch {
                    outcome = .inboxReplaced(error as? InboxError ?? InboxError(folder: tenant.inbox, reason: "\(error)"))
                    break
                }
                if let error = pass.storeFailure ?? storeFailure.recorded {
                    outcome = .storeFailed(error)
                    break
                }
                if first {
                    first = false
                    // Only after the inbox is drained (which finishes interrupted ingests):
                    // what the archive holds and the store does not know is then truly lost.
                    // Not on the way out: the next start does it.
                    if !stop.isRaised { _ = try? await worker.perform { reconcile(pipeline) } }
                    started()
                }
                // A loose file still settling: look again when its quiet period ends.
                if let due = pass.waitingUntil, timedWakeup.map({ due < $0 || $0 <= Date() }) ?? true {
                    timedWakeup = due
                    let delay = max(0.05, due.timeIntervalSince(Date()) + 0.05)
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                        wakeup.yield()
                    }
                }
            }
            group.cancelAll()
        }
        return outcome
    }

    /// Opens the inbox (refusing links) and the archive, and opens the store.
    func prepare() throws -> (IngestPipeline, InboxFolder) {
        let inbox = try InboxFolder(opening: tenant.inbox)
        try DurableFile.createFolder(tenant.archive)
        Self.removeStaleArchiveTemporaries(under: tenant.archive)
        let store = try SubmissionStore(tenant: tenant.id, url: tenant.store)
        // A store cut short (a truncated file, or one restored from a partial copy) is not used.
        try store.verifyFile()
        // The outbox Maildir (PRODUCT.md §8): `Outbox/<tenant>/`, the daemon its only writer.
        var outbox: URL?
        if let mail = tenant.mail, case .outbox(let folder) = mail.transport {
            try DurableFile.createFolder(folder.deletingLastPathComponent())
            try DurableFile.createFolder(folder)
            outbox = folder
        }
        if let group = tenant.accessGroup {
            // The daemon writes, the tenant's group reads: folders 2750, files 0640. Only
            // what is wrong is changed; a failure (e.g. the setgid bit refused under
            // RestrictSUIDSGID=yes) makes this tenant unhealthy, retried (docs/PERMISSIONS.md).
            var report = try TenantAccess.restrict(folder: tenant.archive, to: group)
            if !tenant.store.path.hasPrefix(tenant.archive.path + "/") {
                // A store kept elsewhere: its files only, not a folder others may share.
                for suffix in ["", "-wal", "-shm"] {
                    report.add(try TenantAccess.restrict(file: URL(fileURLWithPath: tenant.store.path + suffix), to: group))
                }
            }
            if let outbox { report.add(try TenantAccess.restrict(folder: outbox, to: group)) }
            let place: Logger.Metadata = ["archive": "\(tenant.archive.path)", "access.group": "\(group)"]
            if report.changed > 0 {
                logger.notice(
                    "fixed \(report.changed) modes: group-readable, daemon-written (folders 2750, files 0640)",
                    metadata: place.merging(["changed": "\(report.changed)", "examined": "\(report.examined)"]) { $1 })
            }
            if report.notOwned > 0 {
                logger.warning(
                    "left \(report.notOwned) wrong entries alone: another user owns them; fix them as root",
                    metadata: place.merging(["examples": "\(report.notOwnedExamples.joined(separator: ", "))"]) { $1 })
            }
            if let cut = report.cutShort {
                logger.warning("permission check cut short: \(cut)", metadata: place)
            }
        }
        logger.debug("tenant ready", metadata: ["inbox": "\(tenant.inbox.path)", "store": "\(tenant.store.path)"])
        let pipeline = IngestPipeline(
            tenant: tenant, store: store, maxMessageBytes: maxMessageBytes,
            registry: RegistryCache(url: tenant.registry, logger: logger))
        let backfilled = try pipeline.backfillBodyHashes()
        if backfilled > 0 {
            logger.notice("body hashes recorded for submissions stored before schema v3", metadata: ["count": "\(backfilled)"])
        }
        return (pipeline, inbox)
    }

    /// What one pass over the inbox did.
    public struct DrainResult: Sendable {
        public var handled = 0
        /// When a loose file still inside its quiet period may be taken.
        public var waitingUntil: Date?
        /// The names of loose files still inside their quiet period.
        public var waiting: [String] = []
        /// The store failed during the pass: the tenant should be opened afresh.
        public var storeFailure: StoreError?
    }

    /// Ingests every pending file; stops between files when shutdown begins. Throws
    /// only when the inbox's folders were replaced since they were opened.
    /// `shouldStop` is read between files (the default: this task is shutting down).
    @discardableResult
    public func drain(
        _ inbox: InboxFolder, with pipeline: IngestPipeline,
        until shouldStop: @escaping @Sendable () -> Bool = { Task.isShuttingDownGracefully || Task.isCancelled }
    ) throws(InboxError) -> DrainResult {
        try inbox.verify()
        var result = DrainResult()
        // A store whose file was cut short or replaced under it must not take files:
        // they would be committed into a log whose database is gone. Checked before
        // the pass and again before each batch (the store may be damaged mid-pass).
        func storeIsWhole() -> Bool {
            do {
                try pipeline.store.verifyFile()
                return true
            } catch {
                logger.error("the store's file changed under the daemon; not ingesting", metadata: ["error": "\(error)"])
                board?.unhealthy(tenant.id, "ingest", reason: "\(error)")
                result.storeFailure = error
                return false
            }
        }
        guard storeIsWhole() else { return result }
        // File times are the file system's: compared with the real time, never with a
        // test's or a what-if query's COMPETENCY_NOW.
        let scan = inbox.scan(now: Date(), quietPeriod: looseFileQuietPeriod)
        result.waitingUntil = scan.waitingUntil
        result.waiting = scan.waiting.map(\.name)
        for name in result.waiting {
            logger.debug("loose file still changing; taken once it stands still", metadata: ["inbox.file": "\(name)"])
        }
        for refused in scan.refused {
            if shouldStop() { return result }
            var metadata: Logger.Metadata = ["inbox.file": "\(refused.entry.name)", "reason": "\(refused.reason)"]
            do {
                let destination = try track(refused.entry.name) {
                    try pipeline.archive.quarantine(refused.entry, reason: refused.reason, at: clock.now())
                }
                metadata["quarantine.file"] = "\(destination.path)"
                logger.error("quarantined", metadata: metadata)
                board?.quarantined(tenant.id)
                announceQuarantine(pipeline, file: destination, reason: refused.reason)
            } catch {
                metadata["error"] = "\(error)"
                logger.error("refused to read an inbox entry and could not move it aside", metadata: metadata)
            }
        }
        var failure: String?
        // Group commit: batches of ready files, each read and parsed by the reader
        // threads while the previous batch is committed on this (the tenant's) thread.
        let batches = batching.batches(scan.ready)
        if batches.isEmpty || shouldStop() {
            if batches.isEmpty { board?.healthy(tenant.id, "ingest") }
            return result
        }
        // One file alone (the steady state: mail arriving one by one) is read here, at once.
        let readers = scan.ready.count > 1 ? IngestReaders(threads: batching.readers, name: "tenant \(tenant.id)") : nil
        defer { readers?.finish() }
        let prepare: @Sendable (InboxEntry, Date) throws -> IngestPipeline.PreparedFile = { entry, now in
            if shouldStop() { throw CancellationError() }
            return try pipeline.prepare(entry, actor: "competencyd", now: now)
        }
        // When each batch began to be read: its files' ingest latency counts from there.
        var readingStarted = ContinuousClock.now
        func startReading(_ batch: ArraySlice<InboxEntry>) -> IngestReaders.Pending? {
            let now = clock.now()
            readingStarted = ContinuousClock.now
            return readers?.prepare(batch) { try prepare($0, now) }
        }
        var ahead = startReading(batches[0])
        for (number, batch) in batches.enumerated() {
            let now = clock.now()
            if ahead == nil { readingStarted = ContinuousClock.now }
            let started = readingStarted
            // What a stuck tenant is said to be on: the file, or the batch by its first file.
            let what = batch.count == 1 ? batch.first!.name : "\(batch.count) files from \(batch.first!.name)"
            let prepared = track(what) {
                ahead?.wait() ?? batch.map { entry in Result { try prepare(entry, now) } }
            }
            ahead = number + 1 < batches.count && !shouldStop() ? startReading(batches[number + 1]) : nil
            var ready: [IngestPipeline.PreparedFile] = []
            for (entry, outcome) in zip(batch, prepared) {
                switch outcome {
                case .success(let file): ready.append(file)
                case .failure(let error) where error is CancellationError: continue
                case .failure(let error):
                    // Disk, permissions or database trouble: not the file's fault, so it stays for the next pass.
                    logger.error(
                        "ingest failed; file left in the inbox for the next scan",
                        metadata: ["inbox.file": "\(entry.name)", "bytes": "\(entry.size)", "error": "\(error)"])
                    board?.ingestFailed(tenant.id)
                    failure = "ingest failed (\(entry.name) left in the inbox): \(error)"
                    if let error = error as? StoreError, error.isDamage { result.storeFailure = error }
                }
            }
            guard storeIsWhole() else { return result }
            let outcomes = track(what) {
                pipeline.commit(ready, now: clock.now())
            }
            for (file, outcome) in zip(ready, outcomes) {
                var metadata: Logger.Metadata = ["inbox.file": "\(file.entry.name)", "bytes": "\(file.entry.size)"]
                switch outcome {
                case .success(let outcome):
                    result.handled += 1
                    log(outcome, metadata: &metadata)
                    switch outcome {
                    case .stored, .duplicate:
                        let elapsed = ContinuousClock.now - started
                        board?.ingested(
                            tenant.id,
                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    case .quarantined(let reason, let destination):
                        board?.quarantined(tenant.id)
                        announceQuarantine(pipeline, file: destination, reason: reason)
                    case .resumed, .skipped: break
                    }
                case .failure(let error):
                    metadata["error"] = "\(error)"
                    logger.error("ingest failed; file left in the inbox for the next scan", metadata: metadata)
                    board?.ingestFailed(tenant.id)
                    failure = "ingest failed (\(file.entry.name) left in the inbox): \(error)"
                    if let error = error as? StoreError, error.isDamage { result.storeFailure = error }
                }
            }
            if shouldStop() || result.storeFailure != nil { break }
        }
        if let failure {
            board?.unhealthy(tenant.id, "ingest", reason: failure)
        } else if !shouldStop() {
            board?.healthy(tenant.id, "ingest")
        }
        return result
    }

    private func log(_ outcome: IngestPipeline.Outcome, metadata: inout Logger.Metadata) {
        switch outcome {
        case .stored(let id, let verdict):
            metadata["submission.id"] = "\(id)"
            metadata["verdict"] = "\(verdict)"
            logger.info("stored submission", metadata: metadata)
        case .duplicate(let id):
            metadata["duplicate.of"] = "\(id)"
            logger.info("duplicate archived; no new submission", metadata: metadata)
        case .resumed(let id):
            metadata["submission.id"] = "\(id)"
            logger.notice("finished an ingest interrupted earlier", metadata: metadata)
        case .quarantined(let reason, let destination):
            metadata["reason"] = "\(reason)"
            metadata["quarantine.file"] = "\(destination.path)"
            logger.error("quarantined", metadata: metadata)
        case .skipped(let reason):
            metadata["reason"] = "\(reason)"
            logger.warning("not taken this pass", metadata: metadata)
        }
    }

    /// Tells the office list that a file was quarantined (PRODUCT.md §3: operators
    /// are alerted): one message through the outgoing queue, keyed by the
    /// quarantined file's name so a pass that runs again never sends it twice, and
    /// handed over at once. Nothing when the tenant sends no mail (no `office:`) or
    /// has no office list; the log line and the metric are there regardless.
    func announceQuarantine(_ pipeline: IngestPipeline, file: URL, reason: String) {
        guard let mail = tenant.mail, !mail.officeList.isEmpty else { return }
        let name = file.lastPathComponent
        let now = clock.now()
        var status = stat()
        let size = lstat(file.path, &status) == 0 ? Int64(status.st_size) : 0
        let fields: [String: Any] = [
            "tenant": tenant.id, "office_name": mail.office.displayName ?? tenant.displayName,
            "file": SafeText.escapingControls(name), "reason": SafeText.escapingControls(reason), "size": size,
            "quarantined_at": OutgoingMail.format(now, in: tenant),
            "list_command": "competency quarantine list --tenant \(tenant.id)",
            "show_command": "competency quarantine show \(name) --tenant \(tenant.id)",
        ]
        let message = OutgoingMail.compose(
            tenant: tenant, mail: mail, key: "quarantined.\(name)", purpose: "quarantined", submissions: [],
            to: mail.officeList, subject: OutgoingMail.subject(mail, .quarantined, fields),
            body: OutgoingMail.body(mail, .quarantined, fields), at: now)
        do {
            guard try pipeline.store.queueOfficeMessage(message, at: now) else { return }
            logger.notice("quarantine notice queued for the office list", metadata: ["quarantine.file": "\(name)"])
            let delivery = OutgoingDelivery(store: pipeline.store, transport: OutgoingDelivery.transport(for: mail))
            try delivery.deliverDue(at: now, logger: logger, until: { false })
        } catch {
            logger.error(
                "quarantine notice not recorded or not sent; the outgoing queue retries what was recorded",
                metadata: ["quarantine.file": "\(name)", "error": "\(error)"])
        }
    }

    /// Start-up reconciliation: ingests archived originals the store has no record of.
    @discardableResult
    func reconcile(_ pipeline: IngestPipeline) -> Int {
        do {
            let recovered = try ArchiveReconciler(pipeline: pipeline, logger: logger).recover(now: clock.now())
            if recovered > 0 { logger.warning("recovered archived messages missing from the store", metadata: ["count": "\(recovered)"]) }
            return recovered
        } catch {
            logger.error("archive reconciliation failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Temporaries a crash left among archived files.
    static func removeStaleArchiveTemporaries(under root: URL) {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return }
        var folders: Set<String> = [root.path]
        while let path = walker.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix(DurableFile.temporaryPrefix) {
                folders.insert(root.appendingPathComponent(path).deletingLastPathComponent().path)
            }
        }
        for folder in folders { DurableFile.removeStaleTemporaries(in: URL(fileURLWithPath: folder)) }
    }

    /// One pass over the inbox, a reconciliation of the archive and one deadline
    /// sweep, for `competencyd --once`.
    public func runOnce() throws -> (files: Int, slaEntered: Int, sweep: Duration) {
        let (pipeline, inbox) = try prepare()
        let pass = try drain(inbox, with: pipeline)
        let files = pass.handled
        // --once does not wait: say what is left for the next run, and why.
        for name in pass.waiting {
            logger.notice(
                "loose file changed less than loose_file_quiet_seconds ago; left for the next run",
                metadata: ["inbox.file": "\(name)", "quiet.seconds": "\(looseFileQuietPeriod.components.seconds)"])
        }
        let recovered = reconcile(pipeline)
        let started = ContinuousClock.now
        let entered = try SLASweep(tenant: tenant, store: pipeline.store).sweep(at: clock.now())
        let sweep = ContinuousClock.now - started
        try speak(pipeline, until: { false })
        try retain(pipeline)
        return (files + recovered, entered.count, sweep)
    }

    /// The tenant's retention period applied by the daemon itself: what finished more
    /// than `retention.closed_days` ago is purged (`RetentionPurge`), recorded under
    /// `competencyd`. Nothing without a retention period, or with `automatic: false`.
    @discardableResult
    func retain(_ pipeline: IngestPipeline) throws(DeskError) -> RetentionPurge.Result? {
        let now = clock.now()
        guard tenant.retention.automatic, let cutoff = RetentionPurge.latestAllowedCutoff(tenant, now: now) else { return nil }
        let result = try RetentionPurge.perform(tenant, store: pipeline.store, before: cutoff.iso, by: "competencyd", now: now)
        if let audit = result.auditID {
            logger.notice(
                "retention purge",
                metadata: [
                    "purge.id": "\(audit)", "purge.before": "\(result.before)", "submissions": "\(result.ids.count)",
                    "files.removed": "\(result.filesRemoved)",
                ])
        }
        return result
    }

    /// What the partner hears about its review without a reviewer's command:
    /// - every review whose partner was told an earlier version (a review booked
    ///   again after a decline, or an update a crash or a failed command left owed):
    ///   the update or the cancellation (same UID, higher SEQUENCE), once per version;
    /// - with `review.send_notice: at-once`: the scheduling notice of every open, ready
    ///   submission whose review is booked and that has had no first response yet —
    ///   the same message `competency respond` sends, and the first response.
    /// A failure is logged (and recorded in the history once) and tried again at the next sweep.
    func tellAboutReviews(_ pipeline: IngestPipeline) throws(StoreError) {
        guard tenant.mail != nil else { return }
        let desk = Desk(tenant: tenant, daemon: daemon, store: pipeline.store)
        let now = clock.now()
        for review in try pipeline.store.reviewsOwingAnUpdate() {
            let id = "\(tenant.id)-\(review.submissionNumber)"
            do {
                if let told = try desk.tellPartner(
                    id, tenant: tenant, store: pipeline.store, number: review.submissionNumber, by: "competencyd", now: now)
                {
                    logger.notice("review update sent", metadata: ["submission.id": "\(id)", "result": "\(told)"])
                }
            } catch {
                logger.error("review update not sent; tried again at the next sweep", metadata: ["submission.id": "\(id)", "error": "\(error)"])
            }
        }
        guard tenant.review.sendNotice == .atOnce else { return }
        for record in try pipeline.store.openReadySubmissions() {
            guard let number = record.number, try pipeline.store.review(of: number)?.state == "booked" else { continue }
            let id = "\(tenant.id)-\(number)"
            do {
                let outcome = try desk.respond(id, by: "competencyd", again: false, body: nil, now: now)
                logger.notice("scheduling notice sent (review.send_notice: at-once)", metadata: ["submission.id": "\(id)", "result": "\(outcome)"])
            } catch {
                let first = try pipeline.store.recordNotice(
                    "notice-not-sent", on: number,
                    detail: "the scheduling notice could not be sent by the daemon (review.send_notice: at-once): \(error); tried again at every sweep",
                    messages: [], at: now)
                if first {
                    logger.error("scheduling notice not sent; tried again at every sweep", metadata: ["submission.id": "\(id)", "error": "\(error)"])
                } else {
                    logger.debug("scheduling notice still not sent", metadata: ["submission.id": "\(id)", "error": "\(error)"])
                }
            }
        }
    }

    /// Assigns ready submissions their reviewer (ReviewAssignment), queues the SLA
    /// alerts due now (AlertPlanner), then hands every message due in
    /// the outgoing queue to the tenant's transport (OutgoingDelivery). Nothing when
    /// the tenant has no `office:` (it sends nothing). While the partner registry
    /// cannot be read the alerts wait: a PDM is never guessed.
    func speak(_ pipeline: IngestPipeline, until shouldStop: () -> Bool) throws(StoreError) {
        // Ready submissions get their reviewer first (the pool, PRODUCT.md §7).
        if case .success(let registry) = pipeline.registry.current() {
            let made = try ReviewAssignment(tenant: tenant, store: pipeline.store, registry: registry).assignReady(at: clock.now())
            for (id, reviewer) in made {
                logger.notice("reviewer assigned", metadata: ["submission.id": "\(id)", "reviewer": "\(reviewer)"])
            }
            let bookings = try ReviewScheduling(tenant: tenant, store: pipeline.store).bookAssigned(at: clock.now())
            for booking in bookings {
                logger.notice(
                    booking.rebooked ? "declined review booked again" : "review booked",
                    metadata: [
                        "submission.id": "\(booking.id)", "start": "\(ISO8601.format(booking.start, in: tenant.timeZone))",
                    ])
            }
            try tellAboutReviews(pipeline)
        }
        guard let mail = tenant.mail else { return }
        switch pipeline.registry.current() {
        case .success(let registry):
            let queued = try AlertPlanner(tenant: tenant, mail: mail, store: pipeline.store, registry: registry)
                .plan(at: clock.now())
            for (id, state) in queued {
                logger.notice("SLA alert queued", metadata: ["submission.id": "\(id)", "sla": "\(state)"])
            }
        case .failure(let error):
            logger.error(
                "partner registry unreadable; SLA alerts wait until it is fixed",
                metadata: ["registry": "\(tenant.registry.path)", "error": "\(error)"])
        }
        let delivery = OutgoingDelivery(store: pipeline.store, transport: OutgoingDelivery.transport(for: mail))
        try delivery.deliverDue(at: clock.now(), logger: logger, until: shouldStop)
    }

}

/// The first store error the sweep met, for the tenant's loop to reopen on.
final class StoreFailure: @unchecked Sendable {
    // @unchecked: `error` is guarded by `lock`.
    private let lock = NSLock()
    private var error: StoreError?

    func record(_ error: StoreError) { lock.withLock { if self.error == nil { self.error = error } } }
    var recorded: StoreError? { lock.withLock { error } }
}

/// One pending delayed wakeup at a time (for `IN_CREATE` hints).
final class DelayedWakeup: @unchecked Sendable {
    // @unchecked: `pending` is guarded by `lock`.
    private let lock = NSLock()
    private var pending = false

    /// True when no wakeup was pending: the caller schedules one.
    func arm() -> Bool {
        lock.withLock {
            if pending { return false }
            pending = true
            return true
        }
    }

    func disarm() { lock.withLock { pending = false } }
}
