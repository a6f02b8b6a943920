import ArgumentParser
import DeskConfig
import DeskCore
import DeskServices
import Foundation
import Logging
import ServiceLifecycle

/// The daemon: reads the configuration, then runs one inbox service per tenant
/// under a ServiceGroup that stops cleanly on SIGTERM and SIGINT.
@main
struct Competencyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "competencyd",
        abstract: "Watch every tenant's inbox, store and check submissions, run the response SLA.",
        discussion: """
            Config: --config, else $COMPETENCY_CONFIG, else ./Config/competencyd.yaml.
            Runs in the foreground (systemd starts it); SIGTERM or SIGINT finish the file in hand and exit 0.
            """)

    @Option(name: .long, help: "The daemon's config file.")
    var config: String?

    @Flag(name: .long, help: "Process what is in the inboxes now, then exit.")
    var once = false

    func run() async throws {
        let location = DeskConfiguration.defaultLocation(explicit: config)
        let configuration: DeskConfiguration
        do {
            // Only a mistake in competencyd.yaml itself (or in every tenant file) stops
            // start-up; a broken tenant file disables that tenant, logged below.
            configuration = try DeskConfiguration.load(from: location)
        } catch {
            let message = SafeText.escapingControls(error.description)
            throw CleanExit.message("competencyd: configuration error: \(message)", code: 78)  // EX_CONFIG
        }
        // The same as the unit's UMask=0027: nothing the daemon writes is writable by
        // its group or visible to others; a tenant's group (access_group, inherited
        // from the setgid archive folder) may read, never write (docs/PERMISSIONS.md).
        umask(0o027)
        let clock = try SystemClock.fromEnvironment()
        let level = Logger.Level(rawValue: configuration.daemon.logLevel) ?? .info
        // Under systemd with stderr to the journal ($JOURNAL_STREAM): a priority
        // prefix and no timestamp of our own (the journal stamps each line).
        let journal = JournalLogHandler.isWanted()
        LoggingSystem.bootstrap { label in
            if journal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return SafeLogHandler(wrapping: handler)
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return SafeLogHandler(wrapping: handler)
        }
        let logger = Logger(label: "competencyd")
        logger.info(
            "starting",
            metadata: [
                "config": "\(configuration.file.path)",
                "tenants": "\(configuration.tenants.map(\.id).joined(separator: ","))",
                "once": "\(once)",
            ])
        if clock is FixedClock {
            // Deadlines, SLA states and receipt fallbacks all follow this clock: say so
            // where an operator will see it, in case it was left set by mistake.
            logger.warning(
                "COMPETENCY_NOW is set: the daemon's clock is stopped at this instant; unset it for real service",
                metadata: ["now": "\(ProcessInfo.processInfo.environment["COMPETENCY_NOW"] ?? "")"])
        }
        for failure in configuration.disabledTenants {
            logger.error(
                "tenant disabled: its configuration has a mistake; the other tenants run",
                metadata: ["tenant": "\(failure.tenantID)", "error": "\(failure.error)"])
        }

        if once {
            var failed = false
            for tenant in configuration.tenants {
                let service = TenantService(tenant: tenant, daemon: configuration.daemon, clock: clock, logger: logger)
                do {
                    let (files, entered, sweep) = try service.runOnce()
                    let sweepMilliseconds = Double(sweep.components.attoseconds) / 1e15 + Double(sweep.components.seconds) * 1000
                    logger.info(
                        "processed inbox and swept deadlines",
                        metadata: [
                            "tenant": "\(tenant.id)", "files": "\(files)", "sla.entered": "\(entered)",
                            "sweep.ms": "\(String(format: "%.1f", sweepMilliseconds))",
                        ])
                } catch {
                    failed = true
                    logger.error("tenant failed", metadata: ["tenant": "\(tenant.id)", "error": "\(error)"])
                }
            }
            if failed { throw ExitCode(75) }  // EX_TEMPFAIL: another pass may succeed
            // The valid tenants were processed; a disabled one needs its file fixed.
            if !configuration.disabledTenants.isEmpty { throw ExitCode(78) }  // EX_CONFIG
            return
        }

        let notifier = SystemdNotifier()
        let startup = StartupBarrier(tenants: configuration.tenants.map(\.id))
        // Each tenant reports the file in hand; the watchdog stops pinging while one is stuck.
        let progress = ProgressMonitor()
        // Reviewers' changes arrive on the control socket and run on the configuration running now.
        let current = CurrentConfiguration(configuration)
        // Health, counts and the heartbeat: the status file, the metrics file and STATUS=.
        let board = OperationsBoard(
            daemon: configuration.daemon, notifier: notifier, progress: progress, logger: logger, wallClock: { Date() })
        board.running(configuration)
        let members: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: TenantSupervisor(
                    configuration: configuration, clock: clock, logger: logger, startup: startup, progress: progress,
                    published: current, notifier: notifier, board: board)),
            .init(service: ControlServer(configuration: current, clock: clock, logger: logger)),
            .init(service: OperationsReporter(board: board)),
            .init(
                service: WatchdogService(
                    notifier: notifier, interval: SystemdNotifier.watchdogInterval() ?? .seconds(30), startup: startup,
                    progress: progress, logger: logger, board: board)),
        ]
        let group = ServiceGroup(
            configuration: .init(services: members, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

enum CleanExit {
    /// An error message for stderr and an exit code, without a stack of context.
    static func message(_ text: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return ExitCode(code)
    }
}
