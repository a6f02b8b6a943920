import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 8, item 5: the unit and the code agree. The real `competencyd` runs the
/// way `systemd/competencyd.service` runs it, as far as this machine allows without
/// systemd: as a non-root daemon user with the tenants' groups (`setpriv`), no new
/// privileges, no capabilities, umask 027 and a seccomp filter that refuses any
/// chmod, mkdir, mknod or creating open whose mode sets the setuid or setgid bit,
/// as systemd's `RestrictSUIDSGID=yes` does (a small C launcher built here; see
/// `launcherSource`). The folders are made by the shipped tmpfiles.d snippet itself
/// (`systemd-tmpfiles --create`, with the install path and names rewritten to the
/// test's folder and numeric ids).
///
/// Needs root, setpriv, systemd-tmpfiles and a C compiler: skipped on a user's
/// clone without them, failed in CI (`RequiredTool`). Running under a real systemd
/// (`systemd-run`) is tried only where systemd is PID 1; elsewhere it is skipped.
@Suite(.serialized, .enabled(if: RequiredTool.rootWithSetpriv.shouldRun, "needs root and setpriv"))
struct SandboxedDaemonTests {
    static let daemonUser: uid_t = 41_020
    static let daemonGroup: gid_t = 41_020
    static let jpGroup: gid_t = 41_021
    static let usGroup: gid_t = 41_022
    static let mailGroup: gid_t = 41_023
    static let mailUser: uid_t = 41_024
    /// A reviewer: `nobody`, in one office's group.
    static let nobody: uid_t = 65_534

    static let compiler = RequiredTool(
        name: "a C compiler (cc or clang) for the seccomp launcher", probe: ["sh", "-c", "command -v cc || command -v clang"])
    static let tmpfiles = RequiredTool(name: "systemd-tmpfiles", probe: ["systemd-tmpfiles", "--version"])
    static let sysusers = RequiredTool(name: "systemd-sysusers", probe: ["systemd-sysusers", "--version"])
    static let analyze = RequiredTool(name: "systemd-analyze", probe: ["systemd-analyze", "--version"])

    static let now = "2026-11-30T10:00:00+09:00"

    // MARK: the snippets

