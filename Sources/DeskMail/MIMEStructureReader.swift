import Foundation

/// Grows a message's body into a tree of `MessagePart`s (RFC 2045–2049).
///
/// Every part's body stays a slice of the input bytes. Each multipart's body is
/// scanned once for its own delimiter lines, and a part's extent is already cut
/// at its parent's delimiters, so an outer boundary also ends an inner part
/// whose own closing boundary is missing (as Python's `email` and most mail
/// programs read it). Total work is at most `maximumDepth + 1` passes over the
/// input, whatever the nesting: no quadratic scans on hostile mail.
struct MIMEStructureReader {
    let limits: MessageLimits
    /// Parts read so far, the root included.
    private(set) var partCount = 1
    /// Set once the part limit is hit, so it is reported only once.
    private var partLimitReported = false

    init(limits: MessageLimits) {
        self.limits = limits
    }

    /// Fills in `part.children` (recursively) from its body. `depth` is the
    /// part's own depth; the root is 0.
    mutating func readChildren(of part: inout MessagePart, depth: Int) {
        let type = part.contentType
        if type.isMultipart {
            readMultipart(&part, depth: depth)
        } else if type.type == "message" && (type.subtype == "rfc822" || type.subtype == "global") {
            readAttachedMessage(&part, depth: depth)
        }
    }

    // MARK: - multipart

    private mutating func readMultipart(_ part: inout MessagePart, depth: Int) {
        let mimeType = part.contentType.mimeType
        guard let boundaryText = part.contentType.parameter("boundary"), !boundaryText.isEmpty else {
            part.problems.append("\(mimeType) has no boundary parameter, so its parts cannot be found; read as one piece")
            return
        }
        guard depth < limits.maximumDepth else {
            part.problems.append(
                "multiparts and attached messages nest deeper than \(limits.maximumDepth) levels; the parts inside this one were not read"
            )
            return
        }
        let dashBoundary = Array("--".utf8) + Array(boundaryText.utf8)
        // One delimiter past the part limit is enough to know where the last part read ends.
        let remainingParts = max(0, limits.maximumParts - partCount)
        let scan = Self.delimiters(in: part.body, dashBoundary: dashBoundary, maximumCount: remainingParts + 1)
        guard let first = scan.delimiters.first else {
            part.problems.append(
                "the boundary \"\(boundaryText)\" never appears at the start of a line, so no parts were found; read as one piece"
            )
            return
        }
        if first.isClose {
            part.problems.append("the multipart's closing boundary comes before any part; it has no parts")
            return
        }

        let defaultType: ContentType =
            part.contentType.subtype == "digest" ? ContentType(type: "message", subtype: "rfc822") : .textPlain
        var children: [MessagePart] = []
        let delimiters = scan.delimiters
        for (position, delimiter) in delimiters.enumerated() where !delimiter.isClose {
            guard partCount < limits.maximumParts else {
                if !partLimitReported {
                    partLimitReported = true
                    part.problems.append(
                        "the message has more than \(limits.maximumParts) parts; the rest were not read")
                }
                break
            }
            var end: Int
            if position + 1 < delimiters.count {
                end = max(delimiter.contentStart, delimiters[position + 1].precedingLineBreak)
            } else {
                end = part.body.endIndex
                if scan.reachedEnd {
                    // As Python's `email` does, the last line break is still taken as
                    // the one a delimiter would have owned.
                    var trimmed = end
                    if trimmed > delimiter.contentStart, part.body[trimmed - 1] == .lineFeed { trimmed -= 1 }
                    if trimmed > delimiter.contentStart, part.body[trimmed - 1] == .carriageReturn { trimmed -= 1 }
                    end = trimmed
                    part.problems.append(
                        "the closing boundary \"--\(boundaryText)--\" is missing; the last part runs to the end")
                }
            }
            partCount += 1
            let section = part.section.isEmpty ? "\(children.count + 1)" : "\(part.section).\(children.count + 1)"
            var child = readEntity(
                part.body[delimiter.contentStart..<end], section: section, defaultType: defaultType)
            readChildren(of: &child, depth: depth + 1)
            children.append(child)
        }
        part.children = children
    }

