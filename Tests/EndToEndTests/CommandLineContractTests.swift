import DeskTesting
import Foundation
import Testing

/// The command line exactly as PRODUCT.md §9 writes it, run as real child processes:
/// where `--config` may stand, what exit codes scripts can rely on, how a receipt
/// time without an offset is read, and what the daemon says about a fixed clock.
@Suite(.serialized) struct CommandLineContractTests {
    static let now = ["COMPETENCY_NOW": "2026-12-03T10:00:00+09:00"]

    /// A temporary desk with one stored submission, `retail-jp-1`.
    func withSubmission(_ body: (TemporaryDesk, URL) throws -> Void) throws {
        let desk = try TemporaryDesk(name: "contract")
        defer { desk.remove() }
        let message = desk.root.appendingPathComponent("message.eml")
        try fixture("iso2022jp-submission.eml").write(to: message)
        let ingest = try competency(["ingest", "--tenant", "retail-jp", message.path, "--config", desk.configFile.path])
        try #require(ingest.status == 0, "\(ingest.stderr)")
        try body(desk, message)
    }

    func competency(_ arguments: [String], environment: [String: String] = [:]) throws -> ProgramRun {
        try ProgramRun.run("competency", arguments, environment: Self.now.merging(environment) { $1 })
    }

    func ids(_ run: ProgramRun) throws -> [String] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        return array.compactMap { $0["id"] as? String }
    }

    @Test func configBeforeTheCommandAfterItOrFromTheEnvironment() throws {
        try withSubmission { desk, _ in
            let path = desk.configFile.path
            let before = try competency(["--config", path, "queue", "--json"])
            #expect(before.status == 0, "competency --config PATH queue --json: \(before.stderr)")
            #expect(try ids(before) == ["retail-jp-1"])

            let after = try competency(["queue", "--config", path, "--json"])
            #expect(after.status == 0, "\(after.stderr)")
            #expect(try ids(after) == ["retail-jp-1"])

            let environment = try competency(["queue", "--json"], environment: ["COMPETENCY_CONFIG": path])
            #expect(environment.status == 0, "\(environment.stderr)")
            #expect(try ids(environment) == ["retail-jp-1"])
        }
    }

    @Test func everyCommandTakesConfigBeforeTheCommand() throws {
        try withSubmission { desk, message in
            let config = ["--config", desk.configFile.path]
            let commands: [[String]] = [
                ["show", "retail-jp-1", "--json"],
                ["history", "retail-jp-1"],
                ["note", "retail-jp-1", "checked the case studies"],
                ["queue", "--tenant", "retail-jp", "--all"],
                ["calendar", "due", "--tenant", "retail-jp", "--received", "2026-11-24T08:20:00+09:00", "--json"],
                ["template", "--tenant", "retail-us", "--format", "yaml"],
                ["ingest", "--tenant", "retail-jp", message.path],
                ["parse", message.path, "--json"],
            ]
            for command in commands {
                let run = try competency(config + command)
                #expect(run.status == 0, "competency --config PATH \(command.joined(separator: " ")): \(run.stderr)")
            }
        }
    }

    @Test func aMistakeInTheConfigurationExits78WithFileLineAndKey() throws {
        let desk = try TemporaryDesk(name: "config78")
        defer { desk.remove() }
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
        try text.replacingOccurrences(of: "rescan_seconds: 30", with: "rescan_seconds: 0")
            .write(to: desk.configFile, atomically: true, encoding: .utf8)
        let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("rescan_seconds:") }) + 1

        for command in [
            ["queue"], ["show", "retail-jp-1"],
            ["calendar", "due", "--tenant", "retail-jp", "--received", "2026-12-01"],
        ] {
            let run = try competency(command + ["--config", desk.configFile.path])
            #expect(run.status == 78, "EX_CONFIG for \(command): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("competencyd.yaml:\(line):"))
            #expect(run.stderr.contains("rescan_seconds"))
        }
        let daemon = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
        #expect(daemon.status == 78, "\(daemon.stderr)")
    }

    @Test func aStoreThatIsNotADatabaseSaysSoInsteadOfBlamingPermissions() throws {
        try withSubmission { desk, _ in
            let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) }
            try Data(repeating: 0x5A, count: 8192).write(to: store)

            for command in [["queue", "--tenant", "retail-jp"], ["show", "retail-jp-1"]] {
                let run = try competency(command + ["--config", desk.configFile.path])
                #expect(run.status == 74, "EX_IOERR for \(command): \(run.status) \(run.stderr)")
                #expect(run.stderr.contains("cannot open the store \(store.path)"), "\(run.stderr)")
                #expect(!run.stderr.contains("may not read"), "\(run.stderr)")
            }
            // The other tenants are still served; the broken store is named on stderr.
            let all = try competency(["queue", "--json", "--config", desk.configFile.path])
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stderr.contains("cannot open the store \(store.path)"))
        }
    }

    /// PRODUCT.md §9: "--received ISO8601 (no offset: the tenant's local time)"; a bare date is the start of that day.
    @Test func calendarDueReadsATimeWithoutAnOffsetInTheTenantsZone() throws {
        let desk = try TemporaryDesk(name: "localtime")
        defer { desk.remove() }
        func due(_ tenant: String, _ received: String) throws -> [String: String] {
            let run = try competency([
                "calendar", "due", "--tenant", tenant, "--received", received, "--json", "--config",
                desk.configFile.path,
            ])
            #expect(run.status == 0, "\(received): \(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: String])
        }
        // Thu 26 Nov 20:00 in Tokyo (read as UTC it would be Friday morning there: one day later).
        #expect(try due("retail-jp", "2026-11-26T20:00:00") == due("retail-jp", "2026-11-26T20:00:00+09:00"))
        #expect(try due("retail-jp", "2026-11-26T20:00:00")["due_date"] == "2026-12-03")
        // Wed 25 Nov 02:00 in New York (read as UTC it would be Tuesday evening there).
        #expect(try due("retail-us", "2026-11-25T02:00:00") == due("retail-us", "2026-11-25T02:00:00-05:00"))
        // A bare date: the start of that day in the tenant's zone.
        #expect(try due("retail-jp", "2026-11-26") == due("retail-jp", "2026-11-26T00:00:00+09:00"))
        #expect(try due("retail-us", "2026-12-01") == due("retail-us", "2026-12-01T00:00:00-05:00"))

        let human = try competency([
            "calendar", "due", "--tenant", "retail-jp", "--received", "2026-11-26T20:00:00", "--config",
            desk.configFile.path,
        ])
        #expect(human.stdout.contains("Thu 26 Nov 2026 20:00 +09:00"), "\(human.stdout)")
    }

    @Test func theDaemonWarnsAtStartUpWhenItsClockIsFixed() throws {
        let desk = try TemporaryDesk(name: "fixedclock")
        defer { desk.remove() }
        let fixed = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"],
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let warning = fixed.stderr.split(separator: "\n").first { $0.contains("COMPETENCY_NOW") }
        #expect(warning?.contains("warning") == true, "a warning names COMPETENCY_NOW: \(fixed.stderr)")
        #expect(warning?.contains("2026-12-01T10:00:00+09:00") == true)

        let real = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
        #expect(real.status == 0)
        #expect(!real.stderr.contains("COMPETENCY_NOW"))
    }
}
