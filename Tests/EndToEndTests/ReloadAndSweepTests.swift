import DeskTesting
import Foundation
import Testing

/// SIGHUP reloads, and the SLA sweep's once-only history entries.
@Suite(.serialized) struct ReloadAndSweepTests {
    @Test func sighupAddsATenantAndABrokenNewTenantFileStaysDisabled() throws {
        let desk = try TemporaryDesk(name: "reload")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        // A broken new tenant file: that tenant stays disabled, the running tenants go on.
        let broken = desk.config.appendingPathComponent("tenants/retail-eu.yaml")
        try "time_zone: Europe/Paris\nlanguage: de\n".write(to: broken, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(DaemonHarness.eventually(timeout: 5) { daemon.stderrSoFar.contains("the tenant stays disabled") })
        #expect(daemon.stderrSoFar.contains("retail-eu.yaml:"))
        try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1764461702.M1P1.mx1")
        // (The CLI refuses a broken configuration too, so look at the files.)
        #expect(
            DaemonHarness.eventually(timeout: 3) {
                TemporaryDesk.files(under: desk.inbox("retail-jp")).isEmpty
                    && TemporaryDesk.files(under: desk.archive("retail-jp")).contains {
                        $0.hasSuffix("1764461702.M1P1.mx1")
                    }
            }, "retail-jp still ingests")

        // Fixed, the new office is picked up without a restart.
        let usTenant = try String(
            contentsOf: desk.config.appendingPathComponent("tenants/retail-us.yaml"), encoding: .utf8)
        try usTenant.replacingOccurrences(of: "retail-us", with: "retail-eu").write(
            to: broken, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(DaemonHarness.eventually(timeout: 5) { daemon.stderrSoFar.contains("configuration reloaded") })
        #expect(
            DaemonHarness.eventually(timeout: 5) {
                FileManager.default.fileExists(atPath: desk.inbox("retail-eu").appendingPathComponent("new").path)
            })
        try harness.deliver(try fixture("auto-reply.eml"), to: "retail-eu", name: "1764462000.M2P1.mx1")
        #expect(
            try DaemonHarness.eventually(timeout: 3) {
                try harness.queue(all: true).contains { $0["id"] as? String == "retail-eu-1" }
            })

        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    @Test func aTypoInARunningTenantsFileKeepsItRunningWhileANewOfficeIsAdded() throws {
        let desk = try TemporaryDesk(name: "reload-keep")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        // In one reload: retail-us's file gets a typo, and a new office retail-eu appears.
        let usFile = desk.config.appendingPathComponent("tenants/retail-us.yaml")
        let usText = try String(contentsOf: usFile, encoding: .utf8)
        try usText.replacingOccurrences(of: "retail-us", with: "retail-eu").write(
            to: desk.config.appendingPathComponent("tenants/retail-eu.yaml"), atomically: true, encoding: .utf8)
        try (usText + "\ntime_zne: America/Chicago\n").write(to: usFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(DaemonHarness.eventually(timeout: 5) { daemon.stderrSoFar.contains("configuration reloaded") })
        let log = daemon.stderrSoFar
        let kept = log.split(separator: "\n").first { $0.contains("keeps its running configuration") }
        #expect(kept?.contains("retail-us.yaml:") == true && kept?.contains("time_zne") == true, "\(log)")

        // retail-us still ingests on its running configuration; retail-eu runs too.
        try harness.deliver(try fixture("auto-reply.eml"), to: "retail-us", name: "1764462000.M1P1.mx1")
        try harness.deliver(try fixture("auto-reply.eml"), to: "retail-eu", name: "1764462000.M2P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 5) {
                TemporaryDesk.files(under: desk.inbox("retail-us").appendingPathComponent("new")).isEmpty
                    && TemporaryDesk.files(under: desk.inbox("retail-eu").appendingPathComponent("new")).isEmpty
            }, "both offices ingest")
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    @Test func slaStatesEnterTheHistoryOnceAndABreachFirstSeenSkipsAtRisk() throws {
        let desk = try TemporaryDesk(name: "sweep")
        defer { desk.remove() }
        let file = desk.root.appendingPathComponent("message.eml")
        try fixture("iso2022jp-submission.eml").write(to: file)
        // Received Mon 30 Nov 2026 → due Mon 7 Dec; at risk from Fri 4 Dec.
        let early = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-04T09:00:00+09:00"])
        #expect(try early.cli(["ingest", "--tenant", "retail-jp", file.path]).status == 0)
        for _ in 1...2 {
            let run = try ProgramRun.run(
                "competencyd", ["--config", desk.configFile.path, "--once"], environment: early.environment)
            #expect(run.status == 0, "\(run.stderr)")
        }
        var history = try early.cli(["history", "retail-jp-1"]).stdout
        #expect(
            history.components(separatedBy: "sla-at-risk").count - 1 == 1, "entered once, however often the sweep runs")
        #expect(!history.contains("sla-breached"))

        let late = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-08T00:00:01+09:00"])
        #expect(
            try ProgramRun.run(
                "competencyd", ["--config", desk.configFile.path, "--once"], environment: late.environment
            ).status == 0)
        history = try late.cli(["history", "retail-jp-1"]).stdout
        #expect(history.components(separatedBy: "sla-breached").count - 1 == 1)
        #expect(try late.queue().first?["sla"] as? String == "breached")

        // A second message, first seen after its deadline: breached only.
        let other = desk.root.appendingPathComponent("other.eml")
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "e2e.0001", with: "e2e.0002")
        try text.write(to: other, atomically: true, encoding: .utf8)
        #expect(try late.cli(["ingest", "--tenant", "retail-jp", other.path]).status == 0)
        #expect(
            try ProgramRun.run(
                "competencyd", ["--config", desk.configFile.path, "--once"], environment: late.environment
            ).status == 0)
        let second = try late.cli(["history", "retail-jp-2"]).stdout
        #expect(second.contains("sla-breached"))
        #expect(!second.contains("sla-at-risk"))
    }
}