    /// One delimiter line: `--boundary` (or `--boundary--`), then only spaces or tabs.
    struct Delimiter {
        /// Where the line break before the delimiter line starts: the end of
        /// the part before it (that line break belongs to the delimiter, RFC 2046 §5.1.1).
        var precedingLineBreak: Int
        /// The first byte after the delimiter line.
        var contentStart: Int
        /// Whether it is the close delimiter `--boundary--`.
        var isClose: Bool
    }

    /// The delimiter lines of `body` up to and including the close delimiter
    /// (what follows it is the epilogue), at most `maximumCount` of them.
    /// `reachedEnd` is true when the scan ran to the end without a close delimiter.
    static func delimiters(
        in body: ArraySlice<UInt8>, dashBoundary: [UInt8], maximumCount: Int
    ) -> (delimiters: [Delimiter], reachedEnd: Bool) {
        var found: [Delimiter] = []
        var reachedEnd = true
        let base = body.startIndex
        body.withUnsafeBufferPointer { buffer in
            dashBoundary.withUnsafeBufferPointer { pattern in
                let count = buffer.count
                let patternCount = pattern.count
                var index = 0  // always a line start here
                while index < count {
                    if buffer[index] == 0x2D && count - index >= patternCount
                        && memcmp(buffer.baseAddress! + index, pattern.baseAddress!, patternCount) == 0
                    {
                        var cursor = index + patternCount
                        var isClose = false
                        if cursor + 1 < count && buffer[cursor] == 0x2D && buffer[cursor + 1] == 0x2D {
                            isClose = true
                            cursor += 2
                        }
                        while cursor < count && (buffer[cursor] == .space || buffer[cursor] == .tab) { cursor += 1 }
                        if cursor == count || buffer[cursor] == .carriageReturn || buffer[cursor] == .lineFeed {
                            var next = cursor
                            if next < count {
                                next += (buffer[next] == .carriageReturn && next + 1 < count && buffer[next + 1] == .lineFeed) ? 2 : 1
                            }
                            var lineBreak = index
                            if lineBreak > 0 {
                                if buffer[lineBreak - 1] == .lineFeed {
                                    lineBreak -= 1
                                    if lineBreak > 0 && buffer[lineBreak - 1] == .carriageReturn { lineBreak -= 1 }
                                } else if buffer[lineBreak - 1] == .carriageReturn {
                                    lineBreak -= 1
                                }
                            }
                            found.append(
                                Delimiter(precedingLineBreak: base + lineBreak, contentStart: base + next, isClose: isClose))
                            if isClose || found.count >= maximumCount {
                                reachedEnd = false
                                return
                            }
                            index = next
                            continue
                        }
                    }
                    // Not a delimiter: skip to the start of the next line.
                    guard
                        let lineEnd = Self.firstLineBreak(
                            in: UnsafeBufferPointer(rebasing: buffer[index...]))
                    else { return }
                    index += lineEnd
                    index += (buffer[index] == .carriageReturn && index + 1 < count && buffer[index + 1] == .lineFeed) ? 2 : 1
                }
            }
        }
        return (found, reachedEnd)
    }

    /// The offset of the first CR or LF, or nil.
    private static func firstLineBreak(in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        // memchr for LF is vectorised; a CR-only file has none, so look for CR
        // only in the stretch before the LF (or to the end).
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
        let lineFeed = memchr(base, Int32(UInt8.lineFeed), buffer.count)
        let searchLength = lineFeed.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? buffer.count
        if searchLength > 0, let carriageReturn = memchr(base, Int32(UInt8.carriageReturn), searchLength) {
            return base.distance(to: carriageReturn.assumingMemoryBound(to: UInt8.self))
        }
        return lineFeed == nil ? nil : searchLength
    }

    // MARK: - message/rfc822

