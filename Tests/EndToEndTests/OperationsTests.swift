import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12, items 3 and 5: what an operator sees of the running daemon — its log
/// lines as the journal wants them, and `competency status`.
@Suite(.serialized) struct OperationsTests {
    /// A desk whose sweep (and with it the status and metrics) runs every second.
    static func desk(_ name: String, extra: String = "") throws -> TemporaryDesk {
        let desk = try TemporaryDesk(name: name)
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
            .replacingOccurrences(of: "sla_sweep_seconds: 60", with: "sla_sweep_seconds: 1")
            .replacingOccurrences(of: "rescan_seconds: 30", with: "rescan_seconds: 2")
        try (text + "\n" + extra).write(to: desk.configFile, atomically: true, encoding: .utf8)
        return desk
    }

    /// The shipped fixture, as a distinct message (its own Message-ID and subject).
    static func message(_ index: Int) throws -> Data {
        let text = String(decoding: try fixture("iso2022jp-submission.eml"), as: UTF8.self)
            .replacingOccurrences(of: "e2e.0001", with: "ops.\(index)")
        return Data(text.utf8)
    }

    /// Runs the daemon as systemd does with `StandardError=journal`: stderr is one
    /// file (standing in for the journal's stream) and `$JOURNAL_STREAM` names its
    /// device and inode — computed by the shell that then execs the daemon. With
    /// `matching` false the variable names another file (inherited, not ours).
    final class JournalDaemon {
        let process = Process()
        let stderrFile: URL

