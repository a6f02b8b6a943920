import DeskCore
import DeskOutgoing
import Foundation

/// A tenant's reviewers (PRODUCT.md §7; issue 10, item 1).
///
/// ```yaml
/// reviewers:
///   - id: yamada                     # what `assign` and the history name; lowercase
///     name: 山田 太郎
///     email: taro.yamada@competency-desk.example
///     user: tyamada                  # the OS user (`--reviewer me`); default: the id
///     time_zone: America/Los_Angeles # when it differs from the tenant's
///     capacity: 3                    # open reviews at once (default 3)
///     away: [2026-12-24..2027-01-04, 2026-12-10]
///     conflicts: [APN-310001]        # partners they must not review (APN ID or registry name)
/// ```
public struct Reviewer: Sendable, Equatable {
    public let id: String
    public let name: String
    public let email: Mailbox
    public let user: String
    public let timeZone: TimeZone?
    public let capacity: Int
    public let away: [ClosedRange<LocalDate>]
    public let conflicts: [String]

    public init(
        id: String, name: String, email: Mailbox, user: String? = nil, timeZone: TimeZone? = nil, capacity: Int = 3,
        away: [ClosedRange<LocalDate>] = [], conflicts: [String] = []
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.user = user ?? id
        self.timeZone = timeZone
        self.capacity = capacity
        self.away = away
        self.conflicts = conflicts
    }

    public func isAway(on date: LocalDate) -> Bool { away.contains { $0.contains(date) } }

    /// Whether this reviewer must not review the partner with this APN ID or name.
    public func isConflicted(apnID: String?, partnerName: String?) -> Bool {
        conflicts.contains { conflict in
            let key = conflict.lowercased()
            return key == apnID?.lowercased() || key == partnerName?.lowercased()
        }
    }

    /// Whether `text` names this reviewer: the id, the OS user, the email or the name.
    public func isNamed(_ text: String) -> Bool {
        let key = text.lowercased()
        return key == id || key == user.lowercased() || key == email.address.lowercased() || key == name.lowercased()
    }

    static let keys: Set<String> = ["id", "name", "email", "user", "time_zone", "capacity", "away", "conflicts"]

    static func loadPool(_ node: ConfigNode) throws(ConfigError) -> [Reviewer] {
        var pool: [Reviewer] = []
        for entry in try node.sequence() {
            let map = try entry.mapping(allowing: keys)
            let idNode = try map.require("id")
            let id = try idNode.string()
            guard id.range(of: #"^[a-z][a-z0-9._-]{0,39}$"#, options: .regularExpression) != nil else {
                throw idNode.error("\"\(id)\" is not a reviewer id (lowercase letters, digits, . _ -; e.g. yamada)")
            }
            if pool.contains(where: { $0.id == id }) { throw idNode.error("a second reviewer with the id \(id)") }
            let name = try map["name"]?.string() ?? id
            let email = try map.require("email").mailbox()
            var zone: TimeZone?
            if let zoneNode = map["time_zone"] {
                let text = try zoneNode.string()
                guard let known = TimeZone(identifier: text) else {
                    throw zoneNode.error("\"\(text)\" is not a time zone the system knows (an IANA name such as Asia/Tokyo)")
                }
                zone = known
            }
            var away: [ClosedRange<LocalDate>] = []
            if let awayNode = map["away"] {
                for item in try awayNode.sequence() {
                    let text = try item.string()
                    let parts = text.components(separatedBy: "..")
                    guard parts.count <= 2, let first = LocalDate(iso: parts[0].trimmingCharacters(in: .whitespaces)),
                        let last = parts.count == 2 ? LocalDate(iso: parts[1].trimmingCharacters(in: .whitespaces)) : first
                    else {
                        throw item.error("\"\(text)\" is not a date (2026-12-10) or a range of dates (2026-12-24..2027-01-04)")
                    }
                    guard first <= last else { throw item.error("\"\(text)\": the range ends before it starts") }
                    away.append(first...last)
                }
            }
            let conflicts = try map["conflicts"]?.sequence().map { (item) throws(ConfigError) -> String in try item.string() } ?? []
            pool.append(
                Reviewer(
                    id: id, name: name, email: email, user: try map["user"]?.string(), timeZone: zone,
                    capacity: try map["capacity"]?.int(in: 1...100) ?? 3, away: away, conflicts: conflicts))
        }
        return pool
    }
}

/// When reviews are booked (PRODUCT.md §7; issue 10, item 3).
///
/// ```yaml
/// review:
///   business_days_after: 3   # the first business day at least this many business days after the verdict
///   start: "10:00"           # local time in the tenant's zone
///   minutes: 60
///   send_notice: confirm     # or at-once: the daemon sends the scheduling notice itself
/// ```
public struct ReviewSettings: Sendable, Equatable {
    public var businessDaysAfter = 3
    /// Minutes after local midnight.
    public var startMinute = 10 * 60
    public var minutes = 60
    /// Who sends the scheduling notice once the review is booked (PRODUCT.md §7).
    public var sendNotice = NoticePolicy.confirm

    /// `confirm` (the default): a reviewer sends it with `competency respond ID`;
    /// `at-once`: the daemon sends it as soon as the review is booked.
    public enum NoticePolicy: String, Sendable, Equatable, CaseIterable {
        case confirm
        case atOnce = "at-once"
    }

    public init() {}

    static func load(_ node: ConfigNode) throws(ConfigError) -> ReviewSettings {
        let map = try node.mapping(allowing: ["business_days_after", "start", "minutes", "send_notice"])
        var settings = ReviewSettings()
        if let policyNode = map["send_notice"] {
            let text = try policyNode.string()
            guard let policy = NoticePolicy(rawValue: text) else {
                throw policyNode.error("\"\(text)\" is not confirm (a reviewer sends the notice with competency respond) or at-once (the daemon sends it)")
            }
            settings.sendNotice = policy
        }
        if let days = map["business_days_after"] { settings.businessDaysAfter = try days.int(in: 0...30) }
        if let minutes = map["minutes"] { settings.minutes = try minutes.int(in: 15...480) }
        if let startNode = map["start"] {
            let text = try startNode.string()
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0...23).contains(parts[0]), (0...59).contains(parts[1]) else {
                throw startNode.error("\"\(text)\" is not a local time such as 10:00")
            }
            settings.startMinute = parts[0] * 60 + parts[1]
        }
        if settings.startMinute + settings.minutes > 24 * 60, let node = map["minutes"] ?? map["start"] {
            throw node.error("the review would run past midnight")
        }
        return settings
    }
}
