/// The header block at the start of a message (or, later, of a MIME part):
/// its fields, where the body starts, and what was damaged.
///
/// Works on byte slices and stops at the first empty line, so reading the
/// headers of a 50 MiB message touches only the first few kilobytes and the
/// body is never copied.
struct HeaderBlock: Sendable {
    /// The fields in file order.
    var headers: MessageHeaders
    /// The index (in the input slice) of the first body byte; the slice's
    /// `endIndex` when the message has no body.
    var bodyStart: Int
    /// What was damaged or guessed.
    var problems: [String]

    /// More problems than this about colon-less lines are summarised, so a
    /// message with its body glued to its header gives a readable list.
    private static let maximumLineProblems = 5

    /// Real header blocks are a few kilobytes. Past this size the rest is
    /// treated as body (as MTAs do with their header size limits), so a huge
    /// file without an empty line is not copied field by field.
    static let maximumHeaderBytes = 1024 * 1024

    /// Reads the header block at the start of `bytes`.
    ///
    /// Accepts CRLF, LF and lone-CR line endings, mixed. With
    /// `requiringFields`, the bytes must start with a header line (after an
    /// optional mbox `From ` line), or this throws: that is how a file that is
    /// not a message at all is told from a damaged one.
    static func parse(_ bytes: ArraySlice<UInt8>, requiringFields: Bool) throws(MessageReadError) -> HeaderBlock {
        var problems: [String] = []
        var index = bytes.startIndex
        var lineNumber = 1

        if requiringFields {
            guard !bytes.isEmpty else {
                throw MessageReadError(reason: "the file is empty")
            }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                index += 3
                problems.append("the file starts with a UTF-8 byte order mark, which was skipped")
            }
            // mbox files and some fetchers put an envelope line `From sender date` first.
            if bytes[index...].starts(with: Array("From ".utf8)),
                fieldNameEnd(in: bytes[index..<nextLine(in: bytes, from: index).contentEnd]) == nil
            {
                index = nextLine(in: bytes, from: index).nextStart
                lineNumber += 1
            }
            let first = nextLine(in: bytes, from: index)
            if !looksLikeFirstField(bytes[index..<first.contentEnd]) {
                // Damaged but readable: header fields after blank or
                // whitespace-only lines, or a first field indented as if it
                // continued one before it. Anything else is not a message.
                guard let start = damagedHeaderStart(in: bytes, from: index) else {
                    throw MessageReadError(
                        reason: notAMessageReason(bytes[index...], firstLine: bytes[index..<first.contentEnd]))
                }
                if start.skippedLines > 0 {
                    problems.append(
                        "the file starts with \(start.skippedLines) blank line(s) before its header fields; they were skipped")
                    lineNumber += start.skippedLines
                }
                if start.indented {
                    problems.append("the first header field is indented, as if it continued a field before it; read as a field")
                }
                index = start.fieldStart
            }
        }

        // Fields are collected as byte ranges first; their values are decoded
        // afterwards so 8-bit bytes can be guessed from all fields together.
        var ranges: [(name: String, value: Range<Int>)] = []
        var skippingJunk = false
        var skippedLines = 0
        var bodyStart = bytes.endIndex

        let scanLimit = min(bytes.endIndex, index + maximumHeaderBytes)
        while index < bytes.endIndex {
            guard let line = nextLine(in: bytes, from: index, scanLimit: scanLimit) else {
                bodyStart = index
                problems.append(
                    "the header block is longer than \(maximumHeaderBytes / 1024) KiB; the rest was read as the body")
                break
            }
            let content = bytes[index..<line.contentEnd]
            defer {
                index = line.nextStart
                lineNumber += 1
            }
            if content.isEmpty {
                bodyStart = line.nextStart
                break
            }
            if let first = content.first, first.isLinearWhitespace {
                // A continuation: it belongs to the field above, unless that
                // line was junk, in which case it is junk too.
                if !skippingJunk, let last = ranges.indices.last {
                    ranges[last].value = ranges[last].value.lowerBound..<line.contentEnd
                } else if ranges.isEmpty && !skippingJunk {
                    skippedLines += 1
                    recordSkipped(content, lineNumber: lineNumber, count: skippedLines, into: &problems)
                }
                continue
            }
            guard let nameEnd = fieldNameEnd(in: content) else {
                skippingJunk = true
                skippedLines += 1
                recordSkipped(content, lineNumber: lineNumber, count: skippedLines, into: &problems)
                continue
            }
            skippingJunk = false
            var nameBytes = content[content.startIndex..<nameEnd]
            while let last = nameBytes.last, last.isLinearWhitespace { nameBytes = nameBytes.dropLast() }
            let colon = content[nameEnd...].firstIndex(of: .colon) ?? nameEnd
            ranges.append((String(decoding: nameBytes, as: UTF8.self), (colon + 1)..<line.contentEnd))
        }
        if skippedLines > maximumLineProblems {
            problems.append(
                "\(skippedLines - maximumLineProblems) more header line(s) without a colon were skipped")
        }

