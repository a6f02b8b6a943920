import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `sendmail` transport: a sendmail-compatible program (Postfix's or
/// exim's `sendmail`, `msmtp`) fed each message on its standard input, as cron
/// and smartd send mail. The mail system holds any credentials.
///
/// Contract:
/// - Runs `command` as given, e.g. `["/usr/sbin/sendmail", "-t", "-oi"]` or
///   `["/usr/bin/msmtp", "-t", "--read-envelope-from"]`: the first item is the
///   program's absolute path, the rest its arguments. The recipients are never
///   put on the command line (an address there could be read as an option): the
///   command must read them from the message's To and Cc (`-t`), and the
///   message never has a Bcc. So `recipients` is not used.
/// - The message goes in through an unlinked temporary file, and the program's
///   output (stdout and stderr together) comes back through another: a program
///   that never reads its input or writes a lot cannot block the desk.
/// - The program starts with no signal blocked, in a process group of its own.
///   Exit 0: delivered (handed to the mail system). After `timeout` the group is
///   stopped (SIGTERM, SIGKILL 5 s later): a temporary failure.
/// - Any other exit: a `TransportError` with the status, its sysexits name and
///   the first lines of the output, control characters escaped. EX_USAGE (64),
///   EX_DATAERR (65), EX_NOUSER (67), EX_NOHOST (68), EX_NOPERM (77) and
///   EX_CONFIG (78) are permanent: the same message fails again until someone
///   acts. Everything else, EX_TEMPFAIL (75) and EX_UNAVAILABLE (69), EX_SOFTWARE
///   (70), EX_OSERR (71), EX_IOERR (74) above all, is temporary: the message is
///   tried again (a retry costs little; a lost message is what must not happen).
///   msmtp says EX_TEMPFAIL when the server cannot be reached.
/// - A missing program is a permanent error that says so.
///
/// A program killed after it handed the message over, but before it exited,
/// leads to a second delivery with the same Message-ID on the retry
/// (at-least-once): receiving systems can drop the copy by its Message-ID.
public struct SendmailTransport: MailTransport {
    /// The program and its arguments.
    public let command: [String]
    /// How long the program may run.
    public let timeout: Duration

    public init(command: [String], timeout: Duration = .seconds(60)) {
        self.command = command
        self.timeout = timeout
    }

    public func deliver(_ message: Data, messageID: String, recipients: [Mailbox]) throws(TransportError)
        -> DeliveryReceipt
    {
        guard let program = command.first, !program.isEmpty else {
            throw TransportError(
                "no sendmail command is configured (delivery.sendmail, e.g. [/usr/sbin/sendmail, -t, -oi])",
                permanent: true)
        }
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw TransportError(
                "\(program) is not an executable program on this system: install the mail program or correct "
                    + "delivery.sendmail in the tenant's config", permanent: true)
        }
        let input = try ScratchFile(contents: message)
        let output = try ScratchFile(contents: Data())

        let components = timeout.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        let child = try ChildProgram.start(command, input: input.descriptor, output: output.descriptor)
        guard let ending = child.wait(seconds: seconds) else {
            // The whole process group: a sendmail that handed over to a helper
            // (postdrop, a queue runner) stops with it.
            child.signalGroup(SIGTERM)
            if child.wait(seconds: 5) == nil {
                child.signalGroup(SIGKILL)
                _ = child.wait(seconds: .infinity)
            }
            throw TransportError(
                "\(program) did not finish within \(Self.describe(seconds)) and was stopped; it said: \(output.firstLines())",
                permanent: false)
        }

        switch ending {
        case .exited(0):
            return DeliveryReceipt(detail: "\(program) exit 0", alreadyThere: false)
        case .exited(let status):
            let (name, permanent) = Self.meaning(ofExitStatus: status)
            let kind = permanent ? "permanent: the same message would fail again" : "temporary: it will be retried"
            throw TransportError(
                "\(program) exited with status \(status)\(name.map { " (\($0))" } ?? "") [\(kind)]: \(output.firstLines())",
                permanent: permanent, exitStatus: status)
        case .signaled(let signal):
            throw TransportError(
                "\(program) was killed by signal \(signal); it said: \(output.firstLines())", permanent: false)
        case .unknown(let reason):
            throw TransportError(
                "\(program) ended, but its exit status could not be read (\(reason)); it said: \(output.firstLines())",
                permanent: false)
        }
    }

    /// The sysexits.h name of `status` and whether it is permanent.
    static func meaning(ofExitStatus status: Int32) -> (name: String?, permanent: Bool) {
        let names: [Int32: String] = [
            64: "EX_USAGE", 65: "EX_DATAERR", 66: "EX_NOINPUT", 67: "EX_NOUSER", 68: "EX_NOHOST",
            69: "EX_UNAVAILABLE", 70: "EX_SOFTWARE", 71: "EX_OSERR", 72: "EX_OSFILE", 73: "EX_CANTCREAT",
            74: "EX_IOERR", 75: "EX_TEMPFAIL", 76: "EX_PROTOCOL", 77: "EX_NOPERM", 78: "EX_CONFIG",
        ]
        let permanent: Set<Int32> = [64, 65, 67, 68, 77, 78]
        return (names[status], permanent.contains(status))
    }

    private static func describe(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

/// An unlinked temporary file: the child's standard input or output, with no
/// pipe that could fill up and no name left behind.
private final class ScratchFile {
    let descriptor: Int32

    deinit { close(descriptor) }

    init(contents: Data) throws(TransportError) {
        let folder = FileManager.default.temporaryDirectory.path
        var template = Array((folder + "/competency-sendmail-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw TransportError(
                "cannot create a temporary file in \(folder): \(String(cString: strerror(errno))) (set TMPDIR to a writable folder)",
                permanent: false)
        }
        // Not inherited by other children started meanwhile (posix_spawn's dup2 gives it to this one).
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
        var failure: Int32 = 0
        contents.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        guard failure == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw TransportError(
                "cannot write a temporary file in \(folder): \(String(cString: strerror(failure == 0 ? errno : failure)))",
                permanent: false)
        }
    }

    /// The first five lines the program wrote (160 characters each at most),
    /// joined by ` | `, control characters escaped; `(nothing)` when it wrote none.
    func firstLines() -> String {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, 0) }
        guard count > 0 else { return "(nothing)" }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { line in
                var escaped = ""
                for scalar in line.unicodeScalars {
                    if !Mailbox.isControl(scalar) {
                        escaped += String(scalar)
                    } else {
                        escaped +=
                            scalar.value <= 0xFF
                            ? String(format: "\\x%02X", scalar.value) : "\\u{\(String(scalar.value, radix: 16))}"
                    }
                }
                return escaped.count > 160 ? String(escaped.prefix(160)) + "…" : escaped
            }
            .filter { !$0.isEmpty }
        return lines.isEmpty ? "(nothing)" : lines.prefix(5).joined(separator: " | ")
    }
}

