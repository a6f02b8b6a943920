import DeskInbox
import Foundation

/// How a pass over the inbox is cut into group commits (`IngestPipeline.commit`).
///
/// A batch is bounded by files and by the bytes the scan saw, so a backlog of any
/// size is drained with a bounded working set: at most two batches are held at once
/// (the one being committed and the one being read ahead).
public struct IngestBatching: Sendable, Equatable {
    /// Files per batch: one store transaction and one fsync per folder for these.
    public var maxFiles: Int
    /// Bytes per batch (scanned sizes): a batch holds its files' bytes until committed.
    public var maxBytes: Int64
    /// Threads reading and parsing ahead of the writer.
    public var readers: Int

    public init(maxFiles: Int = 32, maxBytes: Int64 = 16 << 20, readers: Int = Self.defaultReaders) {
        self.maxFiles = max(1, maxFiles)
        self.maxBytes = max(1, maxBytes)
        self.readers = max(1, readers)
    }

    /// One reader per core, at most four: the writer mostly waits on fsync.
    public static var defaultReaders: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// `entries` in order, cut into batches; a file larger than `maxBytes` is a batch of its own.
    public func batches(_ entries: [InboxEntry]) -> [ArraySlice<InboxEntry>] {
        var batches: [ArraySlice<InboxEntry>] = []
        var start = entries.startIndex
        var bytes: Int64 = 0
        for index in entries.indices {
            let size = max(0, entries[index].size)
            if index > start, index - start >= maxFiles || bytes + size > maxBytes {
                batches.append(entries[start..<index])
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < entries.endIndex { batches.append(entries[start...]) }
        return batches
    }
}

/// Threads that read, parse and check inbox files (`IngestPipeline.prepare`) while
/// the tenant's own thread commits the previous batch: parsing is CPU work and
/// the commit mostly waits on the disk, so on two cores they overlap.
///
/// Contract: `prepare` returns at once; `Pending.wait()` gives one result per
/// entry, in order. `prepare` writes nothing (it only reads the store), so work
/// thrown away at shutdown costs nothing. `finish()` lets the threads exit once
/// their jobs have run. Not the cooperative pool: these jobs block (file reads, SQLite).
final class IngestReaders: Sendable {
    private let threads: JobThreads

    init(threads: Int, name: String) { self.threads = JobThreads(count: threads, name: "\(name) reader") }

    /// The results of one batch, filled in by the reader threads.
    final class Pending: @unchecked Sendable {
        // @unchecked: `results` is guarded by `lock`; `done` is signalled once per entry.
        private let lock = NSLock()
        private var results: [Result<IngestPipeline.PreparedFile, any Error>?]
        private let done = DispatchSemaphore(value: 0)

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ result: Result<IngestPipeline.PreparedFile, any Error>) {
            lock.withLock { results[index] = result }
            done.signal()
        }

        /// Blocks until every entry of the batch is prepared.
        func wait() -> [Result<IngestPipeline.PreparedFile, any Error>] {
            let count = lock.withLock { results.count }
            for _ in 0..<count { done.wait() }
            return lock.withLock { results.map { $0! } }
        }
    }

    /// Starts preparing `batch`; one job per file, so the threads share a batch's work.
    /// After `finish()` each file is answered with `CancellationError` at once.
    func prepare(
        _ batch: ArraySlice<InboxEntry>, with body: @escaping @Sendable (InboxEntry) throws -> IngestPipeline.PreparedFile
    ) -> Pending {
        let pending = Pending(count: batch.count)
        let jobs: [@Sendable () -> Void] = batch.enumerated().map { offset, entry in
            { pending.set(offset, Result { try body(entry) }) }
        }
        if !threads.submit(jobs) {
            for offset in 0..<batch.count { pending.set(offset, .failure(CancellationError())) }
        }
        return pending
    }

    /// Lets the threads exit once the jobs already given have run.
    func finish() { threads.finish() }
}