        let fields = decodeValues(ranges, in: bytes, problems: &problems)
        return HeaderBlock(headers: MessageHeaders(fields), bodyStart: bodyStart, problems: problems)
    }

    /// The end of the line starting at `start` (before its CRLF, LF or CR) and
    /// the start of the next line.
    static func nextLine(in bytes: ArraySlice<UInt8>, from start: Int) -> (contentEnd: Int, nextStart: Int) {
        nextLine(in: bytes, from: start, scanLimit: bytes.endIndex) ?? (bytes.endIndex, bytes.endIndex)
    }

    /// `nextLine(in:from:)`, looking no further than `scanLimit`: nil when the
    /// line does not end before it (and the bytes go on past it).
    static func nextLine(
        in bytes: ArraySlice<UInt8>, from start: Int, scanLimit: Int
    ) -> (contentEnd: Int, nextStart: Int)? {
        var index = start
        while index < scanLimit {
            let byte = bytes[index]
            if byte == .lineFeed { return (index, index + 1) }
            if byte == .carriageReturn {
                let next = index + 1
                if next < bytes.endIndex, bytes[next] == .lineFeed { return (index, next + 1) }
                return (index, next)
            }
            index += 1
        }
        guard scanLimit >= bytes.endIndex else { return nil }
        return (bytes.endIndex, bytes.endIndex)
    }

    /// If `line` starts a header field (`Name:` with RFC 5322 name bytes, and
    /// the obsolete whitespace before the colon allowed), where the name ends.
    private static func fieldNameEnd(in line: ArraySlice<UInt8>) -> Int? {
        var index = line.startIndex
        while index < line.endIndex, line[index].isFieldNameByte { index += 1 }
        guard index > line.startIndex else { return nil }
        let nameEnd = index
        while index < line.endIndex, line[index].isLinearWhitespace { index += 1 }
        guard index < line.endIndex, line[index] == .colon else { return nil }
        return nameEnd
    }

    /// Whether the first line of a file is a header field. Stricter than RFC
    /// 5322's `ftext`, which would accept `{"schema":` from a JSON file: real
    /// field names start with a letter and hold letters, digits, `-` and `_`.
    private static func looksLikeFirstField(_ line: ArraySlice<UInt8>) -> Bool {
        guard let nameEnd = fieldNameEnd(in: line), let first = line.first, first.isASCIILetter else { return false }
        return line[line.startIndex..<nameEnd].allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || $0 == 0x2D || $0 == 0x5F
        }
    }

    /// Where the header fields start in a damaged file that does not start
    /// with one: after lines that are empty or only spaces and tabs, and/or
    /// after the indentation of a first field line (`  From: a@example.com`).
    /// Nil when no field line comes after them. Looks no further than
    /// `maximumHeaderBytes`, so a file of blank lines costs one linear pass.
    private static func damagedHeaderStart(
        in bytes: ArraySlice<UInt8>, from start: Int
    ) -> (fieldStart: Int, skippedLines: Int, indented: Bool)? {
        let scanLimit = min(bytes.endIndex, start + maximumHeaderBytes)
        var index = start
        var skippedLines = 0
        while index < scanLimit {
            guard let line = nextLine(in: bytes, from: index, scanLimit: scanLimit) else { return nil }
            let content = bytes[index..<line.contentEnd]
            guard let firstVisible = content.firstIndex(where: { !$0.isLinearWhitespace }) else {
                // Empty or only whitespace: skip it, unless the file ends here.
                guard line.nextStart < bytes.endIndex, line.nextStart > index else { return nil }
                skippedLines += 1
                index = line.nextStart
                continue
            }
            guard looksLikeFirstField(bytes[firstVisible..<line.contentEnd]) else { return nil }
            return (firstVisible, skippedLines, firstVisible > index)
        }
        return nil
    }

    private static func recordSkipped(
        _ line: ArraySlice<UInt8>, lineNumber: Int, count: Int, into problems: inout [String]
    ) {
        guard count <= maximumLineProblems else { return }
        problems.append("header line \(lineNumber) has no 'Name:' and was skipped: \(excerpt(line))")
    }

    /// The first characters of some bytes, readable whatever they are, for problem texts.
    static func excerpt(_ bytes: ArraySlice<UInt8>, limit: Int = 60) -> String {
        let text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let short = cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
        return "\"\(short)\""
    }

    /// Says why bytes that do not start with a header line are not a message,
    /// naming the file type when the magic bytes give it away.
    private static func notAMessageReason(_ bytes: ArraySlice<UInt8>, firstLine: ArraySlice<UInt8>) -> String {
        let signatures: [([UInt8], String)] = [
            ([0x89, 0x50, 0x4E, 0x47], "a PNG image"),
            ([0xFF, 0xD8, 0xFF], "a JPEG image"),
            (Array("GIF8".utf8), "a GIF image"),
            (Array("%PDF".utf8), "a PDF document"),
            ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive, e.g. an .xlsx workbook"),
            ([0x1F, 0x8B], "a gzip archive"),
        ]
        for (magic, kind) in signatures where bytes.starts(with: magic) {
            return
                "no header lines: the file is binary data (it looks like \(kind)), not a message starting with 'Name: value'"
        }
        if firstLine.isEmpty {
            return "no header lines: the file starts with an empty line instead of 'Name: value'"
        }
        if firstLine.contains(0) {
            return "no header lines: the file is binary data, not a message starting with 'Name: value'"
        }
        return "no header lines: the file does not start with 'Name: value' (its first line is \(excerpt(firstLine)))"
    }

    /// Unfolds and decodes the collected values. ASCII and UTF-8 values are
    /// read as they are; raw ISO-2022-JP is recognised by its escapes; other
    /// 8-bit values are pooled and their charset guessed once from all of them,
    /// since one Japanese subject line is a small sample but a whole header is not.
    private static func decodeValues(
        _ ranges: [(name: String, value: Range<Int>)], in bytes: ArraySlice<UInt8>, problems: inout [String]
    ) -> [HeaderField] {
        var fields: [HeaderField] = []
        fields.reserveCapacity(ranges.count)
        var undeclared: [(fieldIndex: Int, unfolded: [UInt8])] = []

        for (name, range) in ranges {
            let raw = Array(bytes[range])
            let unfolded = escapingRawBytesInQWords(trimmed(raw.filter { $0 != .carriageReturn && $0 != .lineFeed }))
            var value = ""
            if !unfolded.contains(where: { $0 >= 0x80 }) {
                if ISO2022JPDecoder.containsJISEscape(unfolded) {
                    let decoded = ISO2022JPDecoder.decode(unfolded)
                    value = decoded.text
                    problems.append("the \(name) header holds raw ISO-2022-JP text instead of RFC 2047 encoded words")
                    problems.append(contentsOf: decoded.problems.map { "\(name) header: \($0)" })
                } else {
                    value = String(decoding: unfolded, as: UTF8.self)
                }
            } else if let text = String(validating: unfolded, as: UTF8.self) {
                value = text  // RFC 6532 allows UTF-8 in headers
            } else {
                undeclared.append((fields.count, unfolded))
            }
            fields.append(HeaderField(name: name, value: value, rawValue: raw))
        }

        guard !undeclared.isEmpty else { return fields }
        var pool: [UInt8] = []
        for entry in undeclared {
            pool.append(contentsOf: entry.unfolded)
            pool.append(.lineFeed)
        }
        let charset = Charset.guess(for: pool)
        for entry in undeclared {
            let decoded = charset.decode(entry.unfolded)
            let name = fields[entry.fieldIndex].name
            fields[entry.fieldIndex].value = decoded.text
            problems.append(
                "the \(name) header has raw 8-bit bytes that are not UTF-8; read as \(charset.name) (a guess)")
            problems.append(contentsOf: decoded.problems.map { "\(name) header: \($0)" })
        }
        return fields
    }

    /// Raw 8-bit bytes inside a `Q` encoded word (`=?iso-8859-1?Q?Fr\xF6sche?=`,
    /// sent unescaped by careless mailers) are bytes of that word's charset:
    /// they are written as `=XX`, so the word decodes by its own label rather
    /// than by a guess for the whole header. One pass; other bytes untouched.
    static func escapingRawBytesInQWords(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return bytes }
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var index = 0
        while index < bytes.count {
            // `=?charset?Q?`: a short charset without spaces, then the payload up to `?=`.
            if bytes[index] == 0x3D, index + 1 < bytes.count, bytes[index + 1] == 0x3F {
                var cursor = index + 2
                while cursor < bytes.count, cursor - index < 80, bytes[cursor] != 0x3F,
                    !bytes[cursor].isASCIIWhitespace, bytes[cursor] < 0x80
                {
                    cursor += 1
                }
                if cursor + 2 < bytes.count, cursor > index + 2, bytes[cursor] == 0x3F,
                    bytes[cursor + 1] == 0x51 || bytes[cursor + 1] == 0x71, bytes[cursor + 2] == 0x3F
                {
                    let payloadStart = cursor + 3
                    var end = payloadStart
                    while end + 1 < bytes.count, !(bytes[end] == 0x3F && bytes[end + 1] == 0x3D),
                        !bytes[end].isASCIIWhitespace
                    {
                        end += 1
                    }
                    if end + 1 < bytes.count, bytes[end] == 0x3F, bytes[end + 1] == 0x3D {
                        output.append(contentsOf: bytes[index..<payloadStart])
                        for byte in bytes[payloadStart..<end] {
                            if byte >= 0x80 {
                                output.append(contentsOf: [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                            } else {
                                output.append(byte)
                            }
                        }
                        output.append(contentsOf: [0x3F, 0x3D])
                        index = end + 2
                        continue
                    }
                    // Not a whole word: copy what was looked at as it is.
                    output.append(contentsOf: bytes[index..<end])
                    index = end
                    continue
                }
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    private static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { !$0.isLinearWhitespace }),
            let last = bytes.lastIndex(where: { !$0.isLinearWhitespace })
        else { return [] }
        return Array(bytes[first...last])
    }
}