/// A program started with `posix_spawn`, rather than Foundation's `Process`,
/// for three reasons: the child starts with no signal blocked and SIGPIPE,
/// SIGTERM and friends at their defaults (a daemon's threads block or ignore
/// them, and a child inherits both, so a sendmail could not even be stopped);
/// it gets a process group of its own, so a timeout stops its helpers too; and
/// waiting for it needs no extra thread.
private struct ChildProgram {
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case unknown(String)
    }

    let pid: pid_t

    /// Starts `command[0]` with the arguments `command[1...]`, the environment of
    /// this process, `input` as its standard input and `output` as its standard
    /// output and error.
    static func start(_ command: [String], input: Int32, output: Int32) throws(TransportError) -> ChildProgram {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGALRM, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        let arguments: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, command[0], &actions, &attributes, arguments, environ)
        guard result == 0 else {
            throw TransportError(
                "cannot start \(command[0]): \(String(cString: strerror(result))); check delivery.sendmail in the tenant's config",
                permanent: true)
        }
        return ChildProgram(pid: pid)
    }

    /// How the program ended, or nil when it still runs after `seconds`.
    func wait(seconds: Double) -> Ending? {
        let deadline = ContinuousClock.now.advanced(by: .seconds(min(seconds, 1e9)))
        var pause: UInt32 = 1_000
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let low = status & 0x7F
                if low == 0 { return .exited((status >> 8) & 0xFF) }
                return .signaled(low)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return .unknown(String(cString: strerror(errno)))
            }
            if ContinuousClock.now >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Sends `signal` to the program's process group.
    func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }
}
