import DeskOutgoing
import DeskTesting
import Foundation
import Testing


/// Review invitations and cancellations (RFC 5545, iTIP RFC 5546): the lines as
/// written, and what a real parser (Python's `icalendar`) reads from them.
@Suite("Review invitations as iCalendar")
struct ICalendarTests {
    @Test("a long Japanese description: CRLF lines of at most 75 octets, no character split, no bare CR or LF")
    func foldingJapanese() throws {
        let invitation = try ICalendarSamples.invitation(.init(method: .request, language: .ja, zone: .tokyo))
        let bytes = invitation.rendered()
        let lines = try ICalendarSamples.physicalLines(bytes)
        #expect(lines.count > 30)
        for line in lines {
            #expect(line.count <= 75, "line of \(line.count) octets")
            // Each physical line alone is valid UTF-8: no character is split between two lines.
            #expect(String(validating: line, as: UTF8.self) != nil, "a line splits a UTF-8 sequence")
            #expect(!line.contains(0x0D) && !line.contains(0x0A))
        }
        let unfolded = ICalendarSamples.unfold(bytes)
        let text = try #require(String(validating: unfolded, as: UTF8.self))
        let logical = text.components(separatedBy: "\r\n")
        let description = try #require(logical.first { $0.hasPrefix("DESCRIPTION:") })
        // The description needs many physical lines, all but the last filled to the limit (within one character).
        let descriptionStart = try #require(lines.firstIndex { $0.starts(with: Array("DESCRIPTION:".utf8)) })
        let continuations = lines[(descriptionStart + 1)...].prefix { $0.first == 0x20 }
        #expect(continuations.count >= 10)
        for line in [lines[descriptionStart]] + continuations.dropLast() { #expect(line.count >= 72) }
        // Escaped per RFC 5545 3.3.11: the value holds no unescaped `,` or `;` and no raw line break.
        let value = description.dropFirst("DESCRIPTION:".count)
        #expect(!value.contains("\n") && !value.contains("\r"))
        #expect(ICalendarSamples.unescape(String(value)) == ICalendarSamples.japaneseDescription)
        #expect(value.contains("\\n") && value.contains("\\,") && value.contains("\\;") && value.contains("\\\\"))
    }

    @Test(
        "read back by Python's icalendar: every field, the instants and the VTIMEZONE",
        .enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"),
        arguments: ICalendarSamples.Case.all)
    func pythonReadsEveryField(_ sample: ICalendarSamples.Case) throws {
        try RequiredTool.icalendar.require()
        let invitation = try ICalendarSamples.invitation(sample)
        let reading = try PythonICalendar.read(invitation.rendered())
        #expect(reading.errors == [])
        #expect(reading.prodid == "-//Competency Desk//Review//EN")
        #expect(reading.version == "2.0")
        #expect(reading.calscale == "GREGORIAN")
        #expect(reading.method == sample.method.rawValue)
        let event = try #require(reading.events.first)
        #expect(reading.events.count == 1)
        #expect(event.uid == invitation.uid)
        #expect(event.sequence == invitation.sequence)
        #expect(event.status == (sample.method == .cancel ? "CANCELLED" : "CONFIRMED"))
        #expect(event.dtstamp.aware && event.dtstamp.offset == 0)
        #expect(event.dtstamp.timestamp == invitation.stamp.timeIntervalSince1970)

        let zone = sample.zone
        for (moment, date, local) in [
            (event.dtstart, invitation.start, zone.localStart), (event.dtend, invitation.end, zone.localEnd),
        ] {
            #expect(moment.aware)
            if zone == .newYorkRepeatedHour && date == invitation.start {
                // The second 01:30 of the day has no TZID form (a reader takes the first): it is written in UTC.
                #expect(moment.tzid == nil && moment.offset == 0)
                #expect(moment.timestamp == date.timeIntervalSince1970)
                continue
            }
            #expect(moment.tzid == zone.identifier)
            #expect(moment.timestamp == date.timeIntervalSince1970)
            #expect(moment.offset == zone.offset)
            #expect(moment.local == local)
            // The same local time resolved through the VTIMEZONE written (not Python's own tz database).
            #expect(moment.vtimezoneTimestamp == date.timeIntervalSince1970)
        }
        let timeZone = try #require(TimeZone(identifier: zone.identifier))
        let vtimezone = try #require(reading.timezones.first)
        #expect(reading.timezones.count == 1)
        #expect(vtimezone.tzid == zone.identifier)
        switch zone {
        case .tokyo:
            #expect(vtimezone.observances.count == 1)
            let only = try #require(vtimezone.observances.first)
            #expect(only.kind == "STANDARD")
            #expect(only.start == "1970-01-01T00:00:00")
            #expect(only.offsetFrom == 9 * 3600 && only.offsetTo == 9 * 3600)
            #expect(only.name == timeZone.abbreviation(for: invitation.start))
        case .newYorkJuly, .newYorkDecember, .newYorkJanuary, .newYorkRepeatedHour:
            // The transitions of the event's year: second Sunday of March, first Sunday of November, 02:00 local.
            let year = zone.year
            let spring = try #require(
                vtimezone.observances.first { $0.kind == "DAYLIGHT" && $0.start.hasPrefix("\(year)") })
            #expect(spring.start == ICalendarSamples.secondSundayOfMarch(year) + "T02:00:00")
            #expect(spring.offsetFrom == -5 * 3600 && spring.offsetTo == -4 * 3600)
            let autumn = try #require(
                vtimezone.observances.first { $0.kind == "STANDARD" && $0.start.hasPrefix("\(year)") })
            #expect(autumn.start == ICalendarSamples.firstSundayOfNovember(year) + "T02:00:00")
            #expect(autumn.offsetFrom == -4 * 3600 && autumn.offsetTo == -5 * 3600)
            let springInstant = try #require(
                ICalendarSamples.utc(ICalendarSamples.secondSundayOfMarch(year) + "T07:00:00Z"))
            let autumnInstant = try #require(
                ICalendarSamples.utc(ICalendarSamples.firstSundayOfNovember(year) + "T06:00:00Z"))
            #expect(spring.name == timeZone.abbreviation(for: springInstant))
            #expect(autumn.name == timeZone.abbreviation(for: autumnInstant))
        }

        #expect(
            event.organizer
                == .init(
                    address: "mailto:" + invitation.organizer.address, cn: invitation.organizer.displayName, role: nil,
                    partstat: nil, rsvp: nil))
        #expect(event.attendees.count == invitation.attendees.count)
        for (read, attendee) in zip(event.attendees, invitation.attendees) {
            #expect(read.address == "mailto:" + attendee.mailbox.address)
            #expect(read.cn == attendee.mailbox.displayName?.replacingOccurrences(of: "\"", with: "'"))
            #expect(read.role == attendee.role)
            #expect(read.partstat == attendee.partstat)
            #expect(read.rsvp == (attendee.rsvp ? "TRUE" : "FALSE"))
        }
        #expect(event.summary == invitation.summary)
        #expect(event.description == invitation.description)
        #expect(event.location == invitation.location)
    }

    @Test(
        "the cancellation: METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE, method in the content type"
    )
    func cancellation() throws {
        let request = try ICalendarSamples.invitation(.init(method: .request, language: .ja, zone: .tokyo))
        var cancel = request
        cancel.method = .cancel
        cancel.sequence = request.sequence + 1
        cancel.stamp = request.stamp.addingTimeInterval(3600)

        let requestLines = try ICalendarSamples.logicalLines(request.rendered())
        let cancelLines = try ICalendarSamples.logicalLines(cancel.rendered())
        #expect(requestLines.contains("METHOD:REQUEST") && requestLines.contains("STATUS:CONFIRMED"))
        #expect(!requestLines.contains { $0.hasPrefix("METHOD:CANCEL") || $0 == "STATUS:CANCELLED" })
        #expect(cancelLines.contains("METHOD:CANCEL") && cancelLines.contains("STATUS:CANCELLED"))
        #expect(!cancelLines.contains { $0.hasPrefix("METHOD:REQUEST") || $0 == "STATUS:CONFIRMED" })
        let uids = [requestLines, cancelLines].map { $0.filter { $0.hasPrefix("UID:") } }
        #expect(uids[0].count == 1 && uids[0] == uids[1])
        #expect(uids[0].first == "UID:" + request.uid)
        let sequences = [requestLines, cancelLines].map { lines in
            lines.first { $0.hasPrefix("SEQUENCE:") }.flatMap { Int($0.dropFirst(9)) }
        }
        let requestSequence = try #require(sequences[0])
        let cancelSequence = try #require(sequences[1])
        #expect(requestSequence == request.sequence && cancelSequence > requestSequence)
        #expect(cancelLines.contains("DTSTAMP:20260610T013000Z"))
        #expect(requestLines.contains("DTSTAMP:20260610T003000Z"))

        let requestAttachment = request.attachment()
        #expect(requestAttachment.filename == "invite.ics")
        #expect(requestAttachment.contentType == "text/calendar; charset=UTF-8; method=REQUEST")
        #expect(requestAttachment.data == request.rendered())
        let cancelAttachment = cancel.attachment(filename: "cancel.ics")
        #expect(cancelAttachment.filename == "cancel.ics")
        #expect(cancelAttachment.contentType == "text/calendar; charset=UTF-8; method=CANCEL")
        #expect(cancelAttachment.data == cancel.rendered())
    }

    /// `competency reviews --ics`: one calendar of many reviews in two zones over
    /// three years, read back by Python's icalendar — every event at its instant,
    /// resolved through the VTIMEZONE written for its zone, which covers all of them.
    @Test(
        "a schedule: METHOD:PUBLISH, one VTIMEZONE per zone covering every event, each event at its instant",
        .enabled(if: RequiredTool.icalendar.shouldRun, "needs python3 with icalendar (scripts/install-deps)"))
    func schedule() throws {
        try RequiredTool.icalendar.require()
        let samples: [ICalendarSamples.Case] = [
            .init(method: .request, language: .ja, zone: .tokyo),
            .init(method: .request, language: .en, zone: .newYorkJuly),
            .init(method: .request, language: .en, zone: .newYorkDecember),
            .init(method: .request, language: .ja, zone: .newYorkJanuary),
        ]
        var events = try samples.map(ICalendarSamples.invitation)
        for index in events.indices { events[index].uid = "review-\(index)@competency-desk.example" }
        let calendar = ReviewCalendar(name: "Competency reviews — 山田 太郎, retail-jp", events: events)
        let bytes = calendar.rendered()
        for line in try ICalendarSamples.physicalLines(bytes) { #expect(line.count <= 75) }
        let text = String(decoding: ICalendarSamples.unfold(bytes), as: UTF8.self)
        #expect(text.contains("\r\nX-WR-CALNAME:Competency reviews — 山田 太郎\\, retail-jp\r\n"))
        #expect(text.components(separatedBy: "BEGIN:VTIMEZONE").count - 1 == 2)
        #expect(!text.contains("\r\nATTENDEE"), "a published event has no attendees (RFC 5546 3.2.1)")
        #expect(text.contains("\r\nORGANIZER"))

        let reading = try PythonICalendar.read(bytes)
        #expect(reading.errors == [])
        #expect(reading.method == "PUBLISH")
        #expect(reading.events.count == events.count)
        #expect(Set(reading.timezones.map(\.tzid)) == ["Asia/Tokyo", "America/New_York"])
        for (read, event) in zip(reading.events, events) {
            #expect(read.uid == event.uid && read.sequence == event.sequence)
            #expect(read.dtstart.tzid == event.timeZone.identifier)
            #expect(read.dtstart.timestamp == event.start.timeIntervalSince1970)
            #expect(read.dtstart.vtimezoneTimestamp == event.start.timeIntervalSince1970, "\(event.uid) via the VTIMEZONE")
            #expect(read.dtend.vtimezoneTimestamp == event.end.timeIntervalSince1970)
        }
        // An empty schedule is still a calendar (one component: a VTIMEZONE), without
        // METHOD:PUBLISH, which needs an event.
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let emptyBytes = ReviewCalendar(name: "none", events: [], emptyZone: tokyo).rendered()
        let empty = try PythonICalendar.read(emptyBytes)
        #expect(empty.errors == [] && empty.events.isEmpty && empty.method == nil)
        #expect(empty.timezones.map(\.tzid) == ["Asia/Tokyo"])
    }

    @Test("hostile text: control characters and line breaks never start a property; CN with specials is quoted")
    func hostileText() throws {
        var invitation = try ICalendarSamples.invitation(.init(method: .request, language: .en, zone: .newYorkJuly))
        invitation.summary = "Review\r\nATTENDEE:mailto:evil@example.com\u{0}\u{7}\rend\u{2028}x"
        invitation.location = "Room 1\nEND:VEVENT"
        invitation.organizer = Mailbox("office@desk.example.com", name: "Desk\r\nATTENDEE:mailto:evil2@example.com")
        invitation.uid = "retail-us-7.review@competency-desk.example\r\nSEQUENCE:99"
        let bytes = invitation.rendered()
        let physical = try ICalendarSamples.physicalLines(bytes)
        for line in physical { #expect(!line.contains(0x0D) && !line.contains(0x0A) && !line.contains(0)) }
        let lines = try ICalendarSamples.logicalLines(bytes)
        #expect(lines.filter { $0.hasPrefix("END:VEVENT") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("SEQUENCE:") } == ["SEQUENCE:\(invitation.sequence)"])
        #expect(!lines.contains { $0.hasPrefix("ATTENDEE") && $0.contains("evil") })
        #expect(lines.contains("ORGANIZER;CN=\"DeskATTENDEE:mailto:evil2@example.com\":mailto:office@desk.example.com"))
        #expect(lines.contains { $0.hasPrefix("ATTENDEE;CN=\"Sato, Hanako (審査)\";") })
        #expect(lines.contains { $0.hasPrefix("ATTENDEE;CN=O'Brien 'Pat' \\ PDM;") })

        guard RequiredTool.icalendar.shouldRun else { return }
        try RequiredTool.icalendar.require()
        let reading = try PythonICalendar.read(bytes)
        #expect(reading.errors == [])
        let event = try #require(reading.events.first)
        #expect(event.summary == "Review\nATTENDEE:mailto:evil@example.com\nend\nx")
        #expect(event.location == "Room 1\nEND:VEVENT")
        #expect(event.uid == "retail-us-7.review@competency-desk.example\nSEQUENCE:99")
        #expect(event.sequence == invitation.sequence)
        #expect(event.organizer.cn == "DeskATTENDEE:mailto:evil2@example.com")
        #expect(event.attendees.map(\.address) == invitation.attendees.map { "mailto:" + $0.mailbox.address })
    }
}

/// The invitations the tests render.
enum ICalendarSamples {
    enum Language: String, Sendable { case ja, en }

    /// A zone and an event in it, with what the event's times are there (known, not computed).
    enum Zone: String, Sendable, CaseIterable {
        case tokyo, newYorkJuly, newYorkDecember, newYorkJanuary, newYorkRepeatedHour

        var identifier: String { self == .tokyo ? "Asia/Tokyo" : "America/New_York" }
        var year: Int { self == .newYorkJanuary ? 2027 : 2026 }
        /// The start and end in UTC.
        var utcStart: String {
            switch self {
            case .tokyo: "2026-07-15T05:00:00Z"  // 14:00 JST
            case .newYorkJuly: "2026-07-15T14:00:00Z"  // 10:00 EDT
            case .newYorkDecember: "2026-12-10T15:00:00Z"  // 10:00 EST
            case .newYorkJanuary: "2027-01-14T14:00:00Z"  // 09:00 EST, before the year's first transition
            case .newYorkRepeatedHour: "2026-11-01T06:30:00Z"  // 01:30 EST, the second 01:30 of the day
            }
        }
        var utcEnd: String {
            switch self {
            case .tokyo: "2026-07-15T06:30:00Z"
            case .newYorkJuly: "2026-07-15T15:00:00Z"
            case .newYorkDecember: "2026-12-10T16:00:00Z"
            case .newYorkJanuary: "2027-01-14T15:30:00Z"
            case .newYorkRepeatedHour: "2026-11-01T07:00:00Z"
            }
        }
        var localStart: String {
            switch self {
            case .tokyo: "2026-07-15T14:00:00"
            case .newYorkJuly: "2026-07-15T10:00:00"
            case .newYorkDecember: "2026-12-10T10:00:00"
            case .newYorkJanuary: "2027-01-14T09:00:00"
            case .newYorkRepeatedHour: "2026-11-01T01:30:00"
            }
        }
        var localEnd: String {
            switch self {
            case .tokyo: "2026-07-15T15:30:00"
            case .newYorkJuly: "2026-07-15T11:00:00"
            case .newYorkDecember: "2026-12-10T11:00:00"
            case .newYorkJanuary: "2027-01-14T10:30:00"
            case .newYorkRepeatedHour: "2026-11-01T02:00:00"
            }
        }
        var offset: Int {
            switch self {
            case .tokyo: 9 * 3600
            case .newYorkJuly: -4 * 3600
            case .newYorkDecember, .newYorkJanuary, .newYorkRepeatedHour: -5 * 3600
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var method: ReviewInvitation.Method
        var language: Language
        var zone: Zone
        var testDescription: String { "\(method.rawValue) \(language.rawValue) \(zone.rawValue)" }

        static let all: [Case] = [
            Case(method: .request, language: .ja, zone: .tokyo),
            Case(method: .cancel, language: .ja, zone: .tokyo),
            Case(method: .request, language: .en, zone: .tokyo),
            Case(method: .request, language: .en, zone: .newYorkJuly),
            Case(method: .request, language: .en, zone: .newYorkDecember),
            Case(method: .cancel, language: .en, zone: .newYorkDecember),
            Case(method: .request, language: .ja, zone: .newYorkJuly),
            Case(method: .request, language: .ja, zone: .newYorkJanuary),
            Case(method: .request, language: .en, zone: .newYorkRepeatedHour),
        ]
    }

    /// Several hundred characters of Japanese with `,` `;` `\`, line breaks (LF and CRLF aside) and a tab.
    static let japaneseDescription: String = {
        let paragraph = """
            株式会社サンプル・ホールディングス様のリテール コンピテンシー申請（retail-jp-42）について、審査会議を開催します。\
            議題：自己評価シートの確認;顧客事例の公開可否,技術検証の結果、および改善計画。\
            資料の保存先は C:\\審査\\リテール\\2026 です；ご確認ください，よろしくお願いいたします。
            当日は、画面共有で要件ごとに証跡を確認します;不足がある場合は、期限を設けて再提出をお願いします。\
            絵文字🎌や結合文字（が・パ）も含みます。\t以上
            """
        return (1...4).map { "【第\($0)部】" + paragraph }.joined(separator: "\n\n")
    }()

    static let englishDescription = """
        Agenda: self-assessment, part A; part B; customer references.
        Shared folder: C:\\reviews\\retail-us\\2026; bring questions, if any.

        Join: https://meet.example/review?id=7,8;x=1 — café "quoted" text.
        """

    static func invitation(_ sample: Case) throws -> ReviewInvitation {
        let zone = try #require(TimeZone(identifier: sample.zone.identifier))
        let start = try #require(utc(sample.zone.utcStart))
        let end = try #require(utc(sample.zone.utcEnd))
        let stamp = try #require(utc("2026-06-10T00:30:00Z"))
        let ja = sample.language == .ja
        return ReviewInvitation(
            method: sample.method,
            uid: ja ? "retail-jp-42.review@competency-desk.example" : "retail-us-7.review@competency-desk.example",
            sequence: sample.method == .cancel ? 3 : 2,
            stamp: stamp, start: start, end: end, timeZone: zone,
            organizer: ja
                ? Mailbox("retail-jp-office@desk.example.co.jp", name: "AWS リテール コンピテンシー事務局")
                : Mailbox("retail-us-office@desk.example.com", name: "AWS Retail Competency Office"),
            attendees: [
                .init(
                    mailbox: Mailbox("chair@desk.example.co.jp", name: "審査長 山田 太郎"), role: "CHAIR",
                    partstat: "ACCEPTED", rsvp: false),
                .init(
                    mailbox: Mailbox("pdm@partner.example", name: "Sato, Hanako (審査)"), role: "REQ-PARTICIPANT",
                    partstat: "NEEDS-ACTION", rsvp: true),
                .init(
                    mailbox: Mailbox("obrien@partner.example", name: "O'Brien \"Pat\" \\ PDM"), role: "OPT-PARTICIPANT",
                    partstat: "TENTATIVE", rsvp: true),
                .init(
                    mailbox: Mailbox("observer@partner.example"), role: "OPT-PARTICIPANT", partstat: "NEEDS-ACTION",
                    rsvp: false),
            ],
            summary: ja
                ? "審査会議: 株式会社サンプル, リテール; retail-jp-42 \\ 第1回" : "Review meeting: Example Corp, Retail; retail-us-7",
            description: ja ? japaneseDescription : englishDescription,
            location: ja ? "本社 3F 会議室「富士」, オンライン併用" : nil)
    }

    static func utc(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    /// `yyyy-MM-dd` of the second Sunday of March of `year` (the US spring transition).
    static func secondSundayOfMarch(_ year: Int) -> String { nthSunday(year, month: 3, n: 2) }
    /// `yyyy-MM-dd` of the first Sunday of November of `year` (the US autumn transition).
    static func firstSundayOfNovember(_ year: Int) -> String { nthSunday(year, month: 11, n: 1) }

    private static func nthSunday(_ year: Int, month: Int, n: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let first = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        let weekday = calendar.component(.weekday, from: first)  // 1 = Sunday
        let day = 1 + (8 - weekday) % 7 + 7 * (n - 1)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The physical lines (without CRLF); throws unless every line ends in CRLF and no CR or LF stands alone.
    static func physicalLines(_ bytes: Data) throws -> [[UInt8]] {
        let all = Array(bytes)
        guard all.count >= 2, all.suffix(2) == [0x0D, 0x0A] else {
            throw TestFailure("the object does not end in CRLF")
        }
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < all.count {
            let byte = all[index]
            if byte == 0x0D {
                guard index + 1 < all.count, all[index + 1] == 0x0A else { throw TestFailure("a bare CR") }
                lines.append(current)
                current = []
                index += 2
                continue
            }
            if byte == 0x0A { throw TestFailure("a bare LF") }
            current.append(byte)
            index += 1
        }
        return lines
    }

    /// The bytes with every fold (CRLF and one space) removed.
    static func unfold(_ bytes: Data) -> Data {
        var result: [UInt8] = []
        let all = Array(bytes)
        var index = 0
        while index < all.count {
            if index + 2 < all.count, all[index] == 0x0D, all[index + 1] == 0x0A, all[index + 2] == 0x20 {
                index += 3
                continue
            }
            result.append(all[index])
            index += 1
        }
        return Data(result)
    }

    /// The unfolded content lines.
    static func logicalLines(_ bytes: Data) throws -> [String] {
        _ = try physicalLines(bytes)
        let text = try #require(String(validating: unfold(bytes), as: UTF8.self))
        return text.components(separatedBy: "\r\n").dropLast().map { $0 }
    }

    /// A TEXT value unescaped (the reading side of RFC 5545 3.3.11, written here independently).
    static func unescape(_ value: String) -> String {
        var result = ""
        var escaping = false
        for character in value {
            if escaping {
                result.append(character == "n" || character == "N" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A calendar object as Python's `icalendar` reads it.
struct PythonICalendar: Decodable {
    struct Moment: Decodable {
        var aware: Bool
        var timestamp: Double?
        var offset: Int?
        var tzid: String?
        var local: String
        var vtimezoneTimestamp: Double?
    }
    struct Address: Decodable, Equatable {
        var address: String
        var cn: String?
        var role: String?
        var partstat: String?
        var rsvp: String?
    }
    struct Event: Decodable {
        var uid: String
        var sequence: Int
        var status: String?
        var dtstamp: Moment
        var dtstart: Moment
        var dtend: Moment
        var organizer: Address
        var attendees: [Address]
        var summary: String
        var description: String
        var location: String?
    }
    struct Observance: Decodable {
        var kind: String
        var start: String
        var offsetFrom: Int
        var offsetTo: Int
        var name: String?
    }
    struct VTimezone: Decodable {
        var tzid: String
        var observances: [Observance]
    }

    var prodid: String?
    var version: String?
    var calscale: String?
    var method: String?
    var errors: [String]
    var events: [Event]
    var timezones: [VTimezone]

    static func read(_ bytes: Data) throws -> PythonICalendar {
        let folder = try TemporaryFolder("icalendar")
        let script = folder.file("read.py")
        let input = folder.file("invite.ics")
        try Data(readerScript.utf8).write(to: script)
        try bytes.write(to: input)
        let result = try TestProcess.run(["python3", script.path, input.path])
        guard result.status == 0 else { throw TestFailure("python3 read.py exited \(result.status): \(result.error)") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(PythonICalendar.self, from: result.output)
    }

    static let readerScript = #"""
        import datetime, json, sys
        import icalendar

        cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())

        def text(value):
            return None if value is None else str(value)

        errors = []
        for component in cal.walk():
            errors += [repr(e) for e in getattr(component, "errors", [])]

        zones = {}
        timezones = []
        for tz in cal.walk("VTIMEZONE"):
            observances = []
            for o in tz.subcomponents:
                start = o.decoded("DTSTART")
                observances.append({
                    "kind": o.name,
                    "start": start.isoformat(),
                    "offset_from": int(o.decoded("TZOFFSETFROM").total_seconds()),
                    "offset_to": int(o.decoded("TZOFFSETTO").total_seconds()),
                    "name": text(o.get("TZNAME")),
                    "_start": start,
                })
            zones[str(tz["TZID"])] = observances
            timezones.append({"tzid": str(tz["TZID"]),
                              "observances": [{k: v for k, v in o.items() if k != "_start"} for o in observances]})

        def moment(prop):
            dt = prop.dt
            tzid = prop.params.get("TZID")
            aware = dt.tzinfo is not None
            result = {
                "aware": aware,
                "timestamp": dt.timestamp() if aware else None,
                "offset": int(dt.utcoffset().total_seconds()) if aware else None,
                "tzid": tzid,
                "local": dt.replace(tzinfo=None).isoformat(),
                "vtimezone_timestamp": None,
            }
            if tzid in zones:
                # The local time resolved by the VTIMEZONE alone: the latest observance begun by then.
                local = dt.replace(tzinfo=None)
                onsets = [o for o in zones[tzid] if o["_start"] <= local]
                if onsets:
                    latest = max(onsets, key=lambda o: o["_start"])
                    utc = local - datetime.timedelta(seconds=latest["offset_to"])
                    result["vtimezone_timestamp"] = utc.replace(tzinfo=datetime.timezone.utc).timestamp()
            return result

        def address(prop):
            params = prop.params
            return {"address": str(prop), "cn": params.get("CN"), "role": params.get("ROLE"),
                    "partstat": params.get("PARTSTAT"), "rsvp": params.get("RSVP")}

        events = []
        for event in cal.walk("VEVENT"):
            attendees = event.get("ATTENDEE", [])
            if not isinstance(attendees, list):
                attendees = [attendees]
            events.append({
                "uid": str(event["UID"]),
                "sequence": int(event["SEQUENCE"]),
                "status": text(event.get("STATUS")),
                "dtstamp": moment(event["DTSTAMP"]),
                "dtstart": moment(event["DTSTART"]),
                "dtend": moment(event["DTEND"]),
                "organizer": address(event["ORGANIZER"]),
                "attendees": [address(a) for a in attendees],
                "summary": str(event["SUMMARY"]),
                "description": str(event["DESCRIPTION"]),
                "location": text(event.get("LOCATION")),
            })

        json.dump({
            "prodid": text(cal.get("PRODID")), "version": text(cal.get("VERSION")),
            "calscale": text(cal.get("CALSCALE")), "method": text(cal.get("METHOD")),
            "errors": errors, "events": events, "timezones": timezones,
        }, sys.stdout, ensure_ascii=False)
        """#
}
