import DeskStore
import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 8 #4: stuck is not unhealthy. A real notify socket stands in for systemd
/// (`SystemdNotifyTests.NotifyListener`); `stuck_after_seconds: 2` in the copy.
@Suite(.serialized) struct WatchdogAndStuckTests {
    static func desk(_ name: String) throws -> TemporaryDesk {
        let desk = try TemporaryDesk(name: name)
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
            .replacingOccurrences(of: "stuck_after_seconds: 300", with: "stuck_after_seconds: 2")
            .replacingOccurrences(of: "rescan_seconds: 30", with: "rescan_seconds: 1")
        try text.write(to: desk.configFile, atomically: true, encoding: .utf8)
        return desk
    }

    static func message(_ tag: String) throws -> Data {
        let text = String(decoding: try fixture("iso2022jp-submission.eml"), as: UTF8.self)
        return Data(text.replacingOccurrences(of: "e2e.0001", with: tag).utf8)
    }

    /// Submissions in a tenant's store, as a reviewer sees them: `competency --config …
    /// queue --all --json --tenant T` in its own process (0 before the store exists;
    /// -1 when the command fails).
    static func storedCount(_ desk: TemporaryDesk, _ tenant: String) -> Int {
        guard FileManager.default.fileExists(atPath: desk.archive(tenant).appendingPathComponent("competency.sqlite").path)
        else { return 0 }
        guard
            let run = try? ProgramRun.run(
                "competency", ["--config", desk.configFile.path, "queue", "--all", "--json", "--tenant", tenant],
                environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"]),
            run.status == 0,
            let rows = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        else { return -1 }
        return rows.count
    }

    /// Every message received within `seconds`, with when it came.
    static func collect(_ listener: SystemdNotifyTests.NotifyListener, for seconds: Double) -> [(Date, String)] {
        var messages: [(Date, String)] = []
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let message = listener.receive(timeout: 1) { messages.append((Date(), message)) }
        }
        return messages
    }

