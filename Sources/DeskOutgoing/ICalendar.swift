import Foundation

/// A review meeting as an iCalendar object (RFC 5545) carrying one iTIP
/// method (RFC 5546): the invitation the desk attaches to its mail, and the
/// cancellation that withdraws it.
///
/// Contract of `rendered()`:
/// - one `VCALENDAR` (`PRODID:-//Competency Desk//Review//EN`, `VERSION:2.0`,
///   `CALSCALE:GREGORIAN`, `METHOD`) holding one `VTIMEZONE` for `timeZone` and
///   one `VEVENT`;
/// - `DTSTAMP` in UTC (`…Z`); `DTSTART`/`DTEND` as local time of `timeZone` with
///   `TZID=<identifier>`; times are written to the whole second (fractions are
///   dropped). The second occurrence of a local time the zone repeats (the hour
///   after a fall-back) cannot be named with a `TZID`: that one is written in UTC;
/// - text values escaped per RFC 5545 3.3.11 (`\\`, `\;`, `\,`, `\n`); a line
///   break of any kind (CRLF, CR, LF, NEL, U+2028, U+2029) becomes `\n`, other
///   control characters are dropped, so no value ever holds a bare CR or LF;
/// - parameter values (`CN`, `TZID`) without control characters, a `"` replaced
///   by `'`, quoted when they hold `:`, `;` or `,`; `ROLE` and `PARTSTAT` keep
///   only letters, digits and `-` (upper-cased) and are left out when nothing is left;
/// - every line ends in CRLF and is at most 75 octets; a longer one is folded
///   before a Unicode scalar (never inside a UTF-8 sequence), the continuation
///   starting with one space.
public struct ReviewInvitation: Sendable {
    /// The iTIP method: an invitation (or its update) or its withdrawal.
    public enum Method: String, Sendable {
        case request = "REQUEST"
        case cancel = "CANCEL"
    }

    /// One person invited to the review.
    public struct Attendee: Sendable {
        /// Who: the address becomes the `mailto:` URI, the display name `CN`.
        public var mailbox: Mailbox
        /// `ROLE`: `REQ-PARTICIPANT`, `OPT-PARTICIPANT`, `NON-PARTICIPANT` or `CHAIR`.
        public var role: String
        /// `PARTSTAT`: `NEEDS-ACTION`, `ACCEPTED`, `DECLINED`, `TENTATIVE`…
        public var partstat: String
        /// `RSVP`: whether the organizer asks for a reply.
        public var rsvp: Bool

        /// An attendee; by default a required participant who is asked to reply.
        public init(
            mailbox: Mailbox, role: String = "REQ-PARTICIPANT", partstat: String = "NEEDS-ACTION", rsvp: Bool = true
        ) {
            self.mailbox = mailbox
            self.role = role
            self.partstat = partstat
            self.rsvp = rsvp
        }
    }

    public var method: Method
    /// Stable per review, e.g. `retail-jp-42.review@competency-desk.example`.
    public var uid: String
    /// Raised on every change to the review (a cancellation included).
    public var sequence: Int
    /// When this version was made (`DTSTAMP`, written in UTC).
    public var stamp: Date
    public var start: Date
    public var end: Date
    /// The tenant's zone: `DTSTART`/`DTEND` are written in it, and it is described in a `VTIMEZONE`.
    public var timeZone: TimeZone
    public var organizer: Mailbox
    public var attendees: [Attendee]
    public var summary: String
    public var description: String
    /// Where the review takes place (a room, a meeting link); no `LOCATION` when nil.
    public var location: String?

    /// An invitation or cancellation, taken as given.
    public init(
        method: Method = .request, uid: String, sequence: Int, stamp: Date, start: Date, end: Date,
        timeZone: TimeZone, organizer: Mailbox, attendees: [Attendee], summary: String, description: String,
        location: String? = nil
    ) {
        self.method = method
        self.uid = uid
        self.sequence = sequence
        self.stamp = stamp
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.organizer = organizer
        self.attendees = attendees
        self.summary = summary
        self.description = description
        self.location = location
    }

