import Foundation

/// The thread one tenant owns: every blocking step of its file work — opening the
/// inbox and store, reading and parsing files, fsync, SQLite writes, the deadline
/// sweep — runs here, one job at a time, never on Swift's cooperative pool.
///
/// Why: the pool has one thread per core. Two tenants draining large backlogs on a
/// two-core machine would otherwise hold every pool thread for the whole pass, and
/// nothing else — the SIGTERM handler, the watchdog, SIGHUP — could run until a
/// pass ended. Here the async side only awaits each job through a continuation.
///
/// Contract: jobs run in the order they were given, on one dedicated thread, until
/// `finish()`; a job given after `finish()` fails with `CancellationError` without
/// running. The thread exits once it is finished and idle.
final class TenantWorker: @unchecked Sendable {
    // @unchecked: `jobs` and `finished` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var finished = false

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            guard !jobs.isEmpty else {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on the tenant's thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = condition.withLock { () -> Bool in
                guard !finished else { return false }
                jobs.append { continuation.resume(with: Result { try body() }) }
                condition.signal()
                return true
            }
            if !accepted { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Lets the thread exit once the jobs already given have run.
    func finish() {
        condition.withLock {
            finished = true
            condition.signal()
        }
    }
}

/// Set once when the tenant must stop (graceful shutdown, or a reload cancelling
/// its loops); read by the tenant's thread between files.
final class StopFlag: @unchecked Sendable {
    // @unchecked: `raised` is guarded by `lock`.
    private let lock = NSLock()
    private var raised = false

    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}
