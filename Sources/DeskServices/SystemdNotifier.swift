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
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, 0, socketAddress, length)
            }
        }
    }

    /// The watchdog interval systemd asked for (`$WATCHDOG_USEC`), if any.
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Duration?
    {
        guard let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 else { return nil }
        return .microseconds(micros)
    }
}

/// Pings the systemd watchdog while the daemon is healthy.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let startup: StartupBarrier?

    public init(notifier: SystemdNotifier, interval: Duration, startup: StartupBarrier? = nil) {
        self.notifier = notifier
        self.interval = interval
        self.startup = startup
    }

    public func run() async throws {
        // READY=1 once every tenant has scanned its inbox; the watchdog is pinged
        // meanwhile only after that, so a start-up longer than the watchdog interval
        // is bounded by systemd's TimeoutStartSec, not killed by the watchdog.
        await startup?.wait(timeout: .seconds(60))
        notifier.notify("READY=1")
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            notifier.notify("WATCHDOG=1")
            // Graceful shutdown does not cancel a sleep by itself; without this the
            // daemon would linger for up to half a watchdog interval after SIGTERM.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) }
        }
        notifier.notify("STOPPING=1")
    }
}
