import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fault injection for the crash tests: named instants inside a group commit
/// where the process kills itself with SIGKILL when `COMPETENCY_TEST_CRASH_AT`
/// names that instant. Nothing else reads the variable; unset (always, outside
/// the tests) each check is one comparison against a value read once.
///
/// The random-instant `kill -9` test (CrashRecoveryTests) finds the windows by
/// chance; these make the three windows of a group commit certain.
enum CrashPoint: String {
    /// Every archive copy of the batch written and its folder synced; no row yet.
    case archived
    /// The batch's transaction committed; no inbox file removed yet.
    case committed
    /// The first of the batch's inbox files removed, the inbox folder not yet synced.
    case partlyRemoved = "partly-removed"

    private static let armed: String? = ProcessInfo.processInfo.environment["COMPETENCY_TEST_CRASH_AT"]

    /// Dies here, at once and without cleanup, if the tests asked for this instant.
    func reach() {
        guard let armed = Self.armed, armed == rawValue else { return }
        kill(getpid(), SIGKILL)
    }
}
