import Crypto
import Foundation

extension OutgoingMessage {
    /// The whole message as a transport delivers it: RFC 5322 + MIME, CRLF line
    /// endings, 7-bit ASCII throughout, every line at most 78 octets except where
    /// a single unbreakable piece is longer (a very long address or message id;
    /// never over 998). The same message renders to the same bytes.
    ///
    /// Header values are sanitized: a control character (CR, LF, NUL, …) in the
    /// subject, a display name or an extra header becomes a space, so no value can
    /// start a header of its own (no `Bcc:` smuggled in a subject). Non-ASCII
    /// subjects and names are RFC 2047 encoded words; the body is quoted-printable
    /// or base64 UTF-8; with attachments the message is `multipart/mixed`, the text
    /// first, each file base64 with its name (RFC 2231 when not ASCII).
    public func rendered() -> Data {
        var head = HeaderText.addressList(name: "From", [from])
        if !to.isEmpty { head += HeaderText.addressList(name: "To", to) }
        if !cc.isEmpty { head += HeaderText.addressList(name: "Cc", cc) }
        if let replyTo { head += HeaderText.addressList(name: "Reply-To", [replyTo]) }
        head += HeaderText.unstructured(name: "Subject", value: subject)
        head += "Date: " + Self.dateHeaderValue(date, in: timeZone) + "\r\n"
        head += HeaderText.messageIDList(name: "Message-ID", [messageID])
        if let inReplyTo { head += HeaderText.messageIDList(name: "In-Reply-To", [inReplyTo]) }
        if !references.isEmpty { head += HeaderText.messageIDList(name: "References", references) }
        head += "MIME-Version: 1.0\r\n"
        head += "Auto-Submitted: auto-generated\r\n"
        for (name, value) in extraHeaders {
            let field = HeaderText.safeFieldName(name)
            guard !field.isEmpty, !Self.ownFields.contains(field.lowercased()) else { continue }
            head += HeaderText.unstructured(name: field, value: value)
        }

        let text = TransferEncoding.encodeText(textBody)
        let textHeaders =
            "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: \(text.encoding.rawValue)\r\n"
        guard !attachments.isEmpty else {
            return Data((head + textHeaders + "\r\n" + text.lines).utf8)
        }

        let parts = [textHeaders + "\r\n" + text.lines] + attachments.map(Self.part)
        let boundary = Self.boundary(for: parts, messageID: messageID)
        head += HeaderText.parameterized(name: "Content-Type", ["multipart/mixed", "boundary=\"\(boundary)\""])
        // Each part's last CRLF is its own; the CRLF before `--boundary` belongs
        // to the delimiter (RFC 2046 §5.1.1), hence the extra one.
        var body = ""
        for part in parts { body += "--" + boundary + "\r\n" + part + "\r\n" }
        body += "--" + boundary + "--\r\n"
        return Data((head + "\r\n" + body).utf8)
    }

