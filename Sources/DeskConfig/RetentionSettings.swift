import Foundation

/// How long a tenant keeps closed submissions' archived originals and personal
/// data (issue 12, item 9: APPI, GDPR): `retention: {closed_days: N}`.
///
/// `competency purge --before DATE` removes what finished before DATE; with
/// `closed_days` set, only a purge by root or the daemon's user may reach later
/// than `closed_days` before today (an erasure request), and — unless
/// `automatic: false` (a person runs the purge, after a `--dry-run`) — the daemon
/// purges once a day by itself what has been finished for longer than `closed_days`.
public struct RetentionSettings: Sendable, Equatable {
    /// Days a finished submission keeps its personal data; nil: kept until purged by hand.
    public var closedDays: Int?
    /// Whether the daemon applies `closedDays` itself (default true).
    public var automatic: Bool

    public init(closedDays: Int? = nil, automatic: Bool = true) {
        self.closedDays = closedDays
        self.automatic = automatic
    }

    static func load(_ node: ConfigNode) throws(ConfigError) -> RetentionSettings {
        let map = try node.mapping(allowing: ["closed_days", "automatic"])
        var settings = RetentionSettings()
        // At least a month: a shorter period would purge what a partner may still answer.
        if let days = map["closed_days"] { settings.closedDays = try days.int(in: 30...36_500) }
        if let automatic = map["automatic"] {
            settings.automatic = try automatic.bool()
            if settings.closedDays == nil { throw automatic.error("needs closed_days: (how long to keep them)") }
        }
        return settings
    }
}
