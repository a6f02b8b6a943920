import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Writes log lines for systemd's journal when stderr is connected to it.
///
/// systemd sets `$JOURNAL_STREAM` for a service whose stderr goes to the journal.
/// The journal stamps every line with its own time, and reads a leading `<N>`
/// (sd-daemon(3): `<3>` error … `<7>` debug) as the line's priority, so here each
/// line is `<N>LEVEL LABEL: key=value … [SOURCE] MESSAGE`: the same line as
/// `StreamLogHandler`'s, the priority prefix in place of its timestamp. Metadata is
/// sorted by key, as in the stream handler. Wrap it in `SafeLogHandler` so one event
/// stays one line (a newline would start a line without a prefix, read as `<6>`).
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: JournalOutput

    public init(label: String, output: JournalOutput = .standardError) {
        self.label = label
        self.output = output
    }

    /// Whether stderr goes to the journal: `$JOURNAL_STREAM` is set and names the
    /// device and inode (`DEV:INO`, decimal) of what file descriptor 2 is now, as
    /// systemd.exec(5) says to check. A value inherited by a process whose stderr
    /// went elsewhere (a terminal started from a user service, a redirect) does not
    /// count: there a `<6>` prefix would only be noise.
    public static func isWanted(
        environment: [String: String] = ProcessInfo.processInfo.environment, descriptor: Int32 = 2
    ) -> Bool {
        guard let value = environment["JOURNAL_STREAM"], !value.isEmpty else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// The sd-daemon priority of a swift-log level: critical `<2>`, error `<3>`,
    /// warning `<4>`, notice `<5>`, info `<6>`, debug and trace `<7>`.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .critical: return 2
        case .error: return 3
        case .warning: return 4
        case .notice: return 5
        case .info: return 6
        case .debug, .trace: return 7
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let pretty =
            merged.isEmpty
            ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        output.write(
            "<\(Self.priority(of: event.level))>\(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n")
    }
}

/// Where journal lines go: stderr, each line with one `write(2)` under a lock so
/// that two threads' lines never interleave.
public final class JournalOutput: Sendable {
    let descriptor: Int32
    private let lock = NSLock()

    init(descriptor: Int32) { self.descriptor = descriptor }

    public static let standardError = JournalOutput(descriptor: 2)

    func write(_ line: String) {
        let bytes = Array(line.utf8)
        lock.withLock {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes {
                    Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
