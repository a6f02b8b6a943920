import Foundation

/// How long a tenant keeps closed submissions' archived originals and personal
/// data (issue 12, item 9: APPI, GDPR): `retention: {closed_days: N}`.
///
/// `competency purge --before DATE` removes what finished before DATE; with
/// `closed_days` set, only a purge by root or the daemon's user may reach later
/// than `closed_days` before today (an erasure request), and the daemon's sweep
/// purges what has been finished for longer than `closed_days` by itself.
public struct RetentionSettings: Sendable, Equatable {
    /// Days a finished submission keeps its personal data; nil: kept until purged by hand.
    public var closedDays: Int?

    public init(closedDays: Int? = nil) { self.closedDays = closedDays }

    static func load(_ node: ConfigNode) throws(ConfigError) -> RetentionSettings {
        let map = try node.mapping(allowing: ["closed_days"])
        var settings = RetentionSettings()
        // At least a month: a shorter period would purge what a partner may still answer.
        if let days = map["closed_days"] { settings.closedDays = try days.int(in: 30...36_500) }
        return settings
    }
}
