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
final class TenantWorker: Sendable {
    private let thread: JobThreads

    init(name: String) { thread = JobThreads(count: 1, name: name) }

    /// Runs `body` on the tenant's thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = thread.submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Lets the thread exit once the jobs already given have run.
    func finish() { thread.finish() }
}

/// Dedicated threads taking jobs from one queue in order — the tenant's own thread
/// (`TenantWorker`, one) and its readers (`IngestReaders`, one per core) — for work
/// that blocks (files, fsync, SQLite) and so must stay off the cooperative pool.
///
/// Contract: a job given before `finish()` runs exactly once; `submit` after it
/// returns false and runs nothing. The threads exit once finished and idle.
final class JobThreads: @unchecked Sendable {
    // @unchecked: `jobs` and `finished` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var finished = false

    init(count: Int, name: String) {
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in loop() }
            thread.name = count == 1 ? name : "\(name) \(index + 1)"
            thread.start()
        }
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

    /// Queues `jobs`; false (and nothing queued) once `finish()` was called.
    @discardableResult
    func submit(_ newJobs: [@Sendable () -> Void]) -> Bool {
        condition.withLock {
            guard !finished else { return false }
            jobs += newJobs
            condition.broadcast()
            return true
        }
    }

    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool { submit([job]) }

    /// Lets the threads exit once the jobs already given have run.
    func finish() {
        condition.withLock {
            finished = true
            condition.broadcast()
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
