import DeskConfig
import DeskCore
import DeskInbox
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The configuration the daemon runs now: set at start, replaced on every SIGHUP
/// reload, read by the control socket for each request.
public final class CurrentConfiguration: @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let lock = NSLock()
    private var stored: DeskConfiguration

    public init(_ configuration: DeskConfiguration) { stored = configuration }

    public var value: DeskConfiguration {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Limits of the control protocol.
enum ControlLimits {
    /// A request is one line of JSON; a note is text a person typed.
    static let maxRequestBytes = 1 << 20
    static let maxReplyBytes = 1 << 20
    /// A client that connects and sends nothing is dropped after this.
    static let requestTimeout = timeval(tv_sec: 5, tv_usec: 0)
    /// How long the CLI waits for the daemon's answer (a store busy with a large
    /// commit may hold it for a few seconds; SQLite's busy timeout is 10 s).
    static let replyTimeout = timeval(tv_sec: 30, tv_usec: 0)
    /// Connections handled at once; more are answered "busy" at once.
    static let maxConnections = 16
}

/// The daemon's control socket: a local Unix stream socket at
/// `<state_folder>/competencyd.sock` through which reviewers' commands ask the
/// daemon — the only writer of the stores and archives — to change something.
///
/// Protocol: one request per connection; the client writes one JSON object and a
/// newline (`{"version":1,"command":"note","id":"retail-jp-1","text":"…"}`), the
/// daemon answers one JSON object and a newline (`{"ok":true,"message":"…","exit":0}`)
/// and closes. The caller is who the kernel says (`SO_PEERCRED`); its groups are
/// looked up now (`getgrouplist`), never taken from the request.
///
/// Contract: the socket is created mode 0660 with `control_group`, else 0666; a stale
/// socket left by a crash is replaced, a live one (another daemon) is not, and
/// anything that is not a socket at the path is never removed. Accepting runs on a
/// thread of its own, each connection on another (at most 16), so a slow or
/// malicious client never holds up the tenants or the watchdog. A socket that cannot
/// be created is logged and retried; the tenants run regardless.
public struct ControlServer: Service {
    let configuration: CurrentConfiguration
    let clock: any DeskClock
    let logger: Logger

    public init(configuration: CurrentConfiguration, clock: any DeskClock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let daemon = configuration.value.daemon
        let path = daemon.controlSocket.path
        var listener: Listener?
        while listener == nil {
            do {
                listener = try Listener(path: path, group: daemon.controlGroup)
            } catch {
                logger.error(
                    "control socket unavailable; reviewers' changes wait until it works (retrying in 10 s)",
                    metadata: ["socket": "\(path)", "error": "\(error)"])
                // Shutdown must not wait out the pause.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
            }
        }
        guard let listener else { return }
        logger.info("control socket ready", metadata: ["socket": "\(path)"])
        let handler = RequestHandler(configuration: configuration, clock: clock, logger: logger)
        listener.start(handler)
        // Until SIGTERM (or the group stopping): then stop accepting and remove the path.
        try? await gracefulShutdown()
        listener.stop()
        logger.debug("control socket closed", metadata: ["socket": "\(path)"])
    }
}

/// Performs one request from a peer.
struct RequestHandler: Sendable {
    let configuration: CurrentConfiguration
    let clock: any DeskClock
    let logger: Logger

    func reply(to line: Data, peer: PeerCredentials) -> ReplyEnvelope {
        let caller = DeskCaller.lookUp(uid: peer.uid, gid: peer.gid)
        let request: DeskRequest
        do {
            guard let envelope = try? JSONDecoder().decode(RequestEnvelope.self, from: line) else {
                throw DeskError.badArgument("the request is not a JSON request object")
            }
            request = try envelope.request()
        } catch {
            return ReplyEnvelope(error: error as? DeskError ?? .failed("\(error)"))
        }
        // A fresh Desk per request: stores opened now, on the configuration running now.
        let desk = Desk(configuration: configuration.value)
        do {
            let outcome = try DeskRequests.perform(request, by: caller, on: desk, now: clock.now())
            logger.notice(
                "request done",
                metadata: [
                    "caller": "\(caller.name)", "uid": "\(caller.uid)", "pid": "\(peer.pid)",
                    "submission": "\(request.submissionID)", "request": "\(RequestEnvelope(request).command)",
                ])
            return ReplyEnvelope(outcome: outcome)
        } catch {
            logger.warning(
                "request refused",
                metadata: [
                    "caller": "\(caller.name)", "uid": "\(caller.uid)", "submission": "\(request.submissionID)",
                    "error": "\(error)",
                ])
            return ReplyEnvelope(error: error)
        }
    }
}

/// The listening socket and its accepting thread.
final class Listener: @unchecked Sendable {
    // @unchecked: `stopping` and `active` are guarded by `condition`; `descriptor` is
    // closed only after the accepting thread has exited.
    let path: String
    private let descriptor: Int32
    private let condition = NSCondition()
    private var stopping = false
    private var acceptorRunning = false
    private var active = 0

    init(path: String, group: gid_t?) throws(FileOperationError) {
        self.path = path
        try Self.removeStaleSocket(at: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .lastError("create a socket for", path) }
        var address = sockaddr_un()
        guard UnixAddress.fill(&address, path: path) else {
            close(fd)
            throw FileOperationError.other("bind", path, "the path is longer than 107 bytes")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = FileOperationError.lastError("bind", path)
            close(fd)
            throw error
        }
        // Created under the daemon's umask (027: no one else may connect yet); now the
        // documented mode. Only the daemon may write the state folder, so the path is ours.
        let mode: mode_t = group == nil ? 0o666 : 0o660
        if let group, lchown(path, uid_t(bitPattern: -1), group) != 0 {
            let error = FileOperationError.lastError("give group \(group) to", path)
            close(fd)
            unlink(path)
            throw error
        }
        guard chmod(path, mode) == 0, listen(fd, 64) == 0 else {
            let error = FileOperationError.lastError("open", path)
            close(fd)
            unlink(path)
            throw error
        }
        descriptor = fd
    }

    /// A socket at `path` that nobody answers is what a crash leaves: remove it. A
    /// live one means another daemon serves this state folder; anything else at the
    /// path is not ours to delete.
    static func removeStaleSocket(at path: String) throws(FileOperationError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw FileOperationError.other(
                "create the control socket", path, "something that is not a socket is in the way; move it aside")
        }
        if case .success(let fd) = ControlClient.connect(path) {
            close(fd)
            throw FileOperationError.other(
                "create the control socket", path, "another competencyd is serving it (two daemons on one state folder?)")
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw .lastError("remove the stale socket", path) }
    }

    func start(_ handler: RequestHandler) {
        condition.withLock { acceptorRunning = true }
        let thread = Thread { [self] in
            acceptLoop(handler)
            condition.withLock {
                acceptorRunning = false
                condition.broadcast()
            }
        }
        thread.name = "control-socket"
        thread.start()
    }

    /// Stops accepting, waits for the accepting thread and the connections in hand
    /// (each bounded by its timeouts), and removes the socket path.
    func stop() {
        condition.lock()
        stopping = true
        while acceptorRunning || active > 0 { condition.wait() }
        condition.unlock()
        close(descriptor)
        unlink(path)
    }

    private var isStopping: Bool { condition.withLock { stopping } }

    private func acceptLoop(_ handler: RequestHandler) {
        while !isStopping {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 250) > 0 else { continue }
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)  // accept4 is hidden from Swift's Glibc
            let admitted = condition.withLock {
                guard active < ControlLimits.maxConnections else { return false }
                active += 1
                return true
            }
            guard admitted else {
                Self.send(
                    ReplyEnvelope(error: .unavailable("the daemon is busy with other requests; try again")), on: connection)
                close(connection)
                continue
            }
            let thread = Thread { [self] in
                Self.serve(connection, handler)
                close(connection)
                condition.withLock {
                    active -= 1
                    condition.broadcast()
                }
            }
            thread.name = "control-request"
            thread.start()
        }
    }

    private static func serve(_ connection: Int32, _ handler: RequestHandler) {
        var timeout = ControlLimits.requestTimeout
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var peer = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0 else { return }
        switch readLine(connection, limit: ControlLimits.maxRequestBytes) {
        case .success(let line):
            send(handler.reply(to: line, peer: peer), on: connection)
        case .failure(let error):
            send(ReplyEnvelope(error: error), on: connection)
        }
    }

    static func send(_ reply: ReplyEnvelope, on connection: Int32) {
        guard var data = try? JSONEncoder().encode(reply) else { return }
        data.append(0x0A)
        _ = writeAll(connection, data)
    }
}

