import Foundation

/// Lets `competencyd` tell systemd it is ready only once every tenant has made
/// its start-up pass over the inbox (or found it cannot start yet), so
/// `Type=notify` means "watching, and nothing from before the start is waiting".
public final class StartupBarrier: @unchecked Sendable {
    // @unchecked: `waiting` is guarded by `lock`.
    private let lock = NSLock()
    private var waiting: Set<String>
    private let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    public init(tenants: [String]) {
        waiting = Set(tenants)
        if waiting.isEmpty { continuation.yield() }
    }

    /// One tenant has started (its first scan is done, or it failed to start).
    public func arrived(_ tenant: String) {
        let done = lock.withLock { () -> Bool in
            guard waiting.remove(tenant) != nil else { return false }
            return waiting.isEmpty
        }
        if done {
            continuation.yield()
            continuation.finish()
        }
    }

    /// Returns when every tenant has arrived, or after `timeout` (a slow tenant must
    /// not keep systemd from ever considering the daemon started).
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [stream] in for await _ in stream { return } }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
