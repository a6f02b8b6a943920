import DeskTesting
import Foundation
import Testing

/// A mistake in one tenant's file disables that tenant only (PRODUCT.md §2: one
/// tenant's broken input never stops the others): reviewers keep working on every
/// other office, the daemon starts the others, and everyone is told which file,
/// line and key is wrong.
@Suite(.serialized) struct BrokenTenantTests {
    static let environment = ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"]
    /// `language` (line 2) is not a supported language.
    static let brokenTenant = "time_zone: Europe/Paris\nlanguage: de\n"

    func withBrokenTenant(_ body: (DaemonHarness) throws -> Void) throws {
        let desk = try TemporaryDesk(name: "brokentenant")
        defer { desk.remove() }
        try Self.brokenTenant.write(
            to: desk.config.appendingPathComponent("tenants/retail-eu.yaml"), atomically: true, encoding: .utf8)
        try body(DaemonHarness(desk: desk, environment: Self.environment))
    }

    /// `competency ARGS --config PATH`.
    func competency(_ harness: DaemonHarness, _ arguments: [String]) throws -> ProgramRun {
        try harness.cli(arguments)
    }

    func warnsAboutTheBrokenFile(_ run: ProgramRun) -> Bool {
        run.stderr.contains("retail-eu") && run.stderr.contains("disabled")
            && run.stderr.contains("retail-eu.yaml:2:") && run.stderr.contains("language")
    }

    @Test func theCLIServesEveryValidTenantAndWarnsAboutTheBrokenOne() throws {
        try withBrokenTenant { harness in
            let message = harness.desk.root.appendingPathComponent("message.eml")
            try fixture("iso2022jp-submission.eml").write(to: message)
            let ingest = try competency(harness, ["ingest", "--tenant", "retail-jp", message.path])
            #expect(ingest.status == 0, "\(ingest.stderr)")

            let jp = try competency(harness, ["queue", "--tenant", "retail-jp", "--json"])
            #expect(jp.status == 0, "\(jp.stderr)")
            #expect(jp.stdout.contains("\"retail-jp-1\""))
            #expect(warnsAboutTheBrokenFile(jp), "\(jp.stderr)")

            let all = try competency(harness, ["queue", "--json"])
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stdout.contains("\"retail-jp-1\""))
            #expect(warnsAboutTheBrokenFile(all), "\(all.stderr)")

            for command in [["show", "retail-jp-1"], ["history", "retail-jp-1"]] {
                let run = try competency(harness, command)
                #expect(run.status == 0, "\(command): \(run.stderr)")
            }
            let due = try competency(
                harness, ["calendar", "due", "--tenant", "retail-us", "--received", "2026-12-01T09:00:00-05:00"])
            #expect(due.status == 0, "\(due.stderr)")
        }
    }

    @Test func namingTheBrokenTenantSaysItIsDisabledAndWhy() throws {
        try withBrokenTenant { harness in
            for command in [
                ["queue", "--tenant", "retail-eu"], ["show", "retail-eu-1"],
                ["calendar", "due", "--tenant", "retail-eu", "--received", "2026-12-01"],
                ["template", "--tenant", "retail-eu", "--format", "yaml"],
            ] {
                let run = try competency(harness, command)
                #expect(run.status == 78, "\(command): \(run.status) \(run.stderr)")
                #expect(run.stderr.contains("tenant retail-eu is disabled"), "\(command): \(run.stderr)")
                #expect(warnsAboutTheBrokenFile(run), "\(command): \(run.stderr)")
            }
        }
    }

    @Test func theDaemonStartsTheOtherTenantsAndLogsWhyOneIsDisabled() throws {
        try withBrokenTenant { harness in
            let daemon = try harness.startDaemon()
            defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
            let log = daemon.stderrSoFar
            let line = log.split(separator: "\n").first { $0.contains("retail-eu") && $0.contains("disabled") }
            #expect(line?.contains("retail-eu.yaml:2:") == true, "\(log)")
            #expect(line?.contains("error") == true, "\(log)")

            try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1764461702.M1P1.mx1")
            #expect(try DaemonHarness.eventually(timeout: 3) { try harness.queue().count == 1 }, "retail-jp ingests")

            // A reload while the file is still broken keeps it disabled; everything else keeps running.
            daemon.signal(SIGHUP)
            #expect(DaemonHarness.eventually(timeout: 5) { daemon.stderrSoFar.contains("the tenant stays disabled") })
            try harness.deliver(try fixture("auto-reply.eml"), to: "retail-us", name: "1764462000.M2P1.mx1")
            #expect(try DaemonHarness.eventually(timeout: 3) { try harness.queue(all: true).count == 2 })

            daemon.signal(SIGTERM)
            #expect(daemon.finish().status == 0)
        }
    }

    @Test func onceProcessesTheValidTenantsThenExits78() throws {
        try withBrokenTenant { harness in
            try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1764461702.M1P1.mx1")
            let run = try ProgramRun.run(
                "competencyd", ["--config", harness.desk.configFile.path, "--once"], environment: harness.environment)
            #expect(run.status == 78, "\(run.stderr)")
            #expect(run.stderr.contains("retail-eu.yaml:2:"))
            #expect(TemporaryDesk.files(under: harness.desk.inbox("retail-jp")).isEmpty, "retail-jp was processed")
            #expect(try harness.queue().count == 1)
        }
    }

    @Test func onlyABrokenDaemonFileOrNoValidTenantStopsStartUp() throws {
        try withBrokenTenant { harness in
            let desk = harness.desk
            let daemonFile = try String(contentsOf: desk.configFile, encoding: .utf8)
            try daemonFile.replacingOccurrences(of: "log_level: info", with: "log_level: loud")
                .write(to: desk.configFile, atomically: true, encoding: .utf8)
            let broken = try ProgramRun.run("competencyd", ["--config", desk.configFile.path])
            #expect(broken.status == 78, "\(broken.stderr)")
            #expect(broken.stderr.contains("competencyd.yaml:"))
            try daemonFile.write(to: desk.configFile, atomically: true, encoding: .utf8)

            // Every tenant file broken: nothing could run, so start-up stops with the first mistake.
            for tenant in ["retail-jp", "retail-us"] {
                try Self.brokenTenant.write(
                    to: desk.config.appendingPathComponent("tenants/\(tenant).yaml"), atomically: true, encoding: .utf8)
            }
            let none = try ProgramRun.run("competencyd", ["--config", desk.configFile.path])
            #expect(none.status == 78, "\(none.stderr)")
            #expect(none.stderr.contains(".yaml:2:"))
        }
    }
}
