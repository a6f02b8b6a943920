import DeskMail
import Foundation

/// An iTIP reply (RFC 5546 `METHOD:REPLY`) found in a message: what a calendar
/// program sends when someone accepts, declines or tentatively accepts an
/// invitation. Only what the desk needs is read: the event's UID and each
/// attendee's address and `PARTSTAT`. Bounded: at most 10 calendar parts of 256 KB
/// are looked at, and 50 attendees.
struct CalendarReply: Sendable, Equatable {
    var uid: String
    /// The version answered (`SEQUENCE`, 0 when absent, RFC 5545 3.8.7.4).
    var sequence: Int = 0
    var answers: [Answer]

    struct Answer: Sendable, Equatable {
        var address: String
        /// `ACCEPTED`, `DECLINED`, `TENTATIVE`, …
        var partstat: String
    }

    static func find(in root: MessagePart) -> CalendarReply? {
        var parts: [MessagePart] = []
        collect(root, into: &parts)
        for part in parts {
            let bytes = part.decodedBody().bytes.prefix(256 << 10)
            if let reply = parse(String(decoding: bytes, as: UTF8.self)) { return reply }
        }
        return nil
    }

    private static func collect(_ part: MessagePart, into parts: inout [MessagePart]) {
        guard parts.count < 10 else { return }
        if part.contentType.mimeType == "text/calendar" || part.contentType.mimeType == "application/ics" {
            parts.append(part)
        }
        for child in part.children { collect(child, into: &parts) }
    }

    /// The reply in an iCalendar text, or nil when it is not a `METHOD:REPLY` with a UID.
    /// The first `VEVENT` is the answer (its UID, SEQUENCE and ATTENDEEs); a name's
    /// parameters may hold a quoted `:` (`CN="Tanaka: Ops"`), so the value starts at
    /// the first colon outside quotes.
    static func parse(_ text: String) -> CalendarReply? {
        // Unfold (RFC 5545 3.1): a line break followed by a space or tab continues the line.
        let unfolded = text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n ", with: "").replacingOccurrences(of: "\n\t", with: "")
        var method: String?
        var uid: String?
        var sequence = 0
        var answers: [Answer] = []
        var depth: [String] = []
        var eventsSeen = 0
        for line in unfolded.split(separator: "\n") {
            guard let colon = valueStart(line) else { continue }
            let head = line[..<colon]
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let parts = splitOutsideQuotes(head)
            let name = parts.first.map { $0.uppercased() } ?? ""
            switch name {
            case "BEGIN":
                depth.append(value.uppercased())
                if value.uppercased() == "VEVENT" { eventsSeen += 1 }
            case "END": _ = depth.popLast()
            case "METHOD" where depth == ["VCALENDAR"]: method = value.uppercased()
            default:
                // Only the first VEVENT's own properties (not its VALARMs').
                guard depth.last == "VEVENT", eventsSeen == 1 else { continue }
                switch name {
                case "UID" where uid == nil: uid = value
                case "SEQUENCE": sequence = Int(value.prefix(9)).map { max(0, $0) } ?? 0
                case "ATTENDEE" where answers.count < 50:
                    let partstat = parts.dropFirst().first { $0.uppercased().hasPrefix("PARTSTAT=") }
                        .map { String($0.dropFirst("PARTSTAT=".count)).uppercased() } ?? "NEEDS-ACTION"
                    var address = value
                    if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst(7)) }
                    answers.append(Answer(address: address.lowercased(), partstat: partstat))
                default: continue
                }
            }
        }
        guard method == "REPLY", let uid, !uid.isEmpty else { return nil }
        return CalendarReply(uid: uid, sequence: sequence, answers: answers)
    }

    /// The index of the colon that ends the name and parameters: the first outside double quotes.
    static func valueStart(_ line: Substring) -> Substring.Index? {
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if character == "\"" { quoted.toggle() } else if character == ":" && !quoted { return index }
            index = line.index(after: index)
        }
        return nil
    }

    /// `NAME;P1=a;P2="x;y"` into its name and parameters, quotes kept.
    static func splitOutsideQuotes(_ head: Substring) -> [Substring] {
        var parts: [Substring] = []
        var quoted = false
        var start = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            let character = head[index]
            if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                parts.append(head[start..<index])
                start = head.index(after: index)
            }
            index = head.index(after: index)
        }
        parts.append(head[start..<head.endIndex])
        return parts
    }
}
