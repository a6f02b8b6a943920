import DeskConfig
import DeskStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs every tenant's inbox and SLA loops, and swaps in a new configuration on SIGHUP.
///
/// Contract — a reload whose daemon file (`competencyd.yaml`) has a mistake, or
/// whose every tenant file does, is refused: logged with file, line and key, and
/// nothing changes. A mistake in one tenant's file touches that tenant only, as
/// at start-up: a tenant that is running keeps its running configuration (an
/// office is never stopped by a typo in its file), one that is not running stays
/// disabled, each logged with its reason; every other tenant gets its new
/// configuration, so adding an office still works while another's file is broken.
/// A reload stops the current loops (each finishes the file in hand) and starts
/// loops for the new set of tenants, so adding an office is adding a file and
/// sending SIGHUP. Graceful shutdown stops everything the same way.
public struct TenantSupervisor: Service {
    let configurationFile: URL
    let initial: DeskConfiguration
    let clock: any DeskClock
    let logger: Logger
    let startup: StartupBarrier?
    /// Where every tenant reports the file in hand (for `WatchdogService`).
    let progress: ProgressMonitor?
    /// Set to each configuration that starts running (for the control socket).
    let published: CurrentConfiguration?
    /// Told `RELOADING=1` (with `MONOTONIC_USEC`) before a reload and `READY=1` after.
    let notifier: SystemdNotifier?
    /// Where tenants report health and counts (`status`, metrics, `STATUS=`).
    let board: OperationsBoard?

    public init(
        configuration: DeskConfiguration, clock: any DeskClock, logger: Logger, startup: StartupBarrier? = nil,
        progress: ProgressMonitor? = nil, published: CurrentConfiguration? = nil, notifier: SystemdNotifier? = nil,
        board: OperationsBoard? = nil
    ) {
        self.notifier = notifier
        self.board = board
        self.published = published
        self.startup = startup
        self.progress = progress
        self.configurationFile = configuration.file
        self.initial = configuration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // One signal iterator for the daemon's whole life: UnixSignals allows only one.
        let (reloadRequests, requestReload) = AsyncStream.makeStream(
            of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    requestReload.yield()
                }
                requestReload.finish()
            }
            // The running tenants live in a child task so a reload can stop them
            // (each finishes the file in hand) and start the new set.
            var current = initial
            board?.running(initial)
            var running = Task { await runTenants(of: initial, startup: startup) }
            for await _ in reloadRequests {
                // sd_notify(3): RELOADING=1 with the CLOCK_MONOTONIC time the reload
                // began, then READY=1 once it is done — refused or applied — so
                // `systemctl reload` waits for it and never hangs on a refusal.
                notifier?.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
                let reloaded: DeskConfiguration
                do {
                    reloaded = try DeskConfiguration.load(from: configurationFile)
                } catch {
                    logger.error("reload refused; keeping the running configuration", metadata: ["error": "\(error)"])
                    notifier?.notify("READY=1")
                    continue
                }
                let plan = Self.plan(reload: reloaded, running: current)
                if let clash = plan.refusal {
                    logger.error("reload refused; keeping the running configuration", metadata: ["error": "\(clash)"])
                    notifier?.notify("READY=1")
                    continue
                }
                for failure in plan.kept {
                    logger.error(
                        "tenant file has a mistake; the tenant keeps its running configuration",
                        metadata: ["tenant": "\(failure.tenantID)", "error": "\(failure.error)"])
                }
                for failure in plan.disabled {
                    logger.error(
                        "tenant file has a mistake; the tenant stays disabled",
                        metadata: ["tenant": "\(failure.tenantID)", "error": "\(failure.error)"])
                }
                logger.notice(
                    "configuration reloaded",
                    metadata: ["tenants": "\(plan.configuration.tenants.map(\.id).joined(separator: ","))"])
                running.cancel()
                await running.value
                current = plan.configuration
                published?.value = plan.configuration
                board?.running(plan.configuration)
                running = Task { await runTenants(of: plan.configuration) }
                notifier?.notify("READY=1")
            }
            running.cancel()
            await running.value
        }
    }

    /// What a reload runs: the reloaded tenants, plus the running configuration of
    /// every running tenant whose file now has a mistake.
    struct ReloadPlan {
        var configuration: DeskConfiguration
        /// Broken files of running tenants: those keep their running configuration.
        var kept: [TenantConfigFailure] = []
        /// Broken files of tenants not running: those stay disabled.
        var disabled: [TenantConfigFailure] = []
        /// Why the whole reload is refused (a kept tenant would clash with a new one).
        var refusal: String?
    }

    static func plan(reload: DeskConfiguration, running: DeskConfiguration) -> ReloadPlan {
        var tenants = reload.tenants
        var kept: [TenantConfigFailure] = []
        var disabled: [TenantConfigFailure] = []
        for failure in reload.disabledTenants {
            let file = failure.file.standardizedFileURL.path
            guard
                let old = running.tenants.first(where: {
                    $0.sourceFile.standardizedFileURL.path == file || $0.id == failure.tenantID
                })
            else {
                disabled.append(failure)
                continue
            }
            if let clash = tenants.first(where: { $0.id == old.id || $0.inbox == old.inbox || $0.store == old.store }) {
                return ReloadPlan(
                    configuration: running,
                    refusal:
                        "\(failure.error); and the running tenant \(old.id) it would keep shares its id, inbox or store with \(clash.id)"
                )
            }
            tenants.append(old)
            kept.append(failure)
        }
        let configuration = DeskConfiguration(
            file: reload.file, daemon: reload.daemon, tenants: tenants.sorted { $0.id < $1.id },
            disabledTenants: disabled)
        return ReloadPlan(configuration: configuration, kept: kept, disabled: disabled)
    }

    /// One `TenantService` per tenant, until cancelled or shut down.
    func runTenants(of configuration: DeskConfiguration, startup: StartupBarrier? = nil) async {
        await withDiscardingTaskGroup { group in
            for tenant in configuration.tenants {
                var onStarted: (@Sendable () -> Void)?
                if let startup {
                    let id = tenant.id
                    onStarted = { startup.arrived(id) }
                }
                let service = TenantService(
                    tenant: tenant, daemon: configuration.daemon, clock: clock, logger: logger, onStarted: onStarted,
                    progress: progress, board: board)
                group.addTask { try? await service.run() }
            }
        }
    }
}
