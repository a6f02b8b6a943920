import Foundation

/// What each tenant has in hand, and since when: the difference between a tenant
/// that is stuck and one that is merely unhealthy.
///
/// Contract: a tenant's thread calls `begin` before one unit of work (one inbox
/// file, opening its inbox and store, one deadline sweep) and `end` after it,
/// however it ended. A failure ends the work (the tenant is then unhealthy, logged
/// and retried, which is not stuck); only work that has not ended after its
/// `stuckAfter` is stuck. `WatchdogService` stops pinging systemd while any tenant
/// is stuck, so `WatchdogSec` restarts the daemon. Times are monotonic
/// (`SuspendingClock`): a clock change or a machine's sleep never counts.
public final class ProgressMonitor: @unchecked Sendable {
    // @unchecked: `inHand` is guarded by `lock`.
    private let lock = NSLock()
    private var inHand: [String: Work] = [:]
    private let clock = SuspendingClock()

    struct Work {
        var what: String
        var since: SuspendingClock.Instant
        var stuckAfter: Duration
    }

    /// One tenant on one unit of work for longer than it may take.
    public struct Stall: Sendable, Equatable {
        public var tenant: String
        /// The inbox file in hand, or the step (`opening the inbox and store`, `SLA sweep`).
        public var what: String
        public var seconds: Int
    }

    public init() {}

    func begin(_ tenant: String, _ what: String, stuckAfter: Duration) {
        let now = clock.now
        lock.withLock { inHand[tenant] = Work(what: what, since: now, stuckAfter: stuckAfter) }
    }

    func end(_ tenant: String) {
        _ = lock.withLock { inHand.removeValue(forKey: tenant) }
    }

    /// Runs `body` as one unit of work of `tenant`.
    func track<T, E: Error>(
        _ tenant: String, _ what: String, stuckAfter: Duration, _ body: () throws(E) -> T
    ) throws(E) -> T {
        begin(tenant, what, stuckAfter: stuckAfter)
        defer { end(tenant) }
        return try body()
    }

    /// The tenants stuck now, by tenant id.
    public func stalls() -> [Stall] {
        let now = clock.now
        return lock.withLock {
            inHand.compactMap { tenant, work in
                let elapsed = now - work.since
                guard elapsed > work.stuckAfter else { return nil }
                return Stall(tenant: tenant, what: work.what, seconds: Int(elapsed.components.seconds))
            }
        }
        .sorted { $0.tenant < $1.tenant }
    }
}
