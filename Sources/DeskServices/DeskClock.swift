import Foundation

/// Where "now" comes from. Only the composition root reads the real time;
/// everything below asks a clock, so tests and `COMPETENCY_NOW` can fix it.
public protocol DeskClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: DeskClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock stopped at one instant: for tests, and for asking "what will the
/// queue look like on Friday?" through `COMPETENCY_NOW`.
public struct FixedClock: DeskClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}

extension SystemClock {
    /// The clock the programs run on: the system clock, unless `COMPETENCY_NOW`
    /// holds an ISO 8601 instant to pretend it is.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DeskError) -> any DeskClock {
        guard let text = environment["COMPETENCY_NOW"], !text.isEmpty else { return SystemClock() }
        guard let instant = ISO8601.parse(text) else {
            throw DeskError.badArgument(
                "COMPETENCY_NOW=\(text) is not an ISO 8601 time such as 2026-12-01T09:00:00+09:00")
        }
        return FixedClock(instant)
    }
}
