import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Turns inotify events on inbox folders into hints that "something may have arrived".
///
/// Events are hints, never the source of truth (Postfix `pickup`): the consumer
/// answers every hint with a directory scan, and also scans on a timer, so a
/// lost event, an overflowed queue (`IN_Q_OVERFLOW`) or a file that arrived
/// while the daemon was down is still picked up.
public final class InboxWatcher: Sendable {
    /// Why a scan is due.
    public enum Hint: Sendable, Equatable {
        /// A file was closed after writing or moved into a watched folder.
        case arrived(name: String)
        /// A name appeared (`IN_CREATE`): a Maildir delivery by link(2), complete, or
        /// a file someone is still writing straight into the folder (its close follows).
        case created(name: String)
        /// The kernel dropped events: rescan everything.
        case overflow
    }

    private let fd: Int32
    private let folders: [URL]

    /// Starts watching the opened folders: through `/proc/self/fd/N`, so the watch
    /// is on the very folder the handle holds, never on whatever a path names now.
    public convenience init(handles: [FolderHandle]) throws(FileOperationError) {
        try self.init(folders: handles.map { URL(fileURLWithPath: "/proc/self/fd/\($0.descriptor)") })
    }

    /// Starts watching `folders` for `IN_CLOSE_WRITE`, `IN_MOVED_TO` and `IN_CREATE`.
    public init(folders: [URL]) throws(FileOperationError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw .lastError("start inotify for", folders.first?.path ?? "") }
        for folder in folders {
            // IN_CREATE: Postfix's virtual(8) and local(8) (and qmail) deliver into a
            // Maildir with link(tmp/x, new/x) and unlink(tmp/x), not rename: the new
            // name in new/ raises IN_CREATE only, and without it a delivery waited for
            // the next rescan (PostfixDeliveryTests). A hint too many costs one scan.
            let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_ONLYDIR)
            if inotify_add_watch(fd, folder.path, mask) < 0 {
                let code = errno
                close(fd)
                throw .posix("watch", folder.path, code)
            }
        }
        self.fd = fd
        self.folders = folders
    }

    deinit { close(fd) }

    /// Hints as they come, until the consuming task is cancelled.
    ///
    /// A dedicated thread polls the descriptor with a short timeout so that
    /// cancellation is noticed promptly without closing a descriptor another
    /// thread may be reading (a classic race).
    public func hints() -> AsyncStream<Hint> {
        let (stream, continuation) = AsyncStream.makeStream(of: Hint.self, bufferingPolicy: .bufferingNewest(1024))
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let fd = self.fd
        // The thread holds the watcher, so the descriptor is closed (in deinit) only
        // after the thread has stopped reading it: no number reused under its feet.
        let thread = Thread { [self] in
            _ = self
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while !stop.isSet {
                var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pollDescriptor, 1, 250)
                if ready <= 0 { continue }
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if count <= 0 { continue }
                for hint in Self.decode(buffer[0..<count]) { continuation.yield(hint) }
            }
            continuation.finish()
        }
        thread.name = "inotify"
        thread.start()
        return stream
    }

    /// Decodes a buffer of `struct inotify_event` records.
    static func decode(_ bytes: ArraySlice<UInt8>) -> [Hint] {
        var hints: [Hint] = []
        var offset = bytes.startIndex
        let headerSize = MemoryLayout<inotify_event>.size
        while offset + headerSize <= bytes.endIndex {
            let (mask, nameLength) = bytes[offset..<(offset + headerSize)].withUnsafeBytes { raw in
                let event = raw.loadUnaligned(as: inotify_event.self)
                return (event.mask, Int(event.len))
            }
            let nameStart = offset + headerSize
            let nameEnd = min(nameStart + nameLength, bytes.endIndex)
            let nameBytes = bytes[nameStart..<nameEnd].prefix { $0 != 0 }
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                hints.append(.overflow)
            } else if mask & UInt32(IN_CREATE) != 0 {
                hints.append(.created(name: String(decoding: nameBytes, as: UTF8.self)))
            } else {
                hints.append(.arrived(name: String(decoding: nameBytes, as: UTF8.self)))
            }
            offset = nameEnd
        }
        return hints
    }
}

/// A flag one thread sets and another polls.
final class StopFlag: @unchecked Sendable {
    // Guarded by `lock`; @unchecked because NSLock makes it safe by hand.
    private var value = false
    private let lock = NSLock()

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