    /// The iCalendar object, UTF-8, CRLF line ends, folded (see the type's contract).
    public func rendered() -> Data {
        var lines = ICalendarText.head + ["METHOD:\(method.rawValue)"]
        lines += ICalendarTimeZone.component(for: timeZone, covering: min(start, end), through: max(start, end))
        lines += eventLines()
        lines.append("END:VCALENDAR")
        return ICalendarText.data(lines)
    }

    /// The `VEVENT` (unfolded lines); without `ATTENDEE`s for a published calendar
    /// (RFC 5546 3.2.1: a `PUBLISH` event has none).
    func eventLines(attendees withAttendees: Bool = true) -> [String] {
        var lines = ["BEGIN:VEVENT"]
        lines.append("UID:\(ICalendarText.escaped(uid))")
        lines.append("SEQUENCE:\(sequence)")
        lines.append("DTSTAMP:\(ICalendarTime.utc(stamp))")
        lines.append(ICalendarTime.property("DTSTART", start, in: timeZone))
        lines.append(ICalendarTime.property("DTEND", end, in: timeZone))
        lines.append("ORGANIZER" + Self.commonName(organizer) + ":" + Self.mailto(organizer))
        for attendee in withAttendees ? attendees : [] {
            var line = "ATTENDEE" + Self.commonName(attendee.mailbox)
            let role = Self.token(attendee.role)
            if !role.isEmpty { line += ";ROLE=\(role)" }
            let partstat = Self.token(attendee.partstat)
            if !partstat.isEmpty { line += ";PARTSTAT=\(partstat)" }
            line += ";RSVP=\(attendee.rsvp ? "TRUE" : "FALSE"):" + Self.mailto(attendee.mailbox)
            lines.append(line)
        }
        lines.append("SUMMARY:\(ICalendarText.escaped(summary))")
        lines.append("DESCRIPTION:\(ICalendarText.escaped(description))")
        if let location { lines.append("LOCATION:\(ICalendarText.escaped(location))") }
        lines.append("STATUS:\(method == .cancel ? "CANCELLED" : "CONFIRMED")")
        lines.append("END:VEVENT")
        return lines
    }

    /// The rendered object as a mail attachment:
    /// `text/calendar; charset=UTF-8; method=REQUEST` (or `CANCEL`).
    public func attachment(filename: String = "invite.ics") -> OutgoingAttachment {
        OutgoingAttachment(
            filename: filename, contentType: "text/calendar; charset=UTF-8; method=\(method.rawValue)",
            data: rendered())
    }

    /// `;CN=<name>` for a mailbox with a display name, else nothing.
    static func commonName(_ mailbox: Mailbox) -> String {
        let name = ICalendarText.parameterValue(mailbox.displayName ?? "")
        return name.isEmpty ? "" : ";CN=\(name)"
    }

    /// `mailto:<address>`, without control characters or white space.
    static func mailto(_ mailbox: Mailbox) -> String {
        "mailto:"
            + String(
                String.UnicodeScalarView(
                    mailbox.address.unicodeScalars.filter {
                        !Mailbox.isControl($0) && !$0.properties.isWhitespace
                    }))
    }

    /// An iana-token: letters, digits and `-`, upper-cased.
    static func token(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.uppercased().unicodeScalars.filter {
                    $0.isASCII && (Mailbox.isLetterOrDigit(UInt8($0.value)) || $0 == "-")
                }))
    }
}

/// A schedule of reviews as one calendar a person subscribes to from a file
/// (`competency reviews --ics`): `METHOD:PUBLISH` (RFC 5546 3.2.1: the organizer,
/// no attendees), one `VTIMEZONE` for each zone the events use (covering all of
/// them), and each review's `VEVENT` with the UID and SEQUENCE of its invitation,
/// so a calendar that also holds the invitation sees one meeting. An empty
/// schedule is still a valid calendar (RFC 5545 3.6 asks for one component):
/// the `VTIMEZONE` of `emptyZone`, and no `METHOD` (`PUBLISH` needs an event).
/// The same escaping and folding as `ReviewInvitation`.
public struct ReviewCalendar: Sendable {
    /// `X-WR-CALNAME`, the name a calendar program shows for the subscription.
    public var name: String
    public var events: [ReviewInvitation]
    /// The zone whose `VTIMEZONE` an empty schedule carries.
    public var emptyZone: TimeZone

