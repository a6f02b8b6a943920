import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Speaks systemd's notify protocol (`sd_notify(3)`): `READY=1` once the inboxes
/// are watched, `WATCHDOG=1` at half the watchdog interval, `STOPPING=1` on the
/// way out. Without `$NOTIFY_SOCKET` (not under systemd) it does nothing.
public struct SystemdNotifier: Sendable {
    let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends one notification; failures are ignored, as libsystemd does.
    public func notify(_ state: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // A leading '@' names an abstract socket: its first byte is NUL.
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let message = Array(state.utf8)
        // Never blocking: a unix datagram socket whose reader falls behind holds only
        // net.unix.max_dgram_qlen (10) messages, and a blocked sendto here would hold one
        // of the cooperative pool's threads (two on two cores): SIGTERM and the tenants'
        // passes would wait behind it. systemd reads at once; a message a full queue
        // refuses is dropped (the next STATUS= or WATCHDOG=1 follows within seconds).
        // READY=1 and STOPPING=1 matter (a Type=notify start waits for the first):
        // a full queue is tried again for up to half a second before giving up.
        let important = state.contains("READY=1") || state.contains("STOPPING=1")
        for attempt in 0..<(important ? 50 : 1) {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, message, message.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
            if sent >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { break }
            if attempt < 49 { usleep(10_000) }
        }
    }

    /// Now on `CLOCK_MONOTONIC`, in microseconds: what `MONOTONIC_USEC=` carries
    /// with `RELOADING=1` (sd_notify(3)).
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// The watchdog interval systemd asked for (`$WATCHDOG_USEC`), if any.
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Duration?
    {
        guard let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 else { return nil }
        return .microseconds(micros)
    }
}

/// Pings the systemd watchdog while no tenant is stuck.
///
/// Contract: `READY=1` once every tenant has made its start-up pass (or found it
/// cannot start), then `WATCHDOG=1` every half interval — but not while a tenant
/// has been on one file (or one open, one sweep) longer than its `stuckAfter`
/// (`ProgressMonitor`). Then it logs the tenant and the file, sends `STATUS=`
/// naming them and stops pinging, so systemd's `WatchdogSec` restarts the daemon
/// (a restart is crash-safe: docs/ARCHITECTURE.md). A tenant that fails to open
/// its folders or store is unhealthy, not stuck: that never stops the pings. If
/// the stuck tenant moves on before systemd acts, pinging resumes. `STOPPING=1`
/// on the way out.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let startup: StartupBarrier?
    let progress: ProgressMonitor?
    let logger: Logger?
    /// Sends its `STATUS=` lines only between our `READY=1` and `STOPPING=1`.
    let board: OperationsBoard?

    public init(
        notifier: SystemdNotifier, interval: Duration, startup: StartupBarrier? = nil,
        progress: ProgressMonitor? = nil, logger: Logger? = nil, board: OperationsBoard? = nil
    ) {
        self.board = board
        self.notifier = notifier
        self.interval = interval
        self.startup = startup
        self.progress = progress
        self.logger = logger
    }

    public func run() async throws {
        // READY=1 once every tenant has scanned its inbox; the watchdog is pinged
        // meanwhile only after that, so a start-up longer than the watchdog interval
        // is bounded by systemd's TimeoutStartSec, not killed by the watchdog.
        // The wait ends on graceful shutdown too: ServiceGroup stops its services one
        // at a time, last first, so a watchdog still waiting here would hold SIGTERM
        // back from the tenants until their whole start-up backlog was drained.
        if let startup {
            await cancelWhenGracefulShutdown { await startup.wait(timeout: .seconds(60)) }
        }
        guard !Task.isShuttingDownGracefully && !Task.isCancelled else {
            notifier.notify("STOPPING=1")
            return
        }
        notifier.notify("READY=1")
        board?.setNotifying(true)
        // Checked at least once a second, so a stall is seen promptly whatever the interval.
        let tick = min(interval / 2, .seconds(1))
        var lastPing = ContinuousClock.now - interval
        var reported: [ProgressMonitor.Stall] = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let stalls = progress?.stalls() ?? []
            let stuck = stalls.map { Pair(tenant: $0.tenant, what: $0.what) }
            if stuck != reported.map({ Pair(tenant: $0.tenant, what: $0.what) }) {
                for stall in stalls where !reported.contains(where: { $0.tenant == stall.tenant && $0.what == stall.what }) {
                    logger?.critical(
                        "tenant stuck: no progress on one file; no longer pinging the watchdog, so systemd restarts the daemon",
                        metadata: [
                            "tenant": "\(stall.tenant)", "inbox.file": "\(stall.what)", "seconds": "\(stall.seconds)",
                        ])
                }
                if stalls.isEmpty {
                    logger?.notice("no tenant is stuck any more; pinging the watchdog again")
                    notifier.notify("STATUS=running")
                    board?.setNotifying(true)  // and the tenants' status line again
                } else {
                    let names = stalls.map { "\($0.tenant) on \($0.what)" }.joined(separator: ", ")
                    notifier.notify("STATUS=stuck: \(names)")
                }
                reported = stalls
            }
            if stalls.isEmpty && ContinuousClock.now - lastPing >= interval / 2 - tick / 2 {
                notifier.notify("WATCHDOG=1")
                lastPing = .now
            }
            // Graceful shutdown does not cancel a sleep by itself; without this the
            // daemon would linger for up to half a watchdog interval after SIGTERM.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
        board?.setNotifying(false)
        notifier.notify("STOPPING=1")
    }

    private struct Pair: Equatable {
        var tenant: String
        var what: String
    }
}