/// Linux's `struct ucred` (hidden from Swift's Glibc module without _GNU_SOURCE):
/// what `SO_PEERCRED` reports about the process at the other end of a socket.
struct PeerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}

/// Reading and writing whole lines on a socket.
func readLine(_ fd: Int32, limit: Int) -> Result<Data, DeskError> {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 {
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .failure(.unavailable("no answer in time")) }
            return .failure(.failed("reading the control socket: \(String(cString: strerror(errno)))"))
        }
        if count == 0 { return .failure(.failed("the connection closed before a whole line arrived")) }
        if let newline = buffer[0..<count].firstIndex(of: 0x0A) {
            data.append(contentsOf: buffer[0..<newline])
            return data.count <= limit ? .success(data) : .failure(.badArgument("the request is over \(limit) bytes"))
        }
        data.append(contentsOf: buffer[0..<count])
        if data.count > limit { return .failure(.badArgument("the request is over \(limit) bytes")) }
    }
}

func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}

enum UnixAddress {
    /// Writes `path` into `sun_path`; false when it does not fit with its NUL.
    static func fill(_ address: inout sockaddr_un, path: String) -> Bool {
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return true
    }
}

/// The reviewers' side: hands a request to the daemon and returns its answer.
public enum ControlClient {
    /// Sends `request` to the daemon listening at `socket`.
    ///
    /// A daemon that is not running (no socket, or nobody answering) is
    /// `.unavailable` (exit 69) and nothing was changed; a socket this user may not
    /// open is `.notAllowed` (exit 77). A refusal by the daemon comes back as the
    /// reply, with its message and exit status.
    public static func send(_ request: DeskRequest, to socket: URL) throws(DeskError) -> ReplyEnvelope {
        let fd: Int32
        switch connect(socket.path) {
        case .success(let descriptor): fd = descriptor
        case .failure(let error) where error.code == EACCES || error.code == EPERM:
            throw .notAllowed(
                "you may not reach the daemon's control socket \(socket.path): permission denied; nothing was changed (ask an operator for the control group)"
            )
        case .failure(let error):
            throw .unavailable(
                "the daemon is not running: nothing answers at \(socket.path) (\(String(cString: strerror(error.code)))); nothing was changed. Start competencyd (systemctl start competencyd) or ask an operator."
            )
        }
        defer { close(fd) }
        var timeout = ControlLimits.replyTimeout
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard var data = try? JSONEncoder().encode(RequestEnvelope(request)) else {
            throw .failed("cannot encode the request")
        }
        data.append(0x0A)
        guard writeAll(fd, data) else {
            throw .unavailable(
                "the daemon closed the connection before taking the request (\(String(cString: strerror(errno)))); nothing was changed"
            )
        }
        switch readLine(fd, limit: ControlLimits.maxReplyBytes) {
        case .success(let line):
            guard let reply = try? JSONDecoder().decode(ReplyEnvelope.self, from: line) else {
                throw .failed("the daemon's answer is not understood (a different release?)")
            }
            return reply
        case .failure:
            let check =
                if case .purge(let tenant, let before) = request {
                    "competency purge --tenant \(tenant) --before \(before) --dry-run"
                } else if let tenant = request.tenantID {
                    "competency quarantine list --tenant \(tenant)"
                } else {
                    "competency history \(request.submissionID)"
                }
            throw .unavailable(
                "the daemon took the request but did not answer within \(ControlLimits.replyTimeout.tv_sec) s; it may or may not have been carried out: check with '\(check)'"
            )
        }
    }

    /// A connected socket to `path`, or the errno of the failure.
    static func connect(_ path: String) -> Result<Int32, SocketError> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(SocketError(code: errno)) }
        var address = sockaddr_un()
        guard UnixAddress.fill(&address, path: path) else {
            close(fd)
            return .failure(SocketError(code: ENAMETOOLONG))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            return .failure(SocketError(code: code))
        }
        return .success(fd)
    }
}

/// An `errno` from a socket call.
struct SocketError: Error {
    let code: Int32
}
