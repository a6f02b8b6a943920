import DeskStore
import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 8 #3: two tenants draining large backlogs at once on a two-core machine.
/// On the old code each drain held a thread of Swift's cooperative pool (one per
/// core) for the whole pass, so the SIGTERM handler could not run until a pass
/// ended; now each tenant's file work runs on its own thread and SIGTERM stops the
/// daemon between files. Nothing is lost or doubled.
@Suite(.serialized) struct ShutdownUnderLoadTests {
    static let count = 800

    /// A plain message of about 60 KB (enough that a backlog takes the daemon a while).
    static func message(_ index: Int) -> Data {
        let filler = String(repeating: "自己診断の本文です。", count: 2000)
        return Data(
            """
            Received: from mail.partner\(index).example by mx1.competency-office.example; Mon, 30 Nov 2026 09:00:00 +0900
            From: Partner \(index) <pdm@partner\(index).example>
            Subject: Self-assessment \(index)
            Message-ID: <load-\(index)@partner\(index).example>
            Content-Type: text/plain; charset=utf-8

            \(filler)

            """.utf8)
    }

    static func storedNames(_ desk: TemporaryDesk, _ tenant: String) throws -> [String] {
        let url = desk.archive(tenant).appendingPathComponent("competency.sqlite")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try SubmissionStore(tenant: tenant, url: url).submissions(includeClosed: true).map {
            String($0.archivePath.split(separator: "/").last!.drop { $0 != "-" }.dropFirst())
        }
    }

    @Test func sigtermStopsTwoTenantsDrainingBacklogsWithinSecondsLosingNothing() throws {
        let desk = try TemporaryDesk(name: "load")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let tenants = ["retail-jp", "retail-us"]
        for tenant in tenants {
            for index in 1...Self.count {
                try harness.deliver(
                    Self.message(index), to: tenant, name: CrashRecoveryTests.inboxName(index))
            }
        }
        // This machine (and CI's) has two cores: two draining tenants would fill the old pool.
        let daemon = try ChildProcess.start(
            "competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        let draining = DaemonHarness.eventually(timeout: 30) {
            tenants.allSatisfy {
                TemporaryDesk.files(under: desk.inbox($0).appendingPathComponent("new")).count <= Self.count - 10
            }
        }
        #expect(draining, "both tenants are draining")
        let signalled = Date()
        daemon.signal(SIGTERM)
        let run = daemon.finish()
        let seconds = Date().timeIntervalSince(signalled)
        print("shutdown under load: exited \(run.status) \(String(format: "%.2f", seconds)) s after SIGTERM")
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(seconds < 4, "SIGTERM stops the daemon within a few seconds: \(seconds) s\n\(run.stderr.split(separator: "\n").filter { !$0.contains("stored submission") }.suffix(30).joined(separator: "\n"))")

        var left = 0
        for tenant in tenants {
            let waiting = Set(TemporaryDesk.files(under: desk.inbox(tenant).appendingPathComponent("new")))
            let stored = try Self.storedNames(desk, tenant)
            left += waiting.count
            #expect(Set(stored).count == stored.count, "\(tenant): a message stored twice")
            #expect(waiting.isDisjoint(with: stored), "\(tenant): stored yet left in the inbox")
            for index in 1...Self.count {
                let name = CrashRecoveryTests.inboxName(index)
                #expect(waiting.contains(name) || stored.contains(name), "\(tenant): message \(index) lost")
            }
        }
        #expect(left > 0, "the backlog was not finished before SIGTERM (else the test proves nothing)")
    }
}