        init(desk: TemporaryDesk, matching: Bool) throws {
            stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
            let binary = RepositoryPaths.binaries.appendingPathComponent("competencyd").path
            let stream = matching ? "$(stat -L -c %d:%i /proc/self/fd/2)" : "$(stat -L -c %d:%i /)"
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "JOURNAL_STREAM=\(stream); export JOURNAL_STREAM; exec \"$0\" --config \"$1\"", binary,
                desk.configFile.path,
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["COMPETENCY_NOW"] = "2026-12-01T10:00:00+09:00"
            environment.removeValue(forKey: "JOURNAL_STREAM")
            process.environment = environment
            process.standardError = try FileHandle(forWritingTo: stderrFile)
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

        func stop() -> (status: Int32, stderr: String) {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: stderrFile) }
            return (process.terminationStatus, stderr)
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    @Test func underTheJournalEachLineCarriesItsPriorityAndNoTimestamp() throws {
        let desk = try Self.desk("journal")
        defer { desk.remove() }
        let config = try String(contentsOf: desk.configFile, encoding: .utf8)
        try config.replacingOccurrences(of: "log_level: info", with: "log_level: debug")
            .write(to: desk.configFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk)
        let daemon = try JournalDaemon(desk: desk, matching: true)
        #expect(
            DaemonHarness.eventually(timeout: 30) { daemon.stderr.components(separatedBy: "watching inbox").count == 3 }
        )
        try harness.deliver(try Self.message(1), to: "retail-jp", name: "1795935823.M1P1.mx1")
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935824.M1P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                daemon.stderr.contains("stored submission") && daemon.stderr.contains("] quarantined")
            })
        let (status, stderr) = daemon.stop()
        #expect(status == 0)
        let lines = stderr.split(separator: "\n").map(String.init)
        #expect(lines.count > 5)
        for line in lines {
            // The priority first, then the level: no timestamp of its own (the journal stamps each line).
            #expect(
                line.range(
                    of: #"^<[2-7]>(critical|error|warning|notice|info|debug|trace) competencyd:"#,
                    options: .regularExpression)
                    != nil, "\(line)")
        }
        let stored = try #require(lines.first { $0.contains("stored submission") })
        #expect(stored.hasPrefix("<6>info competencyd:"), "\(stored)")
        #expect(stored.contains("tenant=retail-jp"), "key=value metadata as before: \(stored)")
        #expect(stored.contains("submission.id=retail-jp-1"), "\(stored)")
        let quarantined = try #require(lines.first { $0.contains("] quarantined") })
        #expect(quarantined.hasPrefix("<3>error "), "\(quarantined)")
        let clockWarning = try #require(lines.first { $0.contains("COMPETENCY_NOW is set") })
        #expect(clockWarning.hasPrefix("<4>warning "), "\(clockWarning)")
        #expect(lines.contains { $0.hasPrefix("<5>notice ") }, "a notice line (the quarantine mail)")
        let ready = try #require(lines.first { $0.contains("] tenant ready") })
        #expect(ready.hasPrefix("<7>debug "), "\(ready)")
    }

    @Test func aJournalStreamThatIsNotStderrOrNoneKeepsTheTimestamp() throws {
        let desk = try Self.desk("nojournal")
        defer { desk.remove() }
        // Inherited from somewhere else: $JOURNAL_STREAM names another file than fd 2.
        let inherited = try JournalDaemon(desk: desk, matching: false)
        #expect(DaemonHarness.eventually(timeout: 30) { inherited.stderr.contains("watching inbox") })
        let (status, stderr) = inherited.stop()
        #expect(status == 0)
        let first = try #require(stderr.split(separator: "\n").first)
        #expect(
            first.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"#, options: .regularExpression) != nil, "\(first)")
        // Not set at all.
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        daemon.signal(SIGTERM)
        let run = daemon.finish()
        let line = try #require(run.stderr.split(separator: "\n").first)
        #expect(line.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"#, options: .regularExpression) != nil, "\(line)")
    }

    /// `competency --config FILE status [--json]`, as PRODUCT.md §9 writes it.
    static func status(_ desk: TemporaryDesk, json: Bool = true) throws -> (ProgramRun, [String: Any]) {
        let run = try ProgramRun.run(
            "competency", ["--config", desk.configFile.path, "status"] + (json ? ["--json"] : []),
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        guard json else { return (run, [:]) }
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return (run, object ?? [:])
    }

    static func tenant(_ id: String, in status: [String: Any]) -> [String: Any]? {
        (status["tenants"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    @Test func statusSaysTheDaemonRunsAndEachTenantsQueueQuarantineAndHealthAndExitsByIt() throws {
        let desk = try Self.desk("status")
        defer { desk.remove() }
        // retail-us's store is not a database: that tenant is unhealthy, retail-jp works.
        try FileManager.default.createDirectory(at: desk.archive("retail-us"), withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(
            to: desk.archive("retail-us").appendingPathComponent("competency.sqlite"))

        // Before the daemon ever ran: not running, exit 69.
        let (never, neverJSON) = try Self.status(desk)
        #expect(never.status == 69, "\(never.stderr)")
        #expect((neverJSON["daemon"] as? [String: Any])?["running"] as? Bool == false)

        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try ChildProcess.start(
            "competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(DaemonHarness.eventually(timeout: 30) { daemon.stderrSoFar.contains("watching inbox") })
        for index in 1...2 {
            try harness.deliver(try Self.message(index), to: "retail-jp", name: "179593582\(index).M1P1.mx1")
        }
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935829.M1P1.mx1")
        #expect(DaemonHarness.eventually(timeout: 30) { (try? harness.queue().count) == 2 })

        var report: [String: Any] = [:]
        var run: ProgramRun?
        #expect(
            try DaemonHarness.eventually(timeout: 20) {
                (run, report) = try Self.status(desk)
                let jp = Self.tenant("retail-jp", in: report)
                return jp?["last_sweep"] is String && jp?["quarantined_files"] as? Int == 1
                    && Self.tenant("retail-us", in: report)?["health"] as? String == "unhealthy"
            }, "\(report)")
        #expect(run?.status == 1, "a tenant is unhealthy: \(run?.stderr ?? "")")
        let daemonPart = try #require(report["daemon"] as? [String: Any])
        #expect(daemonPart["running"] as? Bool == true)
        #expect(daemonPart["pid"] as? Int == Int(daemon.process.processIdentifier))
        #expect((daemonPart["heartbeat_age_seconds"] as? Int ?? 99) <= 30)
        #expect(report["healthy"] as? Bool == false)
        let jp = try #require(Self.tenant("retail-jp", in: report))
        #expect(jp["health"] as? String == "healthy")
        #expect(jp["reason"] is NSNull)
        #expect(jp["queue_depth"] as? Int == 2, "two open submissions: \(jp)")
        #expect(jp["quarantined_files"] as? Int == 1, "the reason file is not counted: \(jp)")
        #expect(jp["outgoing_waiting"] as? Int == 0, "the quarantine notice was handed over at once: \(jp)")
        let us = try #require(Self.tenant("retail-us", in: report))
        #expect((us["reason"] as? String ?? "").contains("competency.sqlite"), "\(us)")

        // The text form names the same.
        let (text, _) = try Self.status(desk, json: false)
        #expect(text.status == 1)
        #expect(text.stdout.contains("daemon: running"), "\(text.stdout)")
        #expect(text.stdout.contains("retail-us: "), "the reason is printed: \(text.stdout)")

        // The fault cleared: the tenant recovers without a restart, and status says 0.
        try FileManager.default.removeItem(at: desk.archive("retail-us").appendingPathComponent("competency.sqlite"))
        #expect(
            try DaemonHarness.eventually(timeout: 60) {
                (run, report) = try Self.status(desk)
                return run?.status == 0
            }, "\(report)")
        #expect(report["healthy"] as? Bool == true)

        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
        let (stopped, stoppedJSON) = try Self.status(desk)
        #expect(stopped.status == 69)
        let reason = (stoppedJSON["daemon"] as? [String: Any])?["reason"] as? String ?? ""
        #expect(reason.contains("stopped"), "\(stoppedJSON)")
        // With the daemon down the store is still read: the queue is there.
        #expect(Self.tenant("retail-jp", in: stoppedJSON)?["queue_depth"] as? Int == 2)
        #expect(Self.tenant("retail-jp", in: stoppedJSON)?["health"] as? String == "unknown")
    }

    @Test func aKilledDaemonIsNotRunningForStatus() throws {
        let desk = try Self.desk("status-killed")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        #expect(DaemonHarness.eventually(timeout: 20) { (try? Self.status(desk).0.status) == 0 })
        daemon.signal(SIGKILL)
        _ = daemon.finish()
        let (run, report) = try Self.status(desk)
        #expect(run.status == 69)
        let reason = (report["daemon"] as? [String: Any])?["reason"] as? String ?? ""
        #expect(reason.contains("no process"), "\(report)")
    }
}
