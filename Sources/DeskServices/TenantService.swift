import DeskConfig
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
/// Shutdown: the file in hand is finished, then `run()` returns.
public struct TenantService: Service {
    let tenant: TenantConfiguration
    let maxMessageBytes: Int
    let rescanInterval: Duration
    let slaSweepInterval: Duration
    let clock: any DeskClock
    let logger: Logger
    /// Called once, after the start-up scan (or the first failure to start).
    let onStarted: (@Sendable () -> Void)?

    public var tenantID: String { tenant.id }

    public init(
        tenant: TenantConfiguration, daemon: DaemonConfiguration, clock: any DeskClock, logger: Logger,
        onStarted: (@Sendable () -> Void)? = nil
    ) {
        self.onStarted = onStarted
        self.tenant = tenant
        self.maxMessageBytes = daemon.maxMessageBytes
        self.rescanInterval = daemon.rescanInterval
        self.slaSweepInterval = daemon.slaSweepInterval
        self.clock = clock
        var logger = logger
        logger[metadataKey: "tenant"] = "\(tenant.id)"
        self.logger = logger
    }

    public func run() async throws {
        // A tenant whose folders or store cannot be opened retries on its own
        // schedule instead of taking the other tenants down with it.
        var pipeline: IngestPipeline?
        var reportedStart = false
        while pipeline == nil {
            do {
                pipeline = try prepare()
            } catch {
                if !reportedStart {
                    reportedStart = true
                    onStarted?()  // not ready, but systemd's READY need not wait for it
                }
                logger.error(
                    "tenant not ready; retrying",
                    metadata: ["error": "\(error)", "retry.seconds": "\(rescanInterval.components.seconds)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: rescanInterval) }
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
            }
        }
        guard let pipeline else { return }
        let inbox = InboxFolder(root: tenant.inbox)

        let (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let watcher: InboxWatcher?
        do {
            watcher = try InboxWatcher(folders: [inbox.new, inbox.root])
        } catch {
            logger.warning("inotify unavailable; relying on periodic rescans", metadata: ["error": "\(error)"])
            watcher = nil
        }

        // Said only once the watch is in place: from here on no delivery can be missed.
        logger.info(
            "watching inbox",
            metadata: ["inbox": "\(tenant.inbox.path)", "store": "\(tenant.store.path)", "inotify": "\(watcher != nil)"])
        try await withThrowingDiscardingTaskGroup { group in
            if let watcher {
                group.addTask {
                    for await hint in watcher.hints() {
                        if hint == .overflow { logger.notice("inotify queue overflowed; rescanning") }
                        wakeup.yield()
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
                repeat {
                    do {
                        for (id, state) in try sweep.sweep(at: clock.now()) {
                            logger.warning(
                                "SLA state entered", metadata: ["submission.id": "\(id)", "sla": "\(state.rawValue)"])
                        }
                    } catch {
                        logger.error("SLA sweep failed", metadata: ["error": "\(error)"])
                    }
                } while (try? await Task.sleep(for: slaSweepInterval)) != nil
            }
            wakeup.yield()  // the start-up scan: files that arrived while we were down
            var started = false
            for await _ in wakeups.cancelOnGracefulShutdown() {
                drain(inbox, with: pipeline)
                if !started {
                    started = true
                    if !reportedStart { onStarted?() }
                }
            }
            group.cancelAll()
        }
        logger.info("tenant stopped")
    }

    /// Creates the folders and opens the store.
    func prepare() throws -> IngestPipeline {
        try InboxFolder(root: tenant.inbox).prepare()
        try DurableFile.createFolder(tenant.archive)
        Self.removeStaleArchiveTemporaries(under: tenant.archive)
        let store = try SubmissionStore(tenant: tenant.id, url: tenant.store)
        if let group = tenant.accessGroup {
            try TenantAccess.restrict(tenant.archive, to: group)
            if !tenant.store.path.hasPrefix(tenant.archive.path + "/") {
                // A store kept elsewhere: its files only, not a folder others may share.
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: tenant.store.path + suffix) {
                    try TenantAccess.restrict(URL(fileURLWithPath: tenant.store.path + suffix), to: group)
                }
            }
        }
        logger.debug("tenant ready", metadata: ["inbox": "\(tenant.inbox.path)", "store": "\(tenant.store.path)"])
        return IngestPipeline(
            tenant: tenant, store: store, maxMessageBytes: maxMessageBytes,
            registry: RegistryCache(url: tenant.registry, logger: logger))
    }

    /// Ingests every pending file; stops between files when shutdown begins.
    @discardableResult
    public func drain(_ inbox: InboxFolder, with pipeline: IngestPipeline) -> Int {
        var handled = 0
        for entry in inbox.pendingFiles() {
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            var metadata: Logger.Metadata = ["inbox.file": "\(entry.name)", "bytes": "\(entry.size)"]
            do {
                let outcome = try pipeline.ingest(entry, actor: "competencyd", now: clock.now())
                handled += 1
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
                }
            } catch {
                // Disk, permissions or database trouble: not the file's fault, so it stays for the next pass.
                metadata["error"] = "\(error)"
                logger.error("ingest failed; file left in the inbox for the next scan", metadata: metadata)
            }
        }
        return handled
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

    /// One pass over the inbox and one deadline sweep, for `competencyd --once`.
    public func runOnce() throws -> (files: Int, slaEntered: Int) {
        let pipeline = try prepare()
        let files = drain(InboxFolder(root: tenant.inbox), with: pipeline)
        let entered = try SLASweep(tenant: tenant, store: pipeline.store).sweep(at: clock.now())
        return (files, entered.count)
    }
}