    /// The two snippets, applied to an empty root as an install would: users and
    /// groups, then the folders with their owners, groups and modes. And the unit
    /// passes `systemd-analyze verify` (with ExecStart pointed at the built daemon).
    @Test(.enabled(if: tmpfiles.shouldRun && sysusers.shouldRun && analyze.shouldRun, "needs systemd's offline tools"))
    func theShippedSnippetsBuildTheLayoutTheUnitRunsOn() throws {
        try RequiredTool.rootWithSetpriv.require()
        try Self.tmpfiles.require()
        try Self.sysusers.require()
        try Self.analyze.require()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-root-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        let snippets = RepositoryPaths.root.appendingPathComponent("systemd")

        let users = try Self.run("/usr/bin/env", ["systemd-sysusers", "--root=\(root.path)", snippets.appendingPathComponent("competency-desk.sysusers.conf").path])
        #expect(users.status == 0, "\(users.output)")
        let folders = try Self.run(
            "/usr/bin/env", ["systemd-tmpfiles", "--create", "--root=\(root.path)", snippets.appendingPathComponent("competency-desk.tmpfiles.conf").path])
        #expect(folders.status == 0, "\(folders.output)")

        // Names as the install root's own /etc says them.
        let passwd = try Self.database(root.appendingPathComponent("etc/passwd"))
        let groups = try Self.database(root.appendingPathComponent("etc/group"))
        let user = try #require(passwd["competency"].flatMap { UInt32($0[2]) }, "user competency")
        func gid(_ name: String) throws -> gid_t { try #require(groups[name].flatMap { UInt32($0[2]) }, "group \(name)") }
        let own = try gid("competency"), jp = try gid("competency-retail-jp"), us = try gid("competency-retail-us")
        let mail = try gid("competency-mail")
        for name in ["competency-retail-jp", "competency-retail-us", "competency-mail"] {
            #expect(groups[name]?[3].split(separator: ",").contains("competency") == true, "competency is in \(name)")
        }

        let base = root.appendingPathComponent("var/lib/competency-desk")
        let expected: [(String, uid_t, gid_t, mode_t)] = [
            ("", user, own, 0o755),
            ("Archive", user, own, 0o751),
            ("Archive/retail-jp", user, jp, 0o2750),
            ("Archive/retail-us", user, us, 0o2750),
            ("Inbox", user, mail, 0o750),
        ] + ["retail-jp", "retail-us"].flatMap { tenant in
            ["", "/tmp", "/new", "/cur"].map { ("Inbox/\(tenant)\($0)", user, mail, mode_t(0o2770)) }
        }
        for (relative, owner, group, mode) in expected {
            var status = stat()
            let path = relative.isEmpty ? base.path : base.appendingPathComponent(relative).path
            #expect(lstat(path, &status) == 0, "\(path) exists")
            #expect(status.st_mode & S_IFMT == S_IFDIR, "\(path) is a folder")
            #expect(status.st_uid == owner, "\(relative): owner \(status.st_uid), not \(owner)")
            #expect(status.st_gid == group, "\(relative): group \(status.st_gid), not \(group)")
            #expect(status.st_mode & 0o7777 == mode, "\(relative): mode \(String(status.st_mode & 0o7777, radix: 8))")
        }

        // The unit: what the daemon relies on is still there, and systemd accepts it.
        let unit = try String(contentsOf: snippets.appendingPathComponent("competencyd.service"), encoding: .utf8)
        for line in ["Type=notify", "UMask=0027", "RestrictSUIDSGID=yes", "User=competency", "NoNewPrivileges=yes"] {
            #expect(unit.contains("\n\(line)\n"), "the unit keeps \(line)")
        }
        #expect(unit.contains("competency-desk.tmpfiles.conf") && unit.contains("competency-desk.sysusers.conf"))
        let copy = root.appendingPathComponent("competencyd.service")
        try unit.replacingOccurrences(
            of: "/usr/local/bin/competencyd",
            with: RepositoryPaths.binaries.appendingPathComponent("competencyd").path
        ).write(to: copy, atomically: true, encoding: .utf8)
        let verified = try Self.run("/usr/bin/env", ["systemd-analyze", "verify", copy.path])
        #expect(verified.status == 0, "\(verified.output)")
    }

    // MARK: the daemon in the sandbox

    /// The install layout made by tmpfiles (tenant folders 2750): the daemon starts,
    /// ingests, and everything it writes comes out 0640 and 2750 with the office's
    /// group, without changing a single mode (so no chmod with setgid is ever tried).
    @Test(.enabled(if: compiler.shouldRun && tmpfiles.shouldRun, "needs a C compiler and systemd-tmpfiles"))
    func onTheInstallLayoutTheSandboxedDaemonWritesGroupReadableFilesAndChangesNoMode() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.applyInstallLayout()

        let daemon = try sandbox.startDaemon()
        defer { daemon.kill() }
        #expect(
            DaemonHarness.eventually(timeout: 30) { daemon.log.components(separatedBy: "watching inbox").count - 1 >= 2 },
            "both tenants are watched:\n\(daemon.log)")
        try sandbox.deliverAsTheMailUser(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) { daemon.log.contains("stored submission") }, "stored:\n\(daemon.log)")
        #expect(
            DaemonHarness.eventually(timeout: 10) {
                (try? FileManager.default.contentsOfDirectory(atPath: sandbox.desk.inbox("retail-jp").appendingPathComponent("new").path))?.isEmpty == true
            }, "the daemon removed the delivered file (another user's, in its own folder)")

        // Every folder 2750 and file 0640, the daemon's, with the office's group.
        for (tenant, group) in [("retail-jp", Self.jpGroup), ("retail-us", Self.usGroup)] {
            let entries = try Self.everything(under: sandbox.desk.archive(tenant))
            #expect(entries.contains { $0.0.hasSuffix("competency.sqlite-wal") }, "\(tenant)'s store is there")
            for (path, status) in entries {
                let isFolder = status.st_mode & S_IFMT == S_IFDIR
                #expect(status.st_mode & 0o7777 == (isFolder ? 0o2750 : 0o640), "\(path): \(String(status.st_mode & 0o7777, radix: 8))")
                #expect(status.st_gid == group, "\(path): group \(status.st_gid)")
                #expect(status.st_uid == Self.daemonUser, "\(path): owner \(status.st_uid)")
            }
        }
        let archived = try Self.everything(under: sandbox.desk.archive("retail-jp"))
        #expect(archived.contains { $0.0.hasSuffix("-1795935823.M1P1.mx1") }, "the original is archived")

        // A reviewer of the office reads it; a reviewer of the other office may not.
        let config = ["--config", sandbox.desk.configFile.path]
        let member = try ProgramRun.run(
            "competency", ["queue", "--tenant", "retail-jp", "--json"] + config, environment: ["COMPETENCY_NOW": Self.now],
            user: (Self.nobody, Self.nobody, [Self.jpGroup]))
        #expect(member.status == 0, "\(member.stderr)")
        #expect(member.stdout.contains("retail-jp-1"))
        let other = try ProgramRun.run(
            "competency", ["queue", "--tenant", "retail-jp", "--json"] + config, environment: ["COMPETENCY_NOW": Self.now],
            user: (Self.nobody, Self.nobody, [Self.usGroup]))
        #expect(other.status == 77, "\(other.stderr)")

        let stopped = daemon.stop()
        #expect(stopped.status == 0, "\(stopped.log)")
        #expect(!stopped.log.contains("fixed "), "no mode needed fixing:\n\(stopped.log)")
        #expect(!stopped.log.contains("tenant unhealthy"), "\(stopped.log)")
    }

    /// A tenant folder not made by tmpfiles (here: missing, so the daemon makes it
    /// without the setgid bit): setting the bit is refused, that tenant is unhealthy
    /// with a message pointing at the tmpfiles snippet, nothing becomes readable by
    /// others, and the other tenant goes on ingesting.
    @Test(.enabled(if: compiler.shouldRun && tmpfiles.shouldRun, "needs a C compiler and systemd-tmpfiles"))
    func withoutTheInstallLayoutTheSetgidBitIsRefusedAndOnlyThatTenantIsUnhealthy() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.applyInstallLayout()
        let us = sandbox.desk.archive("retail-us")
        #expect(rmdir(us.path) == 0)

        let daemon = try sandbox.startDaemon()
        defer { daemon.kill() }
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                daemon.log.contains("watching inbox") && daemon.log.contains("tenant unhealthy")
            }, "\(daemon.log)")
        let unhealthy = daemon.log.split(separator: "\n").filter { $0.contains("tenant unhealthy") }
        #expect(unhealthy.allSatisfy { $0.contains("tenant=retail-us") }, "only retail-us:\n\(daemon.log)")
        let line = try #require(unhealthy.first)
        #expect(
            line.contains("cannot set the setgid bit on \(us.path) (EPERM: the unit's RestrictSUIDSGID=yes forbids it)"),
            "\(line)")
        #expect(line.contains("systemd/competency-desk.tmpfiles.conf (systemd-tmpfiles --create)"), "\(line)")

        // The other office keeps working.
        try sandbox.deliverAsTheMailUser(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P2.mx1")
        #expect(
            DaemonHarness.eventually(timeout: 30) {
                daemon.log.split(separator: "\n").contains { $0.contains("stored submission") && $0.contains("tenant=retail-jp") }
            }, "\(daemon.log)")

        // Refused closed: the folder has no setgid bit, and nothing in it is open to others.
        var status = stat()
        #expect(lstat(us.path, &status) == 0)
        #expect(status.st_mode & S_ISGID == 0, "the bit really was refused")
        for (path, status) in try Self.everything(under: us) {
            #expect(status.st_mode & 0o007 == 0, "\(path) is not open to others: \(String(status.st_mode & 0o7777, radix: 8))")
            #expect(status.st_mode & 0o020 == 0, "\(path) is not group-writable")
        }

        let stopped = daemon.stop()
        #expect(stopped.status == 0, "\(stopped.log)")

        // What the message says to do mends it: the snippet again, as root, then a start.
        try sandbox.applyInstallLayout()
        let again = try sandbox.startDaemon()
        defer { again.kill() }
        #expect(
            DaemonHarness.eventually(timeout: 30) { again.log.components(separatedBy: "watching inbox").count - 1 >= 2 },
            "\(again.log)")
        let mended = again.stop()
        #expect(!mended.log.contains("tenant unhealthy"), "\(mended.log)")
        #expect(lstat(us.path, &status) == 0 && status.st_mode & 0o7777 == 0o2750 && status.st_gid == Self.usGroup)
    }

    /// Under a real systemd, the unit's own sandbox (its [Service] settings, through
    /// `systemd-run`) on the tmpfiles layout: `competencyd --once` ingests and writes
    /// 0640/2750 files. Only where systemd is PID 1.
    @Test(.enabled(if: tmpfiles.shouldRun, "needs systemd-tmpfiles"))
    func underARealSystemdTheUnitsOwnSandboxGivesTheSameModes() throws {
        try RequiredTool.rootWithSetpriv.require()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "/run/systemd/system", isDirectory: &isFolder), isFolder.boolValue
        else {
            let init1 = (try? String(contentsOfFile: "/proc/1/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            try Test.cancel(
                "systemd is not running on this machine (PID 1 is \(init1 ?? "unknown"), no /run/systemd/system): systemd-run cannot start a transient unit with RestrictSUIDSGID=yes here; the seccomp launcher in the other tests stands in for it"
            )
        }
        let sandbox = try Sandbox(buildLauncher: false)
        defer { sandbox.remove() }
        try sandbox.applyInstallLayout()
        try sandbox.deliverAsTheMailUser(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P3.mx1")

        // The unit's [Service] settings, but those about how it is started and where it lives.
        let unit = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("systemd/competencyd.service"), encoding: .utf8)
        let notHere: Set<String> = [
            "Type", "NotifyAccess", "ExecStart", "ExecReload", "KillSignal", "TimeoutStopSec", "Restart", "RestartSec",
            "WatchdogSec", "RestartPreventExitStatus", "User", "Group", "StateDirectory", "WorkingDirectory",
            "ReadWritePaths", "PrivateTmp",
        ]
        var properties: [String] = []
        var inService = false
        for line in unit.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") { inService = line == "[Service]" }
            guard inService, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            if !notHere.contains(String(line[..<equals])) { properties += ["-p", line] }
        }
        properties += [
            "-p", "User=\(Self.daemonUser)", "-p", "Group=\(Self.daemonGroup)",
            "-p", "SupplementaryGroups=\(Self.jpGroup) \(Self.usGroup) \(Self.mailGroup)",
            "-p", "ReadWritePaths=\(sandbox.desk.root.path)", "-p", "WorkingDirectory=\(sandbox.desk.root.path)",
            "-E", "COMPETENCY_NOW=\(Self.now)",
        ]
        let run = try Self.run(
            "/usr/bin/env",
            ["systemd-run", "--wait", "--pipe", "--quiet", "--collect"] + properties + [
                RepositoryPaths.binaries.appendingPathComponent("competencyd").path, "--config", sandbox.desk.configFile.path,
                "--once",
            ])
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("tenant failed"), "\(run.output)")
        for (tenant, group) in [("retail-jp", Self.jpGroup), ("retail-us", Self.usGroup)] {
            for (path, status) in try Self.everything(under: sandbox.desk.archive(tenant)) {
                let isFolder = status.st_mode & S_IFMT == S_IFDIR
                #expect(status.st_mode & 0o7777 == (isFolder ? 0o2750 : 0o640), "\(path)")
                #expect(status.st_gid == group, "\(path)")
            }
        }
    }

    // MARK: helpers

    /// A `TemporaryDesk` whose tenants have an `access_group`, and the seccomp launcher.
    struct Sandbox {
        let desk: TemporaryDesk
        let launcher: URL?

        init(buildLauncher: Bool = true) throws {
            try RequiredTool.rootWithSetpriv.require()
            try SandboxedDaemonTests.tmpfiles.require()
            desk = try TemporaryDesk(name: "sandboxed")
            for (tenant, group) in [("retail-jp", SandboxedDaemonTests.jpGroup), ("retail-us", SandboxedDaemonTests.usGroup)] {
                let file = desk.config.appendingPathComponent("tenants/\(tenant).yaml")
                let text = try String(contentsOf: file, encoding: .utf8)
                try (text + "\naccess_group: \"\(group)\"\n").write(to: file, atomically: true, encoding: .utf8)
            }
            if buildLauncher {
                try SandboxedDaemonTests.compiler.require()
                launcher = try SandboxedDaemonTests.buildLauncher(in: desk.root)
            } else {
                launcher = nil
            }
        }

        func remove() { desk.remove() }

        /// The shipped tmpfiles.d snippet, its install path replaced by the desk's
        /// folder and its names by the test's numeric ids, applied by systemd-tmpfiles.
        func applyInstallLayout() throws {
            let shipped = try String(
                contentsOf: RepositoryPaths.root.appendingPathComponent("systemd/competency-desk.tmpfiles.conf"), encoding: .utf8)
            let ids = [
                "competency": "\(SandboxedDaemonTests.daemonUser)", "competency-retail-jp": "\(SandboxedDaemonTests.jpGroup)",
                "competency-retail-us": "\(SandboxedDaemonTests.usGroup)", "competency-mail": "\(SandboxedDaemonTests.mailGroup)",
                "root": "0",
            ]
            var lines: [String] = []
            for line in shipped.split(separator: "\n") where !line.hasPrefix("#") {
                var fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard fields.count == 6 else { continue }
                fields[1] = fields[1].replacingOccurrences(of: "/var/lib/competency-desk", with: desk.root.path)
                fields[3] = try #require(ids[fields[3]], "user \(fields[3])")
                fields[4] = try #require(ids[fields[4]], "group \(fields[4])")
                lines.append(fields.joined(separator: " "))
            }
            #expect(lines.count >= 14, "the snippet's lines were read")
            let snippet = desk.root.appendingPathComponent("layout.tmpfiles.conf")
            try (lines.joined(separator: "\n") + "\n").write(to: snippet, atomically: true, encoding: .utf8)
            let applied = try SandboxedDaemonTests.run("/usr/bin/env", ["systemd-tmpfiles", "--create", snippet.path])
            #expect(applied.status == 0, "\(applied.output)")
        }

        /// The daemon as its unit runs it: the daemon's user with the offices' and the
        /// mail group, no new privileges, no capabilities, umask 027, RestrictSUIDSGID.
        func startDaemon() throws -> Daemon {
            let launcher = try #require(launcher)
            let binary = RepositoryPaths.binaries.appendingPathComponent("competencyd")
            let groups = [SandboxedDaemonTests.daemonGroup, SandboxedDaemonTests.jpGroup, SandboxedDaemonTests.usGroup, SandboxedDaemonTests.mailGroup]
            return try Daemon(
                "/usr/bin/setpriv",
                [
                    "--reuid", "\(SandboxedDaemonTests.daemonUser)", "--regid", "\(SandboxedDaemonTests.daemonGroup)",
                    "--groups", groups.map(String.init).joined(separator: ","), "--no-new-privs", "--inh-caps=-all",
                    "--bounding-set=-all", "--", launcher.path, binary.path, "--config", desk.configFile.path,
                ],
                environment: ["COMPETENCY_NOW": SandboxedDaemonTests.now, "HOME": desk.root.path])
        }

        /// Delivers as a mail system running as another user would: a member of the
        /// mail group, umask 007, write into tmp/ and rename into new/.
        func deliverAsTheMailUser(_ bytes: Data, to tenant: String, name: String) throws {
            let source = desk.root.appendingPathComponent("outgoing-\(name)")
            try bytes.write(to: source)
            #expect(chmod(source.path, 0o644) == 0)
            let inbox = desk.inbox(tenant).path
            let delivery = try SandboxedDaemonTests.run(
                "/usr/bin/setpriv",
                [
                    "--reuid", "\(SandboxedDaemonTests.mailUser)", "--regid", "\(SandboxedDaemonTests.mailGroup)",
                    "--clear-groups", "--", "/bin/sh", "-c", "umask 007 && cp \"$1\" \"$2/tmp/$3\" && mv \"$2/tmp/$3\" \"$2/new/$3\"",
                    "sh", source.path, inbox, name,
                ])
            #expect(delivery.status == 0, "the mail user delivers: \(delivery.output)")
            try? FileManager.default.removeItem(at: source)
        }
    }

    /// The sandboxed daemon, its stderr collected in a file.
    final class Daemon {
        let process = Process()
        let logURL: URL
        var finished = false

        init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            for key in ["COMPETENCY_CONFIG", "COMPETENCY_NOW", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
                env.removeValue(forKey: key)
            }
            process.environment = env.merging(environment) { $1 }
            logURL = FileManager.default.temporaryDirectory.appendingPathComponent("sandboxed-\(UUID().uuidString.prefix(8)).log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            let log = try FileHandle(forWritingTo: logURL)
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

        /// SIGTERM, then the exit status and the whole log.
        func stop(timeout: TimeInterval = 30) -> (status: Int32, log: String) {
            Glibc.kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            finished = true
            let text = log
            try? FileManager.default.removeItem(at: logURL)
            return (process.terminationStatus, text)
        }

        /// For `defer`: kills it when a test ended before `stop()`.
        func kill() {
            guard !finished else { return }
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            finished = true
            try? FileManager.default.removeItem(at: logURL)
        }
    }

    /// Runs a program to its end; stdout and stderr together.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).out")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL) }
        let out = try FileHandle(forWritingTo: outURL)
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        return (process.terminationStatus, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "")
    }

    /// `/etc/passwd` or `/etc/group` as name → fields.
    static func database(_ url: URL) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if fields.count >= 4 { result[fields[0]] = fields }
        }
        return result
    }

    /// Every entry under `root` (itself included), not following links, with its lstat.
    static func everything(under root: URL) throws -> [(String, stat)] {
        var result: [(String, stat)] = []
        for relative in ["."] + (try FileManager.default.subpathsOfDirectory(atPath: root.path)) {
            let path = relative == "." ? root.path : root.appendingPathComponent(relative).path
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFSOCK { continue }  // a control socket is its own matter
            result.append((path, status))
        }
        return result
    }

    /// Builds the launcher that stands in for systemd's RestrictSUIDSGID=yes and UMask=0027.
    static func buildLauncher(in folder: URL) throws -> URL {
        let source = folder.appendingPathComponent("restrict-suid-sgid.c")
        let binary = folder.appendingPathComponent("restrict-suid-sgid")
        try launcherSource.write(to: source, atomically: true, encoding: .utf8)
        let built = try run(
            "/bin/sh", ["-c", "$(command -v cc || command -v clang) -O -Wall -o \"$1\" \"$2\"", "sh", binary.path, source.path])
        #expect(built.status == 0, "\(built.output)")
        #expect(chmod(binary.path, 0o755) == 0)
        // It does what it stands for: the owner may not set the setgid bit, may do the rest.
        let probe = folder.appendingPathComponent("probe")
        try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        #expect(chown(probe.path, daemonUser, jpGroup) == 0)
        #expect(chmod(probe.path, 0o750) == 0)
        let check = try run(
            "/usr/bin/setpriv",
            [
                "--reuid", "\(daemonUser)", "--regid", "\(daemonGroup)", "--groups", "\(jpGroup)", "--no-new-privs", "--",
                binary.path, "/bin/sh", "-c",
                "chmod 2750 \"$1\" 2>/dev/null && echo setgid-allowed; chmod 0700 \"$1\" && echo plain-allowed; umask",
                "sh", probe.path,
            ])
        #expect(check.output.contains("plain-allowed") && !check.output.contains("setgid-allowed"), "\(check.output)")
        #expect(check.output.contains("0027"), "\(check.output)")
        return binary
    }

    /// A seccomp filter like systemd's `seccomp_restrict_suid_sgid()`: EPERM for
    /// chmod, fchmod, fchmodat, fchmodat2, mkdir, mkdirat, mknod, mknodat, creat,
    /// open and openat (when creating) whose mode has S_ISUID or S_ISGID; umask
    /// 0027 as UMask=0027; then exec. Calls of a non-native architecture are
    /// refused outright (systemd filters each architecture it allows the same way).
    static let launcherSource = #"""
        /* Stands in for systemd's RestrictSUIDSGID=yes (and UMask=0027) in a test:
         * EPERM for any chmod, mkdir, mknod or creating open whose mode sets the
         * setuid or setgid bit, as systemd's seccomp_restrict_suid_sgid(); then exec. */
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/audit.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <sys/prctl.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        #if defined(__x86_64__)
        #define NATIVE AUDIT_ARCH_X86_64
        #elif defined(__aarch64__)
        #define NATIVE AUDIT_ARCH_AARCH64
        #else
        #error "x86_64 or aarch64 only"
        #endif
        #ifndef __NR_fchmodat2
        #define __NR_fchmodat2 452
        #endif
        #define TMPFILE_BIT 020000000 /* O_TMPFILE less O_DIRECTORY */

        static struct sock_filter program[256];
        static unsigned short length;
        static void add(struct sock_filter instruction) { program[length++] = instruction; }

        /* Syscall nr: EPERM when args[mode] has S_ISUID or S_ISGID (and, with
         * flags >= 0, args[flags] creates a file); otherwise allowed. */
        static void rule(int nr, int flags, int mode) {
            add((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, flags >= 0 ? 6 : 4));
            if (flags >= 0) {
                add((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[flags])));
                add((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_CREAT | TMPFILE_BIT, 0, 3));
            }
            add((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[mode])));
            add((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, S_ISUID | S_ISGID, 0, 1));
            add((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
            add((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        }

        int main(int argc, char **argv) {
            if (argc < 2) {
                fprintf(stderr, "usage: %s PROGRAM [ARGUMENT...]\n", argv[0]);
                return 2;
            }
            umask(0027);
            add((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
            add((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE, 1, 0));
            add((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
            add((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
        #ifdef __NR_chmod
            rule(__NR_chmod, -1, 1);
        #endif
            rule(__NR_fchmod, -1, 1);
            rule(__NR_fchmodat, -1, 2);
            rule(__NR_fchmodat2, -1, 2);
        #ifdef __NR_mkdir
            rule(__NR_mkdir, -1, 1);
        #endif
            rule(__NR_mkdirat, -1, 2);
        #ifdef __NR_mknod
            rule(__NR_mknod, -1, 1);
        #endif
            rule(__NR_mknodat, -1, 2);
        #ifdef __NR_open
            rule(__NR_open, 1, 2);
        #endif
            rule(__NR_openat, 2, 3);
        #ifdef __NR_creat
            rule(__NR_creat, -1, 1);
        #endif
            add((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
            struct sock_fprog filter = {.len = length, .filter = program};
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) {
                perror("restrict-suid-sgid: seccomp");
                return 125;
            }
            execv(argv[1], argv + 1);
            perror("restrict-suid-sgid: exec");
            return 127;
        }
        """#
}
