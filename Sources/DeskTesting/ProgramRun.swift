import Foundation

/// Runs one of the project's programs as a real child process.
public struct ProgramRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Runs `program` (`competency` or `competencyd`) to completion; with `user`, as that
    /// uid, gid and supplementary groups (through util-linux `setpriv`; needs root).
    public static func run(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        timeout: TimeInterval = 60, user: (uid: uid_t, gid: gid_t, groups: [gid_t])? = nil
    ) throws -> ProgramRun {
        let process = try ChildProcess.start(program, arguments, environment: environment, stdin: stdin, user: user)
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning && Date() < deadline { usleep(10_000) }
        if process.process.isRunning {
            process.process.terminate()
            throw ProgramRunError.timedOut(program, arguments)
        }
        return process.finish()
    }
}

extension ProgramRun {
    /// Runs a program of the machine's (`python3`, `sqlite3`…) found on the `PATH`, to completion.
    public static func runTool(
        _ tool: String, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120
    ) throws -> ProgramRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let tag = UUID().uuidString.prefix(8)
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(tool)-\(tag).out")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(tool)-\(tag).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let pipe = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : pipe
        try process.run()
        if let stdin {
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            throw ProgramRunError.timedOut(tool, arguments)
        }
        return ProgramRun(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

public enum ProgramRunError: Error, CustomStringConvertible {
    case timedOut(String, [String])
    public var description: String {
        switch self {
        case .timedOut(let program, let arguments):
            return "\(program) \(arguments.joined(separator: " ")) did not finish in time"
        }
    }
}

/// A started child process whose output is collected into files (no pipe can fill up and block it).
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    let outURL: URL
    let errURL: URL

    init(process: Process, outURL: URL, errURL: URL) {
        self.process = process
        self.outURL = outURL
        self.errURL = errURL
    }

    public static func start(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        user: (uid: uid_t, gid: gid_t, groups: [gid_t])? = nil, prefix: [String] = []
    ) throws -> ChildProcess {
        let process = Process()
        let binary = RepositoryPaths.binaries.appendingPathComponent(program)
        if let first = prefix.first {
            // A command that execs the program as its last step (`unshare --mount --`,
            // `sh -c '…; exec "$@"'`): the process is then the program itself.
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(prefix.dropFirst()) + [binary.path] + arguments
        } else if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            let groups = user.groups.isEmpty ? ["--clear-groups"] : ["--groups", user.groups.map(String.init).joined(separator: ",")]
            process.arguments = ["--reuid", "\(user.uid)", "--regid", "\(user.gid)"] + groups + ["--", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "COMPETENCY_CONFIG")
        env.removeValue(forKey: "COMPETENCY_NOW")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let tag = UUID().uuidString.prefix(8)
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(program)-\(tag).out")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(program)-\(tag).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        return ChildProcess(process: process, outURL: outURL, errURL: errURL)
    }

    /// Waits for exit and returns what it printed.
    public func finish() -> ProgramRun {
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return ProgramRun(status: process.terminationStatus, stdout: out, stderr: err)
    }

    /// What it has written to stderr so far.
    public var stderrSoFar: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}
