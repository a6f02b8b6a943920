import Foundation

/// A program a test needs from the machine (python3, a Python package), and the
/// rule for when it is missing.
///
/// On a user's clone a missing tool only skips the test: nobody should have to
/// install openpyxl to run the unit tests. In CI (`CI=true`, as GitHub Actions,
/// GitLab and most runners set it) the tools are installed by `scripts/test`, so
/// a missing one means the setup broke, and a skipped test would hide exactly the
/// comparison it exists for: there the test runs and fails, naming the tool.
///
/// Use both halves: `.enabled(if: tool.shouldRun, …)` on the test or suite, and
/// `try tool.require()` first thing in its body.
public struct RequiredTool: Sendable {
    /// What the tool is, in failure messages: `python3`, `python3 with openpyxl`.
    public let name: String
    /// Whether the tool answered its probe on this machine (probed once, on first use).
    public var isAvailable: Bool { probeResult.value }

    private let probeResult: ProbeResult

    /// A tool that is there when `arguments` (run through `/usr/bin/env`) exits 0.
    public init(name: String, probe arguments: [String]) {
        self.name = name
        self.probeResult = ProbeResult(arguments: arguments)
    }

    /// python3 on the `PATH`.
    public static let python3 = RequiredTool(name: "python3", probe: ["python3", "-c", "pass"])
    /// python3 with the openpyxl package, which writes and reads real workbooks.
    public static let openpyxl = RequiredTool(
        name: "python3 with openpyxl", probe: ["python3", "-c", "import openpyxl"])

    /// python3 with prometheus_client, whose parser reads the metrics file as Prometheus would.
    public static let prometheusClient = RequiredTool(
        name: "python3 with prometheus_client", probe: ["python3", "-c", "import prometheus_client.parser"])

    /// Root with util-linux `setpriv`, to run the CLI as another user (tenant isolation).
    public static let rootWithSetpriv = RequiredTool(
        name: "root with setpriv (util-linux)", probe: ["sh", "-c", "[ \"$(id -u)\" = 0 ] && command -v setpriv"])

    /// Root that may make a private mount namespace (`unshare --mount`), mount a tmpfs
    /// and bind mounts in it, and enter it (`nsenter`): for the fault tests.
    public static let rootWithMounts = RequiredTool(
        name: "root with unshare, nsenter and mount (util-linux)",
        probe: [
            "sh", "-c",
            "[ \"$(id -u)\" = 0 ] && command -v nsenter >/dev/null && unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=1m tmpfs /mnt'",
        ])

    /// Root with Postfix (the Debian package): a private instance started by a test (`postfix -c DIR`).
    public static let postfix = RequiredTool(
        name: "root with Postfix (apt package postfix)",
        probe: ["sh", "-c", "[ \"$(id -u)\" = 0 ] && test -x /usr/sbin/postfix && id postfix && getent group postdrop"])

    /// Whether this run is CI's: `CI` is set to `true` (or `1`, `yes`).
    public static var isContinuousIntegration: Bool { isContinuousIntegration(ProcessInfo.processInfo.environment) }

    /// Whether `environment` is CI's.
    public static func isContinuousIntegration(_ environment: [String: String]) -> Bool {
        guard let value = environment["CI"]?.lowercased() else { return false }
        return ["true", "1", "yes"].contains(value)
    }

    /// Whether a test needing the tool runs: always in CI (where a missing tool
    /// then fails it through `require()`), elsewhere only when the tool is there.
    public var shouldRun: Bool { shouldRun(continuousIntegration: Self.isContinuousIntegration) }

    /// `shouldRun`, for a run that is or is not CI's.
    public func shouldRun(continuousIntegration: Bool) -> Bool { isAvailable || continuousIntegration }

    /// Throws, failing the test, when the tool is missing; returns when it is there.
    public func require() throws(Missing) {
        guard isAvailable else { throw Missing(tool: name) }
    }

    /// The error a missing tool fails a test with.
    public struct Missing: Error, CustomStringConvertible {
        public let tool: String
        public var description: String {
            "\(tool) is missing; CI=true requires every tool the tests use (scripts/test installs them)"
        }
    }

    /// Runs the probe at most once per process.
    private final class ProbeResult: Sendable {
        let value: Bool

        init(arguments: [String]) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
                process.waitUntilExit()
                value = process.terminationStatus == 0
            } catch {
                value = false
            }
        }
    }
}
