import DeskConfig
import DeskStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs every tenant's inbox and SLA loops, and swaps in a new configuration on SIGHUP.
///
/// Contract — a reload that fails (a mistake in any config file, a tenant file
/// included) is logged with its file, line and key and changes nothing: the running
/// tenants go on, and a tenant disabled at start-up stays disabled until its file is
/// fixed or removed. (At start-up a broken tenant file only disables that tenant,
/// since there is nothing running to keep; on reload, refusing keeps the running
/// office on its last good configuration instead of stopping it.) A
/// reload that succeeds stops the current loops (each finishes the file in hand)
/// and starts loops for the new set of tenants, so adding an office is adding a
/// file and sending SIGHUP. Graceful shutdown stops everything the same way.
public struct TenantSupervisor: Service {
    let configurationFile: URL
    let initial: DeskConfiguration
    let clock: any DeskClock
    let logger: Logger
    let startup: StartupBarrier?

    public init(configuration: DeskConfiguration, clock: any DeskClock, logger: Logger, startup: StartupBarrier? = nil) {
        self.startup = startup
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
            var running = Task { await runTenants(of: initial, startup: startup) }
            for await _ in reloadRequests {
                let reloaded: DeskConfiguration
                do {
                    reloaded = try DeskConfiguration.load(from: configurationFile)
                } catch {
                    logger.error("reload refused; keeping the running configuration", metadata: ["error": "\(error)"])
                    continue
                }
                if !reloaded.disabledTenants.isEmpty {
                    for failure in reloaded.disabledTenants {
                        logger.error(
                            "reload refused; keeping the running configuration",
                            metadata: ["tenant": "\(failure.tenantID)", "error": "\(failure.error)"])
                    }
                    continue
                }
                logger.notice(
                    "configuration reloaded",
                    metadata: ["tenants": "\(reloaded.tenants.map(\.id).joined(separator: ","))"])
                running.cancel()
                await running.value
                running = Task { await runTenants(of: reloaded) }
            }
            running.cancel()
            await running.value
        }
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
                    tenant: tenant, daemon: configuration.daemon, clock: clock, logger: logger, onStarted: onStarted)
                group.addTask { try? await service.run() }
            }
        }
    }
}