    public init(name: String, events: [ReviewInvitation], emptyZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) {
        self.name = name
        self.events = events
        self.emptyZone = emptyZone
    }

    public func rendered() -> Data {
        var lines = ICalendarText.head
        if !events.isEmpty { lines.append("METHOD:PUBLISH") }
        lines.append("X-WR-CALNAME:\(ICalendarText.escaped(name))")
        if events.isEmpty {
            let now = Date()
            lines += ICalendarTimeZone.component(for: emptyZone, covering: now, through: now)
        }
        var zones: [String: (TimeZone, Date, Date)] = [:]
        var order: [String] = []
        for event in events {
            let first = min(event.start, event.end)
            let last = max(event.start, event.end)
            if let known = zones[event.timeZone.identifier] {
                zones[event.timeZone.identifier] = (known.0, min(known.1, first), max(known.2, last))
            } else {
                zones[event.timeZone.identifier] = (event.timeZone, first, last)
                order.append(event.timeZone.identifier)
            }
        }
        for identifier in order {
            if let (zone, first, last) = zones[identifier] {
                lines += ICalendarTimeZone.component(for: zone, covering: first, through: last)
            }
        }
        for event in events { lines += event.eventLines(attendees: false) }
        lines.append("END:VCALENDAR")
        return ICalendarText.data(lines)
    }
}

/// Text values, parameter values and line folding of RFC 5545.
enum ICalendarText {
    /// The first lines of every calendar object the desk writes.
    static let head = ["BEGIN:VCALENDAR", "PRODID:-//Competency Desk//Review//EN", "VERSION:2.0", "CALSCALE:GREGORIAN"]

    /// The longest physical line, in octets, CRLF not counted (RFC 5545 3.1).
    static let lineLimit = 75

    /// `text` as a TEXT value (3.3.11): `\` `;` `,` escaped, line breaks as `\n`,
    /// other control characters (tab aside) dropped.
    static func escaped(_ text: String) -> String {
        var result = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\\": result += "\\\\"
            case ";": result += "\\;"
            case ",": result += "\\,"
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": result += "\\n"
            case "\n": if !previousWasCR { result += "\\n" }
            case "\t": result.unicodeScalars.append(scalar)
            default:
                if !Mailbox.isControl(scalar) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// `text` as a parameter value (3.2): control characters dropped, `"` as `'`,
    /// quoted when it holds `:`, `;` or `,`.
    static func parameterValue(_ text: String) -> String {
        var value = ""
        for scalar in text.unicodeScalars where !Mailbox.isControl(scalar) {
            value.unicodeScalars.append(scalar == "\"" ? "'" : scalar)
        }
        return value.contains(where: { $0 == ":" || $0 == ";" || $0 == "," }) ? "\"\(value)\"" : value
    }

    /// `lines` folded, each physical line ended by CRLF, as UTF-8.
    static func data(_ lines: [String]) -> Data {
        var data = Data()
        for line in lines {
            for physical in folded(line) {
                data.append(contentsOf: physical.utf8)
                data.append(contentsOf: [0x0D, 0x0A])
            }
        }
        return data
    }

    /// `line` as physical lines of at most `lineLimit` octets each, the
    /// continuations starting with one space, split only between Unicode scalars.
    static func folded(_ line: String) -> [String] {
        var lines: [String] = []
        var current = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if octets + size > lineLimit {
                lines.append(current)
                current = " "
                octets = 1
            }
            current.unicodeScalars.append(scalar)
            octets += size
        }
        lines.append(current)
        return lines
    }
}

/// Date-time values.
enum ICalendarTime {
    /// `yyyyMMdd'T'HHmmss` of `date` (whole seconds) in `zone`.
    static func local(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: wholeSecond(date))
        return String(
            format: "%04d%02d%02dT%02d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0)
    }

    /// `yyyyMMdd'T'HHmmss'Z'`.
    static func utc(_ date: Date) -> String {
        local(date, in: TimeZone(secondsFromGMT: 0) ?? TimeZone(identifier: "UTC") ?? .current) + "Z"
    }

