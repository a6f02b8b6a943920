import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12, item 2: `scripts/install` lays out one install — the programs in
/// /usr/local/bin, the configuration in /etc/competency-desk (pointing at
/// /var/lib/competency-desk), the unit and the two snippets applied — here into a
/// temporary root (`--root`), never the machine's own /etc. The installed unit
/// passes `systemd-analyze verify` with its ExecStart binary present (the one the
/// script installed), its `systemd-analyze security --offline=true` exposure stays
/// as low as README.md reports, and a second run keeps the operator's configuration.
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root"))
struct InstallScriptTests {
    static let systemdTools = RequiredTool(
        name: "systemd-analyze, systemd-sysusers and systemd-tmpfiles (apt package systemd)",
        probe: ["sh", "-c", "systemd-analyze --version && systemd-sysusers --version && systemd-tmpfiles --version"])

    static func install(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try shell(RepositoryPaths.root.appendingPathComponent("scripts/install").path, arguments)
    }

    static func shell(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "install-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test(.enabled(if: systemdTools.shouldRun, "needs systemd's offline tools"))
    func theScriptInstallsOneLayoutTheUnitVerifiesAndAConfigurationIsNeverOverwritten() throws {
        try RequiredTool.rootWithSetpriv.require()
        try Self.systemdTools.require()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "install-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        let first = try Self.install(["--root", root.path, "--binaries", RepositoryPaths.binaries.path])
        try #require(first.status == 0, "\(first.output)")

        // The programs, and the documentation the unit names.
        let daemon = root.appendingPathComponent("usr/local/bin/competencyd")
        #expect(FileManager.default.isExecutableFile(atPath: daemon.path))
        #expect(
            FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("usr/local/bin/competency").path))
        #expect(
            FileManager.default.fileExists(
                atPath: root.appendingPathComponent("usr/local/share/doc/competency-desk/README.md").path))

        // The configuration: in /etc, the data under /var/lib, the offices' groups set.
        let config = root.appendingPathComponent("etc/competency-desk")
        let daemonFile = try String(contentsOf: config.appendingPathComponent("competencyd.yaml"), encoding: .utf8)
        #expect(daemonFile.contains("\nstate_folder: /var/lib/competency-desk/Archive\n"), "\(daemonFile)")
        for tenant in ["retail-jp", "retail-us"] {
            let text = try String(contentsOf: config.appendingPathComponent("tenants/\(tenant).yaml"), encoding: .utf8)
            #expect(text.contains("\ninbox: /var/lib/competency-desk/Inbox/\(tenant)\n"), "\(tenant)")
            #expect(text.contains("\narchive: /var/lib/competency-desk/Archive/\(tenant)\n"), "\(tenant)")
            #expect(text.contains("\naccess_group: competency-\(tenant)\n"), "\(tenant)")
        }
        // It loads (without the groups, which exist only inside the install root).
        let check = root.appendingPathComponent("check")
        try FileManager.default.copyItem(at: config, to: check)
        for tenant in ["retail-jp", "retail-us"] {
            let file = check.appendingPathComponent("tenants/\(tenant).yaml")
            try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(
                of: "\naccess_group: ", with: "\n# "
            )
            .write(to: file, atomically: true, encoding: .utf8)
        }
        let due = try ProgramRun.run(
            "competency",
            [
                "--config", check.appendingPathComponent("competencyd.yaml").path, "calendar", "due", "--tenant",
                "retail-jp",
                "--received", "2026-12-25T10:00:00", "--json",
            ])
        #expect(due.status == 0, "\(due.stderr)")
        #expect(
            due.stdout.contains("\"due_date\": \"2027-01-07\""),
            "five business days past the year-end closure: \(due.stdout)")
        #expect(!due.stderr.contains("disabled"), "\(due.stderr)")

        // Users, groups and folders, made by the snippets the unit names.
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        #expect(passwd.contains("\ncompetency:") || passwd.hasPrefix("competency:"), "\(passwd)")
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        #expect(group.contains("competency-retail-jp:"))
        var status = stat()
        #expect(lstat(root.appendingPathComponent("var/lib/competency-desk/Archive/retail-jp").path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o2750)
        #expect(lstat(root.appendingPathComponent("var/lib/competency-desk/Inbox/retail-us/new").path, &status) == 0)

        // The installed unit names exactly this layout, and systemd accepts it with the
        // binary it starts present (the installed one: /usr/local/bin of the install root).
        let unitFile = root.appendingPathComponent("etc/systemd/system/competencyd.service")
        let unit = try String(contentsOf: unitFile, encoding: .utf8)
        #expect(
            unit.contains("\nExecStart=/usr/local/bin/competencyd --config /etc/competency-desk/competencyd.yaml\n"))
        #expect(unit.contains("\nReadWritePaths=/var/lib/competency-desk\n"))
        #expect(unit.contains("\nType=notify\n") && unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"))
        #expect(!unit.contains("/opt/"), "one layout: nothing left of the old /opt tree")
        let verifiable = root.appendingPathComponent("competencyd.service")
        try unit.replacingOccurrences(of: "ExecStart=/usr/local/bin/competencyd", with: "ExecStart=\(daemon.path)")
            .write(to: verifiable, atomically: true, encoding: .utf8)
        let verified = try Self.shell("systemd-analyze", ["verify", verifiable.path])
        #expect(verified.status == 0, "\(verified.output)")
        let security = try Self.shell("systemd-analyze", ["security", "--offline=true", "--no-pager", verifiable.path])
        let exposure = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        let score = exposure.flatMap { line in
            line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        }
        #expect(score != nil, "\(security.output)")
        #expect(
            (score ?? 10) <= 1.2,
            "README.md reports 1.2; a change that weakens the sandbox shows here: \(exposure ?? "")")

        // Again, over an edited configuration: the programs are replaced, the configuration kept.
        let edited = daemonFile + "# the operator's own line\n"
        try edited.write(to: config.appendingPathComponent("competencyd.yaml"), atomically: true, encoding: .utf8)
        let second = try Self.install(["--root", root.path, "--binaries", RepositoryPaths.binaries.path])
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("kept the existing configuration"), "\(second.output)")
        #expect(try String(contentsOf: config.appendingPathComponent("competencyd.yaml"), encoding: .utf8) == edited)

        // Bad input: a clear word and a non-zero exit.
        let bad = try Self.install(["--root", root.path, "--binaries", root.appendingPathComponent("nowhere").path])
        #expect(bad.status == 66 && bad.output.contains("nowhere/competencyd is missing"), "\(bad.output)")
    }
}
