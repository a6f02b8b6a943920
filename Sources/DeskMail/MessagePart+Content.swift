// What a part holds: its transfer encoding, disposition, file name, and its
// decoded bytes. Computed on demand from the headers, so a part that is never
// asked costs nothing.

extension MessagePart {
    /// The Content-Transfer-Encoding, lowercased; `7bit` when absent (RFC 2045 §6.1).
    public var transferEncoding: String {
        guard let value = headers["Content-Transfer-Encoding"] else { return "7bit" }
        let token = value.split(whereSeparator: { $0 == ";" || $0 == "(" || $0 == " " || $0 == "\t" }).first ?? ""
        return token.isEmpty ? "7bit" : token.lowercased()
    }

    /// The Content-Disposition type, lowercased (`inline`, `attachment`), or nil when absent.
    public var disposition: String? {
        headers["Content-Disposition"].flatMap { ContentDisposition(parsing: $0).type }
    }

    /// Whether the part says `Content-Disposition: attachment`.
    public var isAttachment: Bool { disposition == "attachment" }

    /// The file name, decoded (RFC 2231, RFC 2047 in quotes) and trimmed, as
    /// the sender wrote it: an RFC 2231 value first (Content-Disposition's
    /// `filename*`, else Content-Type's `name*`), since a plain value beside one
    /// is the sender's lossy ASCII fallback; else Content-Disposition's plain
    /// `filename`, else Content-Type's plain `name`. Nil when none is there or
    /// it is empty. Never use it as a path as it is: see `Attachment.safeFilename`.
    public var filename: String? {
        var ignored: [String] = []
        return filename(problems: &ignored)
    }

    func filename(problems: inout [String]) -> String? {
        let dispositionParameters =
            headers["Content-Disposition"].map { ContentDisposition(parsing: $0).parameters } ?? []
        let typeParameters = contentType.parameters
        let sources: [(extended: Bool, name: String, parameters: [ContentType.Parameter])] = [
            (true, "filename", dispositionParameters), (true, "name", typeParameters),
            (false, "filename", dispositionParameters), (false, "name", typeParameters),
        ]
        for source in sources {
            let value =
                source.extended
                ? MIMEParameters.extendedValue(named: source.name, in: source.parameters, problems: &problems)
                : MIMEParameters.plainValue(named: source.name, in: source.parameters, problems: &problems)
            if let trimmed = value?.trimmingASCIIWhitespace, !trimmed.isEmpty { return trimmed }
        }
        return nil
    }

    /// Whether the part is an attachment in the desk's sense: it has a file
    /// name or says `Content-Disposition: attachment`.
    var hasAttachmentMarks: Bool { isAttachment || filename != nil }

    /// The body with its transfer encoding undone: base64 and quoted-printable
    /// decoded, 7bit/8bit/binary as they are, `x-uuencode` unwrapped. An
    /// unknown encoding is kept as it is, with a problem. Multipart bodies are
    /// returned as they are (RFC 2045 allows them no encoding).
    public func decodedBody() -> DecodedBody {
        let encoding = transferEncoding
        switch encoding {
        case "7bit", "8bit", "binary":
            return DecodedBody(bytes: Array(body))
        case _ where contentType.isMultipart:
            return DecodedBody(
                bytes: Array(body),
                problems: ["a multipart cannot have Content-Transfer-Encoding \(encoding); it was ignored"])
        case "base64":
            let result = TransferDecoding.base64(body)
            var problems: [String] = []
            if result.junkCount > 0 {
                problems.append(
                    "base64 had \(result.junkCount) junk character\(result.junkCount == 1 ? "" : "s"), ignored")
            }
            if result.bytesAfterPadding > 0 {
                problems.append("base64 went on for \(result.bytesAfterPadding) characters after its end padding '='; they were ignored")
            }
            if result.danglingCharacter {
                problems.append("base64 ended with one stray character, which was dropped")
            } else if result.missingPadding {
                problems.append("base64 ended without its '=' padding")
            }
            return DecodedBody(bytes: result.bytes, problems: problems)
        case "quoted-printable":
            let result = TransferDecoding.quotedPrintable(body)
            var problems: [String] = []
            if result.badEscapes > 0 {
                problems.append(
                    "quoted-printable had \(result.badEscapes) '=' not followed by two hex digits, kept as written")
            }
            return DecodedBody(bytes: result.bytes, problems: problems)
        case "x-uuencode", "uuencode", "x-uue", "uue":
            guard let block = TransferDecoding.uuencodedBlocks(in: body).first else {
                return DecodedBody(bytes: Array(body), problems: ["\(encoding) data has no 'begin' line; kept as written"])
            }
            var problems: [String] = []
            if block.missingEnd { problems.append("\(encoding) data has no 'end' line") }
            if block.badLines > 0 { problems.append("\(encoding) data had \(block.badLines) unreadable line(s), skipped") }
            return DecodedBody(bytes: block.bytes, problems: problems)
        default:
            return DecodedBody(
                bytes: Array(body),
                problems: ["unknown Content-Transfer-Encoding '\(encoding)'; the body was kept as written"])
        }
    }

    /// How problems name this part: `part 2 (application/pdf)`, or for the
    /// message itself `the message body (text/plain)`.
    var label: String {
        section.isEmpty ? "the message body (\(contentType.mimeType))" : "part \(section) (\(contentType.mimeType))"
    }

    /// Whether this part holds an attached message (its one child).
    var holdsAttachedMessage: Bool {
        contentType.type == "message" && (contentType.subtype == "rfc822" || contentType.subtype == "global")
    }
}
