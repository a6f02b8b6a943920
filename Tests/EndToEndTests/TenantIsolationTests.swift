import DeskTesting
import Foundation
import Testing

/// PRODUCT.md §2: one tenant's data is never visible to another tenant's reviewers,
/// and the operating system, not only the CLI, enforces it. Needs root (to run the
/// CLI as another user): skipped otherwise on a user's clone, failed in CI.
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
struct TenantIsolationTests {
    static let officeGroup: gid_t = 41_001
    static let nobody: (uid: uid_t, gid: gid_t) = (65_534, 65_534)

    @Test func onlyTheTenantsGroupMayReadItsArchiveAndStore() throws {
        try RequiredTool.rootWithSetpriv.require()
        let desk = try TemporaryDesk(name: "isolation")
        defer { desk.remove() }
        let tenantFile = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        let text = try String(contentsOf: tenantFile, encoding: .utf8)
        try (text + "\naccess_group: \"\(Self.officeGroup)\"\n").write(to: tenantFile, atomically: true, encoding: .utf8)
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment).status == 0)

        // The files carry the office's group, which may read them (folders rwxr-s---,
        // files rw-r-----); nothing for others. The daemon is the only writer.
        var status = stat()
        #expect(stat(desk.archive("retail-jp").path, &status) == 0)
        #expect(status.st_gid == Self.officeGroup)
        #expect(status.st_mode & 0o7777 == 0o2750)
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        for file in [store.path, store.path + "-wal", store.path + "-shm"] {
            #expect(stat(file, &status) == 0)
            #expect(status.st_gid == Self.officeGroup)
            #expect(status.st_mode & 0o7777 == 0o640, "\(file) is rw-r-----")
        }

        let arguments = ["--config", desk.configFile.path]
        // Someone outside the group is refused by the operating system, with a plain message.
        let outsider = try ProgramRun.run(
            "competency", ["queue", "--tenant", "retail-jp", "--json"] + arguments, environment: harness.environment,
            user: (Self.nobody.uid, Self.nobody.gid, []))
        #expect(outsider.status == 77, "\(outsider.stderr)")
        #expect(outsider.stderr.contains("you may not read tenant retail-jp"))
        let showOutsider = try ProgramRun.run(
            "competency", ["show", "retail-jp-1"] + arguments, environment: harness.environment, user: (Self.nobody.uid, Self.nobody.gid, []))
        #expect(showOutsider.status == 77)

        // A member of the office's group reads it, but cannot write the store or the
        // archive itself: changes go through the daemon (ControlSocketTests).
        let member = try ProgramRun.run(
            "competency", ["queue", "--tenant", "retail-jp", "--json"] + arguments, environment: harness.environment,
            user: (Self.nobody.uid, Self.nobody.gid, [Self.officeGroup]))
        #expect(member.status == 0, "\(member.stderr)")
        #expect(member.stdout.contains("retail-jp-1"))
        for (what, command) in [
            ("append to the store", ": >> '\(store.path)'"),
            ("add a file to the archive", ": > '\(desk.archive("retail-jp").path)/planted'"),
        ] {
            let attempt = Process()
            attempt.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            attempt.arguments = [
                "--reuid", "\(Self.nobody.uid)", "--regid", "\(Self.nobody.gid)", "--groups", "\(Self.officeGroup)", "--",
                "/bin/sh", "-c", command,
            ]
            attempt.standardError = FileHandle.nullDevice
            try attempt.run()
            attempt.waitUntilExit()
            #expect(attempt.terminationStatus != 0, "a member could \(what)")
        }
        #expect(!FileManager.default.fileExists(atPath: desk.archive("retail-jp").appendingPathComponent("planted").path))
    }
}