    /// `NAME;TZID=<zone>:<local time>`, or `NAME:<UTC time>Z` for the second
    /// occurrence of a local time the zone repeats (a reader takes a repeated
    /// local time as its first occurrence, RFC 5545 3.3.5).
    static func property(_ name: String, _ date: Date, in zone: TimeZone) -> String {
        let instant = wholeSecond(date)
        let offset = zone.secondsFromGMT(for: instant)
        let earlier = zone.secondsFromGMT(for: instant.addingTimeInterval(-86_400))
        if earlier > offset {
            // After a fall-back: the same local time happened once before, at the earlier offset.
            let first = instant.addingTimeInterval(-TimeInterval(earlier - offset))
            if zone.secondsFromGMT(for: first) == earlier { return "\(name):\(utc(instant))" }
        }
        return "\(name);TZID=\(ICalendarText.parameterValue(zone.identifier)):\(local(instant, in: zone))"
    }

    static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970).rounded(.down))
    }

    /// `+HHMM`, or `+HHMMSS` when the offset has seconds.
    static func offset(_ seconds: Int) -> String {
        let magnitude = abs(seconds)
        let text =
            (seconds < 0 ? "-" : "+")
            + String(format: "%02d%02d", magnitude / 3600, magnitude % 3600 / 60)
        return magnitude % 60 == 0 ? text : text + String(format: "%02d", magnitude % 60)
    }
}

/// The `VTIMEZONE` of a Foundation `TimeZone`.
enum ICalendarTimeZone {
    /// A `VTIMEZONE` for `zone` whose observances cover `first` through `last`.
    ///
    /// Every transition of the zone from the start of the year before `first`'s
    /// to the start of the year after `last`'s becomes one `STANDARD` or `DAYLIGHT`
    /// observance (as the zone is on daylight saving time after it), its `DTSTART`
    /// the local time the transition happens at (in the offset before it), so the
    /// latest observance starting before any instant of the event is the one in
    /// force. A zone without transitions there gets one `STANDARD` observance
    /// from 1970-01-01.
    static func component(for zone: TimeZone, covering first: Date, through last: Date) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let firstYear = calendar.component(.year, from: first)
        let lastYear = calendar.component(.year, from: last)
        let from = calendar.date(from: DateComponents(year: firstYear - 1, month: 1, day: 1)) ?? first
        let until = calendar.date(from: DateComponents(year: lastYear + 1, month: 1, day: 1)) ?? last

        let utc = TimeZone(secondsFromGMT: 0) ?? zone
        var lines = ["BEGIN:VTIMEZONE", "TZID:\(ICalendarText.escaped(zone.identifier))"]
        var transitions: [Date] = []
        var cursor = from
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next <= until, next > cursor,
            transitions.count < min(400, 4 * (lastYear - firstYear + 3))
        {
            transitions.append(next)
            cursor = next
        }
        if transitions.isEmpty {
            let offset = ICalendarTime.offset(zone.secondsFromGMT(for: first))
            lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:\(offset)", "TZOFFSETTO:\(offset)"]
            if let name = zone.abbreviation(for: first) { lines.append("TZNAME:\(ICalendarText.escaped(name))") }
            lines.append("END:STANDARD")
        }
        for transition in transitions {
            let before = zone.secondsFromGMT(for: transition.addingTimeInterval(-1))
            let after = zone.secondsFromGMT(for: transition)
            let kind = zone.isDaylightSavingTime(for: transition) ? "DAYLIGHT" : "STANDARD"
            let onset = ICalendarTime.local(transition.addingTimeInterval(TimeInterval(before)), in: utc)
            lines += [
                "BEGIN:\(kind)", "DTSTART:\(onset)", "TZOFFSETFROM:\(ICalendarTime.offset(before))",
                "TZOFFSETTO:\(ICalendarTime.offset(after))",
            ]
            if let name = zone.abbreviation(for: transition) { lines.append("TZNAME:\(ICalendarText.escaped(name))") }
            lines.append("END:\(kind)")
        }
        lines.append("END:VTIMEZONE")
        return lines
    }
}