    /// The fields `rendered()` writes itself (and Bcc, Sender, Return-Path),
    /// lower-cased: an extra header with one of these names is left out.
    static let ownFields: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "sender", "return-path", "subject", "date", "message-id",
        "in-reply-to", "references", "mime-version", "auto-submitted", "content-type", "content-transfer-encoding",
        "content-disposition",
    ]

    /// `Mon, 07 Dec 2026 09:30:00 +0900`: RFC 5322 §3.3, in `zone`, English names whatever the locale.
    static func dateHeaderValue(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offsetMinutes = (zone.secondsFromGMT(for: date) + (zone.secondsFromGMT(for: date) >= 0 ? 30 : -30)) / 60
        let sign = offsetMinutes < 0 ? "-" : "+"
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let offset = sign + two(abs(offsetMinutes) / 60) + two(abs(offsetMinutes) % 60)
        return "\(days[(parts.weekday ?? 1) - 1]), \(two(parts.day ?? 1)) \(months[(parts.month ?? 1) - 1]) "
            + "\(parts.year ?? 1970) \(two(parts.hour ?? 0)):\(two(parts.minute ?? 0)):\(two(parts.second ?? 0)) \(offset)"
    }

    /// A boundary that no part contains: `=_competency_` and 32 hex digits of a
    /// hash of the message id and the parts, so the same message gets the same
    /// boundary. (`=_` cannot occur in quoted-printable or base64, the only
    /// encodings the parts use; the check stays in case that ever changes.)
    static func boundary(for parts: [String], messageID: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(messageID.utf8))
        for part in parts { hasher.update(data: Data(part.utf8)) }
        return boundary(for: parts, seed: Data(hasher.finalize()))
    }

    /// The first of the boundaries `seed` leads to (each the hash of the one
    /// before) that no part contains.
    static func boundary(for parts: [String], seed: Data) -> String {
        var seed = seed
        while true {
            let candidate = "=_competency_" + seed.prefix(16).map { String(format: "%02x", $0) }.joined()
            if !parts.contains(where: { $0.contains("--" + candidate) }) { return candidate }
            seed = Data(SHA256.hash(data: seed))
        }
    }

    /// One attachment: its headers, a blank line and the base64 lines.
    static func part(_ attachment: OutgoingAttachment) -> String {
        var type = HeaderText.sanitized(attachment.contentType).split(separator: ";").map {
            String($0.trimmingSpaces)
        }.filter { !$0.isEmpty }
        // A type that is not `type/subtype` says nothing: octet-stream. Parameters without `=` are dropped.
        if type.first?.contains("/") != true { type = ["application/octet-stream"] }
        type = [type[0]] + type.dropFirst().filter { $0.contains("=") }
        if type[0].lowercased().hasPrefix("text/"),
            !type.dropFirst().contains(where: { $0.lowercased().hasPrefix("charset=") })
        {
            type.append("charset=UTF-8")
        }

        let name = filename(attachment.filename)
        var disposition = ["attachment"]
        if name.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }), name.utf8.count <= 60 {
            disposition.append("filename=" + quoted(name))
        } else {
            // RFC 2231 only, no plain `filename=` beside it: Python's compat32
            // reader (and others) take the plain one first. Readers that know no
            // RFC 2231 find an ASCII name in Content-Type's `name`, as Thunderbird writes it.
            disposition += extendedParameter("filename", name)
            type.append("name=" + quoted(asciiFallback(name)))
        }
        return HeaderText.parameterized(name: "Content-Type", type)
            + HeaderText.parameterized(name: "Content-Disposition", disposition)
            + "Content-Transfer-Encoding: base64\r\n\r\n" + TransferEncoding.base64(Array(attachment.data))
    }

    /// A file name without controls or path separators; `attachment` when empty.
    static func filename(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            result.append(Mailbox.isControl(scalar) || scalar == "/" || scalar == "\\" ? "_" : scalar)
        }
        let trimmed = String(result).trimmingSpaces
        return trimmed.isEmpty ? "attachment" : String(trimmed)
    }

    /// `"text"` with `\` and `"` escaped.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The ASCII characters of `name` (the extension kept), `attachment` as the
    /// stem when no letter or digit is left; at most 60 characters.
    static func asciiFallback(_ name: String) -> String {
        let ascii = String(String.UnicodeScalarView(name.unicodeScalars.filter { (0x21...0x7E).contains($0.value) }))
        var stem = ascii
        var suffix = ""
        if let dot = ascii.lastIndex(of: ".") {
            stem = String(ascii[..<dot])
            suffix = String(ascii[dot...].prefix(12))
        }
        let separators: Set<Character> = ["_", "-", ".", " "]
        stem = String(
            stem.drop(while: { separators.contains($0) }).reversed().drop(while: { separators.contains($0) }).reversed()
        )
        if !stem.contains(where: { $0.isASCII && ($0.isLetter || $0.isNumber) }) { stem = "attachment" }
        return String(stem.prefix(60 - suffix.count)) + suffix
    }

    /// `name*=UTF-8''…` (RFC 2231 §4), cut into `name*0*=`, `name*1*=`, … sections
    /// of at most 60 characters when longer; a section never splits a `%XX`.
    static func extendedParameter(_ name: String, _ value: String) -> [String] {
        let attributeCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        let tokens = value.utf8.map { byte in
            attributeCharacters.contains(byte) ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        var sections: [String] = []
        var current = "UTF-8''"
        for token in tokens {
            if current.utf8.count + token.utf8.count > 60 {
                sections.append(current)
                current = ""
            }
            current += token
        }
        sections.append(current)
        if sections.count == 1 { return ["\(name)*=\(sections[0])"] }
        return sections.enumerated().map { "\(name)*\($0.offset)*=\($0.element)" }
    }
}
