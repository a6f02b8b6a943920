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
    static func parse(_ text: String) -> CalendarReply? {
        // Unfold (RFC 5545 3.1): a line break followed by a space or tab continues the line.
        let unfolded = text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n ", with: "").replacingOccurrences(of: "\n\t", with: "")
        var method: String?
        var uid: String?
        var sequence = 0
        var answers: [Answer] = []
        for line in unfolded.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let head = line[..<colon]
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let name = head.split(separator: ";").first.map { $0.uppercased() } ?? ""
            switch name {
            case "METHOD": method = value.uppercased()
            case "UID" where uid == nil: uid = value
            case "SEQUENCE": sequence = Int(value.prefix(9)).map { max(0, $0) } ?? 0
            case "ATTENDEE" where answers.count < 50:
                let parameters = head.split(separator: ";").dropFirst()
                let partstat = parameters.first { $0.uppercased().hasPrefix("PARTSTAT=") }
                    .map { String($0.dropFirst("PARTSTAT=".count)).uppercased() } ?? "NEEDS-ACTION"
                // The address is after the first colon: "mailto:a@b" (the value itself).
                var address = value
                if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst(7)) }
                answers.append(Answer(address: address.lowercased(), partstat: partstat))
            default: continue
            }
        }
        guard method == "REPLY", let uid, !uid.isEmpty else { return nil }
        return CalendarReply(uid: uid, sequence: sequence, answers: answers)
    }
}