    /// (a) A tenant whose archive (and store) cannot be created — a plain file sits
    /// where its folder must be, which fails even for root — is unhealthy: logged and
    /// retried, while WATCHDOG=1 keeps coming well past `stuck_after_seconds` and the
    /// other tenant ingests. (Passes on the old code apart from the new config key:
    /// this guards against taking unhealthy for stuck.)
    @Test func anUnhealthyTenantKeepsTheWatchdogPingedAndTheOthersRun() throws {
        let desk = try Self.desk("unhealthy")
        defer { desk.remove() }
        try Data("not a folder".utf8).write(to: desk.archive("retail-us"))
        let listener = try SystemdNotifyTests.NotifyListener()
        let harness = DaemonHarness(
            desk: desk,
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00", "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
        let daemon = try ChildProcess.start("competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(listener.receive(timeout: 30) == "READY=1")
        try harness.deliver(Self.message("unhealthy.1"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let messages = Self.collect(listener, for: 6)
        let pings = messages.filter { $0.1 == "WATCHDOG=1" }.map(\.0)
        #expect(pings.count >= 15, "pinged every 200 ms for 6 s: \(pings.count)")
        let gaps = zip(pings.dropFirst(), pings).map { $0.timeIntervalSince($1) }
        #expect((gaps.max() ?? 99) < 1.5, "no gap in the pings: \(gaps.max() ?? -1)")
        #expect(!messages.contains { $0.1.hasPrefix("STATUS=stuck") })
        #expect(Self.storedCount(desk, "retail-jp") == 1)
        let log = daemon.stderrSoFar
        #expect(log.contains("tenant unhealthy") && log.contains("tenant=retail-us"))
        #expect(!log.contains("tenant stuck"))
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    /// (b) A real, deterministic stall: another process (python3's sqlite3) holds a
    /// write transaction on retail-us's store, so the daemon's commit of the next
    /// retail-us message waits in SQLite's busy handler (GRDB's 10 s busy timeout)
    /// — no progress on the file in hand, nothing failing. After
    /// `stuck_after_seconds` (2) the daemon logs the tenant and file, sends
    /// `STATUS=stuck: …` and stops WATCHDOG=1; retail-jp, on its own thread, still
    /// ingests meanwhile. Then, as systemd would on the watchdog timeout, the daemon
    /// is killed and restarted: retail-jp resumes at once while the lock is still
    /// held, and once it is released the retail-us message is stored exactly once.
    /// Fails on the old code: it pings on regardless (and rejects the config key).
    @Test(.enabled(if: RequiredTool.python3.shouldRun, "needs python3"))
    func aStuckTenantStopsTheWatchdogWhileTheOthersIngest() throws {
        try RequiredTool.python3.require()
        let desk = try Self.desk("stuck")
        defer { desk.remove() }
        let listener = try SystemdNotifyTests.NotifyListener()
        let harness = DaemonHarness(
            desk: desk,
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00", "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
        var daemon = try ChildProcess.start("competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(listener.receive(timeout: 30) == "READY=1")

        // Hold retail-us's write lock from another process until a file says release.
        let store = desk.archive("retail-us").appendingPathComponent("competency.sqlite").path
        let locked = desk.root.appendingPathComponent("locked").path
        let release = desk.root.appendingPathComponent("release").path
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = [
            "python3", "-c",
            """
            import os, sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN IMMEDIATE')
            open(sys.argv[2], 'w').close()
            while not os.path.exists(sys.argv[3]): time.sleep(0.05)
            c.execute('ROLLBACK')
            """, store, locked, release,
        ]
        try locker.run()
        defer {
            FileManager.default.createFile(atPath: release, contents: nil)
            locker.waitUntilExit()
        }
        #expect(DaemonHarness.eventually(timeout: 10) { FileManager.default.fileExists(atPath: locked) })

        let stalled = Date()
        try harness.deliver(Self.message("stuck.us"), to: "retail-us", name: "1795935823.M1P1.mx1")
        try harness.deliver(Self.message("stuck.jp"), to: "retail-jp", name: "1795935823.M2P1.mx1")
        let messages = Self.collect(listener, for: 6)
        let lastPing = messages.last { $0.1 == "WATCHDOG=1" }?.0 ?? stalled
        let silence = lastPing.timeIntervalSince(stalled)
        print("stuck test: last WATCHDOG=1 \(String(format: "%.2f", silence)) s after the stall began")
        #expect(silence < 3.5, "WATCHDOG=1 stops within stuck_after_seconds and a little: \(silence) s")
        #expect(Date().timeIntervalSince(lastPing) > 2, "and stays stopped")
        #expect(messages.contains { $0.1.hasPrefix("STATUS=stuck: retail-us on 1795935823.M1P1.mx1") })
        #expect(Self.storedCount(desk, "retail-jp") == 1, "the other tenant ingested meanwhile")
        #expect(daemon.stderrSoFar.contains("tenant stuck"))

        // systemd's watchdog timeout: the daemon is killed and started again.
        daemon.signal(SIGKILL)
        _ = daemon.finish()
        daemon = try ChildProcess.start("competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        try harness.deliver(Self.message("stuck.jp2"), to: "retail-jp", name: "1795935824.M3P1.mx1")
        #expect(DaemonHarness.eventually(timeout: 8) { Self.storedCount(desk, "retail-jp") == 2 }, "retail-jp resumes at once")
        FileManager.default.createFile(atPath: release, contents: nil)
        var seen: [Int] = []
        #expect(
            DaemonHarness.eventually(timeout: 20) {
                seen.append(Self.storedCount(desk, "retail-us"))
                return seen.last == 1
            }, "counts seen: \(Set(seen)) after \(seen.count) looks; inbox: \(TemporaryDesk.files(under: desk.inbox("retail-us"))); the daemon said:\n\(daemon.stderrSoFar)")
        #expect(TemporaryDesk.files(under: desk.inbox("retail-us").appendingPathComponent("new")).isEmpty)
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
        #expect(Self.storedCount(desk, "retail-us") == 1, "stored exactly once")
    }
}