    private mutating func readAttachedMessage(_ part: inout MessagePart, depth: Int) {
        guard depth < limits.maximumDepth else {
            part.problems.append(
                "multiparts and attached messages nest deeper than \(limits.maximumDepth) levels; the attached message was not read"
            )
            return
        }
        guard partCount < limits.maximumParts else {
            if !partLimitReported {
                partLimitReported = true
                part.problems.append("the message has more than \(limits.maximumParts) parts; the rest were not read")
            }
            return
        }
        partCount += 1
        var child = readEntity(part.body, section: part.section, defaultType: .textPlain)
        readChildren(of: &child, depth: depth + 1)
        part.children = [child]
    }

    // MARK: - one entity

    /// Reads the header block at the start of `bytes` and makes a part of it;
    /// its children are not read yet.
    func readEntity(_ bytes: ArraySlice<UInt8>, section: String, defaultType: ContentType) -> MessagePart {
        var problems: [String] = []
        // A part whose first line is neither a header field nor empty has no
        // header block: it is all body (Python's `email` reads it so too).
        var bytes = bytes
        var firstLine = HeaderBlock.nextLine(in: bytes, from: bytes.startIndex)
        var line = bytes[bytes.startIndex..<firstLine.contentEnd]
        // A message saved from an mbox file and attached keeps its envelope
        // line `From sender date`: skipped, as at the top of a file.
        if line.starts(with: Array("From ".utf8)) && !Self.startsHeaderBlock(line) {
            let rest = bytes[firstLine.nextStart...]
            let next = HeaderBlock.nextLine(in: rest, from: rest.startIndex)
            if Self.startsHeaderBlock(rest[rest.startIndex..<next.contentEnd]) {
                bytes = rest
                firstLine = next
                line = rest[rest.startIndex..<next.contentEnd]
            }
        }
        var headers = MessageHeaders()
        var bodyStart = bytes.startIndex
        if !line.isEmpty && !Self.startsHeaderBlock(line) {
            problems.append("the part has no header lines; all of it was read as the body")
        } else if let block = try? HeaderBlock.parse(bytes, requiringFields: false) {
            headers = block.headers
            bodyStart = block.bodyStart
            problems.append(contentsOf: block.problems)
        }
        limitHeaderFields(&headers, problems: &problems)
        let contentType = Self.contentType(of: headers, default: defaultType, problems: &problems)
        return MessagePart(
            headers: headers, contentType: contentType, body: bytes[bodyStart...], section: section, problems: problems)
    }

    /// Drops header fields past `limits.maximumHeaderFields`.
    func limitHeaderFields(_ headers: inout MessageHeaders, problems: inout [String]) {
        guard headers.count > limits.maximumHeaderFields else { return }
        let dropped = headers.count - limits.maximumHeaderFields
        headers.fields.removeLast(dropped)
        problems.append(
            "the header has \(headers.count + dropped) fields, more than the limit of \(limits.maximumHeaderFields); the last \(dropped) were ignored"
        )
    }

    /// The part's Content-Type, or `defaultType` when missing or unreadable (RFC 2045 §5.2).
    static func contentType(
        of headers: MessageHeaders, default defaultType: ContentType, problems: inout [String]
    ) -> ContentType {
        guard let value = headers["Content-Type"] else { return defaultType }
        guard let parsed = ContentType(parsing: value) else {
            problems.append(
                "the Content-Type header cannot be read (\(HeaderBlock.excerpt(Array(value.utf8)[...]))); read as \(defaultType.mimeType)"
            )
            return ContentType.fallback(defaultType, keepingParametersOf: value)
        }
        return parsed
    }

    /// Whether `line` is a header field line (`Name:`) or a folded continuation.
    private static func startsHeaderBlock(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first else { return false }
        if first.isLinearWhitespace { return true }
        var index = line.startIndex
        while index < line.endIndex, line[index].isFieldNameByte { index += 1 }
        guard index > line.startIndex else { return false }
        while index < line.endIndex, line[index].isLinearWhitespace { index += 1 }
        return index < line.endIndex && line[index] == .colon
    }
}
