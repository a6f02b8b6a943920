import Foundation

extension RequiredTool {
    /// Debian's msmtp, a sendmail-compatible SMTP client (the production set-up's `sendmail` transport).
    public static let msmtp = RequiredTool(name: "msmtp", probe: ["msmtp", "--version"])
    /// Python's aiosmtpd, the SMTP server the real-mail-path tests deliver to.
    /// Python's icalendar, the real iCalendar parser invitations are checked with.
    public static let icalendar = RequiredTool(name: "python3 with icalendar", probe: ["python3", "-c", "import icalendar"])
    public static let aiosmtpd = RequiredTool(name: "python3 with aiosmtpd", probe: ["python3", "-c", "import aiosmtpd"])
}

/// A folder under the system's temporary folder, removed when the test is done.
public final class TemporaryFolder: @unchecked Sendable {
    public let url: URL

    public init(_ label: String = "outgoing") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "competency-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// A child process (python3, a shell, msmtp) for tests, its output collected in
/// files so that no pipe fills up.
public final class TestProcess: @unchecked Sendable {
    public let process = Process()
    private let outputURL: URL
    private let errorURL: URL

    /// Starts `arguments` through `/usr/bin/env` (so `python3` is found on the `PATH`).
    public init(_ arguments: [String], stdin: Data? = nil) throws {
        let tag = UUID().uuidString.prefix(8)
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("outgoing-test-\(tag).out")
        errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("outgoing-test-\(tag).err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        if let stdin {
            let inputURL = FileManager.default.temporaryDirectory.appendingPathComponent("outgoing-test-\(tag).in")
            try stdin.write(to: inputURL)
            process.standardInput = try FileHandle(forReadingFrom: inputURL)
            try process.run()
            try? FileManager.default.removeItem(at: inputURL)
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: outputURL)
        try? FileManager.default.removeItem(at: errorURL)
    }

    /// Runs `arguments` to completion (at most `timeout` seconds).
    public static func run(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60) throws -> (
        status: Int32, output: Data, error: String
    ) {
        let child = try TestProcess(arguments, stdin: stdin)
        let deadline = Date().addingTimeInterval(timeout)
        while child.process.isRunning, Date() < deadline { usleep(10_000) }
        if child.process.isRunning {
            child.process.terminate()
            throw TestFailure("\(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        return (child.process.terminationStatus, child.output, child.errorText)
    }

    public var output: Data { (try? Data(contentsOf: outputURL)) ?? Data() }
    public var errorText: String { String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self) }

    /// Stops the process (SIGTERM, SIGKILL after 10 s: the child may have inherited
    /// a blocked SIGTERM from the test's thread) and waits for it.
    public func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A test's own failure, with words.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The absolute path of `program` on the `PATH`, if any.
public func executablePath(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
