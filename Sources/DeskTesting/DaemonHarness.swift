import Foundation

/// Runs the real `competencyd` and `competency` against a `TemporaryDesk`.
public struct DaemonHarness: Sendable {
    public let desk: TemporaryDesk
    public let environment: [String: String]

    public init(desk: TemporaryDesk, environment: [String: String] = [:]) {
        self.desk = desk
        self.environment = environment
    }

    /// Starts the daemon and waits until every tenant's inbox is watched.
    public func startDaemon(extraArguments: [String] = []) throws -> ChildProcess {
        let daemon = try ChildProcess.start(
            "competencyd", ["--config", desk.configFile.path] + extraArguments, environment: environment)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let log = daemon.stderrSoFar
            if log.components(separatedBy: "watching inbox").count - 1 >= 2 { return daemon }
            if !daemon.process.isRunning { break }
            usleep(20_000)
        }
        let log = daemon.stderrSoFar
        daemon.signal(SIGKILL)
        throw HarnessError("competencyd did not start watching its inboxes:\n\(log)")
    }

    /// Runs `competency ARGS --config …` and returns what it printed.
    public func cli(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws
        -> ProgramRun
    {
        try ProgramRun.run(
            "competency", arguments + ["--config", desk.configFile.path],
            environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// `competency queue --json [--all]`, decoded.
    public func queue(all: Bool = false) throws -> [[String: Any]] {
        let run = try cli(["queue", "--json"] + (all ? ["--all"] : []))
        guard run.status == 0 else { throw HarnessError("queue failed (\(run.status)): \(run.stderr)") }
        guard let array = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] else {
            throw HarnessError("queue --json is not an array of objects: \(run.stdout)")
        }
        return array
    }

    /// Delivers `bytes` the way a mail system does: write into `tmp/`, rename into `new/`.
    @discardableResult
    public func deliver(_ bytes: Data, to tenant: String, name: String) throws -> URL {
        let inbox = desk.inbox(tenant)
        try FileManager.default.createDirectory(
            at: inbox.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: inbox.appendingPathComponent("new"), withIntermediateDirectories: true)
        let temporary = inbox.appendingPathComponent("tmp/\(name)")
        try bytes.write(to: temporary)
        let final = inbox.appendingPathComponent("new/\(name)")
        guard rename(temporary.path, final.path) == 0 else { throw HarnessError("rename into new/ failed") }
        return final
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    public static func eventually(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if try condition() { return true }
            usleep(20_000)
        } while Date() < deadline
        return try condition()
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
