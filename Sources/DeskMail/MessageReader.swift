import Foundation

/// Reads a message file's bytes into a `ParsedMessage`.
///
/// Pure: bytes in, values out; no files, no clock, no database. The MIME
/// tree's bodies stay slices of the input; only attachments and the text part
/// are decoded (and copied).
public enum MessageReader {
    /// Reads a whole message file with the default `MessageLimits`.
    ///
    /// Throws only when the bytes are not a message at all: no header block
    /// (an empty file, an image, prose with no `Name: value` first line).
    /// Damaged-but-readable mail never throws: it is returned with `problems`
    /// filled in, because it is still a submission the office owes an answer.
    public static func read(_ bytes: [UInt8]) throws(MessageReadError) -> ParsedMessage {
        try read(bytes, limits: .default)
    }

    /// Reads a whole message file. Structure past `limits` is not descended
    /// into and is reported in `problems`; it never throws for that.
    public static func read(_ bytes: [UInt8], limits: MessageLimits) throws(MessageReadError) -> ParsedMessage {
        let block = try HeaderBlock.parse(bytes[...], requiringFields: true)
        var problems = block.problems
        var headers = block.headers

        var structure = MIMEStructureReader(limits: limits)
        structure.limitHeaderFields(&headers, problems: &problems)
        let contentType = readContentType(headers, problems: &problems)
        var root = MessagePart(headers: headers, contentType: contentType, body: bytes[block.bodyStart...])
        structure.readChildren(of: &root, depth: 0)

        var subject: String?
        if let field = headers.first(named: "Subject") {
            let decoded = EncodedWords.decode(field.value)
            subject = decoded.text
            problems.append(contentsOf: decoded.problems.map { "Subject: \($0)" })
        }

        var from: MailAddress?
        if let field = headers.first(named: "From") {
            var addressProblems: [String] = []
            from = MailAddress.parseList(field.value, problems: &addressProblems).first
            // A bare `From: <>` is the null sender of a bounce, not a missing From:
            // the automatic-reply rules must see it.
            if from == nil && MailAddress.isNullPath(field.value) { from = MailAddress(address: "") }
            problems.append(contentsOf: addressProblems.map { "From: \($0)" })
            if from == nil && !field.value.isEmpty {
                problems.append(
                    "the From header has no readable address: \(HeaderBlock.excerpt(Array(field.value.utf8)[...]))")
            }
        }

        let messageID = headers["Message-ID"].flatMap { $0.isEmpty ? nil : $0 }

        let dateHeader = headers["Date"]
        var date: Date?
        if let dateHeader {
            date = MailDate.parse(dateHeader)
            if date == nil {
                problems.append(
                    "the Date header is not a date that can be read: \(HeaderBlock.excerpt(Array(dateHeader.utf8)[...]))"
                )
            }
        }

        let receivedAt = readReceivedAt(headers, problems: &problems)

        problems.append(contentsOf: MessageContent.structureProblems(of: root))
        var allowance = AttachmentAllowance(limits: limits, partsRead: structure.partCount)
        var attachments = MessageContent.attachments(of: root, allowance: &allowance, problems: &problems)
        let (text, inlineFiles) = MessageContent.text(of: root, allowance: &allowance, problems: &problems)
        attachments.append(contentsOf: inlineFiles)
        if let problem = allowance.problem { problems.append(problem) }
        // A named inline text part is both the text and an attachment: its
        // decoding problems are said once.
        var seenProblems = Set<String>()
        problems = problems.filter { seenProblems.insert($0).inserted }
        problems = capped(problems, at: limits.maximumProblems)

        var message = ParsedMessage(
            root: root, subject: subject, from: from, messageID: messageID, dateHeader: dateHeader, date: date,
            receivedAt: receivedAt, problems: problems, attachments: attachments, text: text)
        message.automaticReply = AutomaticReplyDetector.reason(for: message)
        return message
    }

    /// The first `limit` problems, then one line saying how many more there were.
    static func capped(_ problems: [String], at limit: Int) -> [String] {
        guard problems.count > limit else { return problems }
        let more = problems.count - limit
        return Array(problems.prefix(limit)) + ["… and \(more) more problem\(more == 1 ? "" : "s")"]
    }

    /// The top-level Content-Type, or `text/plain` when it is missing or
    /// unreadable (RFC 2045 §5.2).
    private static func readContentType(_ headers: MessageHeaders, problems: inout [String]) -> ContentType {
        guard let value = headers["Content-Type"] else { return .textPlain }
        guard let parsed = ContentType(parsing: value) else {
            problems.append(
                "the Content-Type header cannot be read (\(HeaderBlock.excerpt(Array(value.utf8)[...]))); read as text/plain"
            )
            return ContentType.fallback(.textPlain, keepingParametersOf: value)
        }
        return parsed
    }

    /// The stamp after the last `;` of the topmost `Received:`: the hop that
    /// delivered into the office's mailbox, added last and so written first.
    private static func readReceivedAt(_ headers: MessageHeaders, problems: inout [String]) -> Date? {
        guard let topmost = headers.first(named: "Received") else { return nil }
        guard let semicolon = topmost.value.lastIndex(of: ";") else {
            problems.append("the topmost Received header has no date after ';'")
            return nil
        }
        let stamp = topmost.value[topmost.value.index(after: semicolon)...]
        guard let date = MailDate.parse(stamp) else {
            problems.append(
                "the topmost Received header's date cannot be read: \(HeaderBlock.excerpt(Array(stamp.utf8)[...]))")
            return nil
        }
        return date
    }
}
