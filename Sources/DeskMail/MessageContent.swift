/// Finds what the desk reads in a part tree: the attachments and the plain text.
///
/// Attachments (issue 3, and what the conformance reference counts): every
/// part that is not a multipart, at any depth and inside attached messages
/// (`message/rfc822`) too, that has a file name or says
/// `Content-Disposition: attachment`, in tree order; but not
/// message/external-body, which names a file that is not in the mail.
///
/// The text is chosen separately, following Python's `email` package
/// (`policy.default`, `iter_attachments()`): the first text/plain, text/html,
/// multipart/alternative and multipart/related of a multipart are its body,
/// not attachments, unless marked `attachment`; all of multipart/alternative
/// is body; in multipart/related everything but the root (the `start` part,
/// else the first) is attached. The text is the first text/plain part that is
/// body in that sense, so a named inline text part can be both the text and
/// an attachment.
enum MessageContent {
    private static let bodyTypes: Set<String> = ["text/plain", "text/html", "multipart/related", "multipart/alternative"]

    /// The attachments of the message whose root part is `root`, as many as
    /// `allowance` admits (see `AttachmentAllowance`).
    static func attachments(
        of root: MessagePart, allowance: inout AttachmentAllowance, problems: inout [String]
    ) -> [Attachment] {
        var parts: [MessagePart] = []
        collectMarkedParts(root, into: &parts)
        var result: [Attachment] = []
        for part in parts {
            var nameProblems: [String] = []
            let name = part.filename(problems: &nameProblems)
            // Past the byte limit nothing more is decoded: the rest are only named.
            guard allowance.droppedForBytes.isEmpty else {
                allowance.droppedForBytes.append(name ?? part.label)
                continue
            }
            let decoded = part.decodedBody()
            // 7bit, 8bit and quoted-printable are line-oriented encodings: their line
            // breaks are the mail file's (CRLF, LF or CR), not the file's data, so
            // they become LF and the same attachment gives the same bytes whatever
            // line ends the mail travelled with (Python's `email` reads them so too).
            // base64 and binary bodies are data and are kept byte for byte.
            let bytes: [UInt8]
            switch part.transferEncoding {
            case "7bit", "8bit", "quoted-printable": bytes = normalizingLineBreaks(decoded.bytes)
            default: bytes = decoded.bytes
            }
            guard allowance.admit(bytes.count, name: name ?? part.label) else { continue }
            problems.append(contentsOf: (nameProblems + decoded.problems).map { "\(part.label): \($0)" })
            result.append(
                Attachment(filename: name, contentType: part.contentType.mimeType, bytes: bytes, section: part.section))
        }
        return result
    }

    /// CRLF and lone CR become LF.
    static func normalizingLineBreaks(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(.carriageReturn) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .carriageReturn {
                output.append(.lineFeed)
                if index + 1 < bytes.count && bytes[index + 1] == .lineFeed { index += 1 }
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    /// Every non-multipart part with attachment marks, depth first, attached messages included.
    private static func collectMarkedParts(_ part: MessagePart, into result: inout [MessagePart]) {
        if part.contentType.isMultipart || !part.children.isEmpty {
            for child in part.children { collectMarkedParts(child, into: &result) }
        } else if part.hasAttachmentMarks && part.contentType.mimeType != "message/external-body" {
            // message/external-body only points at a file kept elsewhere (its
            // body is the file's headers): the named file is not in the mail.
            result.append(part)
        }
    }

    /// The sections of the parts `iter_attachments()` would call attachments
    /// (see the type's comment): never the text.
    static func iterAttachmentSections(of root: MessagePart) -> Set<String> {
        var parts: [MessagePart] = []
        collectAttachmentParts(root, into: &parts)
        return Set(parts.map(\.section))
    }

    private static func collectAttachmentParts(_ part: MessagePart, into result: inout [MessagePart]) {
        let type = part.contentType
        guard type.isMultipart, type.subtype != "alternative", !part.children.isEmpty else { return }
        var candidates: [MessagePart] = []
        if type.subtype == "related" {
            if let start = type.parameter("start"),
                let root = part.children.firstIndex(where: { $0.headers["Content-ID"] == start })
            {
                candidates = part.children.enumerated().filter { $0.offset != root }.map(\.element)
            } else {
                candidates = Array(part.children.dropFirst())
            }
        } else {
            var seenSubtypes: Set<String> = []
            for child in part.children {
                let childType = child.contentType
                if bodyTypes.contains(childType.mimeType) && !child.isAttachment
                    && !seenSubtypes.contains(childType.subtype)
                {
                    seenSubtypes.insert(childType.subtype)
                    continue
                }
                candidates.append(child)
            }
        }
        for candidate in candidates {
            if candidate.contentType.isMultipart {
                collectAttachmentParts(candidate, into: &result)
            } else if candidate.hasAttachmentMarks {
                result.append(candidate)
            }
        }
    }

    /// The first text/plain part that is not an attachment (not marked
    /// `attachment`, not among `attachmentSections`), depth first, not looking
    /// inside attached messages; nil when there is none.
    static func textPart(of root: MessagePart, attachmentSections: Set<String>) -> MessagePart? {
        if !root.contentType.isMultipart {
            return root.contentType.mimeType == "text/plain" && !root.isAttachment
                && !(root.section.isEmpty ? false : attachmentSections.contains(root.section)) ? root : nil
        }
        for child in root.children {
            if let found = textPart(of: child, attachmentSections: attachmentSections) { return found }
        }
        return nil
    }

    /// The decoded plain text of the message and any files uuencoded inline
    /// in it (old mail programs send attachments so), which are cut out of the
    /// text. Each file is a part for the part limit and bytes for the byte limit
    /// (`allowance`); files past the part limit stay in the text, undecoded.
    static func text(
        of root: MessagePart, allowance: inout AttachmentAllowance, problems: inout [String]
    ) -> (text: String?, inlineFiles: [Attachment]) {
        let sections = iterAttachmentSections(of: root)
        guard let part = textPart(of: root, attachmentSections: sections) else { return (nil, []) }
        let decoded = part.decodedBody()
        var partProblems = decoded.problems
        var bytes = decoded.bytes
        var inlineFiles: [Attachment] = []

        if containsUUBegin(bytes[...]) {
            let blocks = TransferDecoding.uuencodedBlocks(in: bytes[...], maximumCount: allowance.parts)
            let after = blocks.last?.range.upperBound ?? 0
            if blocks.count == allowance.parts,
                !TransferDecoding.uuencodedBlocks(in: bytes[after...], maximumCount: 1).isEmpty
            {
                partProblems.append(
                    "the message has more than \(allowance.partLimit) parts, counting the files uuencoded in its text; "
                        + (blocks.isEmpty
                            ? "none of those files were read"
                            : "the uuencoded files after the first \(blocks.count) were not read"))
            }
            allowance.parts -= blocks.count
            if !blocks.isEmpty {
                var remaining: [UInt8] = []
                var cursor = 0
                for block in blocks {
                    remaining.append(contentsOf: bytes[cursor..<block.range.lowerBound])
                    cursor = block.range.upperBound
                    guard allowance.admit(block.bytes.count, name: block.name) else { continue }
                    inlineFiles.append(
                        Attachment(
                            filename: block.name, contentType: "application/octet-stream", bytes: block.bytes,
                            section: part.section))
                    if block.missingEnd {
                        partProblems.append("the uuencoded file '\(block.name)' has no 'end' line")
                    }
                    if block.badLines > 0 {
                        partProblems.append(
                            "the uuencoded file '\(block.name)' had \(block.badLines) unreadable line(s), skipped")
                    }
                }
                remaining.append(contentsOf: bytes[cursor...])
                bytes = remaining
            }
        }

        let text = decodeText(bytes, of: part)
        partProblems.append(contentsOf: text.problems)
        problems.append(contentsOf: partProblems.map { "\(part.label): \($0)" })
        return (normalizingLineEnds(text.text), inlineFiles)
    }

    /// Text bytes to Unicode by the part's charset label, with the fallbacks
    /// real mail needs:
    /// - 7-bit text with JIS escapes (ESC `$B`) is ISO-2022-JP whatever the label says;
    /// - a missing or unknown label is guessed (`Charset.guess`);
    /// - 8-bit bytes under an ASCII or ISO-2022-JP label are guessed (`Charset.decode`).
    /// Every guess is a problem.
    static func decodeText(_ bytes: [UInt8], of part: MessagePart) -> DecodedText {
        let declared = part.headers["Content-Type"] == nil ? nil : part.contentType.parameter("charset")
        let label = declared.map { $0.trimmingASCIIWhitespace.trimmingQuotes }.flatMap { $0.isEmpty ? nil : $0 }
        let charset = label.flatMap { Charset(label: $0) }
        let has8Bit = bytes.contains(where: { $0 >= 0x80 })

        if !has8Bit, charset?.decoding != .iso2022JP, ISO2022JPDecoder.containsJISEscape(bytes) {
            var decoded = ISO2022JPDecoder.decode(bytes)
            decoded.problems.insert(
                "the text has ISO-2022-JP escape sequences but is labelled \(label ?? "with no charset"); read as iso-2022-jp",
                at: 0)
            return decoded
        }
        guard let label else {
            guard has8Bit else { return DecodedText(text: String(decoding: bytes, as: UTF8.self)) }
            return Charset.decodeUndeclared(bytes, context: "the text has 8-bit bytes and no charset label")
        }
        guard let charset else {
            return Charset.decodeUndeclared(bytes, context: "the text names the unknown charset '\(label)'")
        }
        return charset.decode(bytes)
    }

    /// CRLF and lone CR become LF, so the text reads the same whatever line ends the file used.
    static func normalizingLineEnds(_ text: String) -> String {
        guard text.utf8.contains(.carriageReturn) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == .carriageReturn {
                output.append(.lineFeed)
                previousWasCR = true
                continue
            }
            if byte == .lineFeed && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func containsUUBegin(_ bytes: ArraySlice<UInt8>) -> Bool {
        let pattern = Array("begin ".utf8)
        var index = bytes.startIndex
        while index + pattern.count <= bytes.endIndex {
            if (index == bytes.startIndex || bytes[index - 1] == .lineFeed || bytes[index - 1] == .carriageReturn)
                && bytes[index] == 0x62 && bytes[index..<(index + pattern.count)].elementsEqual(pattern)
            {
                return true
            }
            index += 1
        }
        return false
    }

    /// Every structural problem in the tree, named by part, in tree order.
    static func structureProblems(of root: MessagePart) -> [String] {
        var result: [String] = []
        func visit(_ part: MessagePart, isRoot: Bool) {
            // The root's header problems are reported by the reader itself.
            result.append(contentsOf: part.problems.map { isRoot ? "the message (\(part.contentType.mimeType)): \($0)" : "\(part.label): \($0)" })
            for child in part.children { visit(child, isRoot: false) }
        }
        visit(root, isRoot: true)
        return result
    }
}

/// What one message's attachments may still take (`MessageLimits`): how many
/// more parts (uuencoded files in the text count as parts) and how many more
/// decoded bytes. Once an attachment does not fit the bytes, it and every
/// attachment after it are dropped, and the reader says so once.
struct AttachmentAllowance {
    /// Parts still allowed: the part limit less the MIME parts already read.
    var parts: Int
    /// Decoded bytes still allowed.
    var bytes: Int
    let partLimit: Int
    let byteLimit: Int
    /// The attachments dropped for the byte limit, by name, in message order.
    var droppedForBytes: [String] = []

    init(limits: MessageLimits, partsRead: Int) {
        parts = max(0, limits.maximumParts - partsRead)
        bytes = limits.maximumAttachmentBytes
        partLimit = limits.maximumParts
        byteLimit = limits.maximumAttachmentBytes
    }

    /// Takes `size` bytes for the attachment `name` when they fit and nothing was dropped before it.
    mutating func admit(_ size: Int, name: String) -> Bool {
        guard droppedForBytes.isEmpty, size <= bytes else {
            droppedForBytes.append(name)
            return false
        }
        bytes -= size
        return true
    }

    /// The one problem naming the byte limit, or nil when nothing was dropped.
    var problem: String? {
        guard !droppedForBytes.isEmpty else { return nil }
        let count = droppedForBytes.count
        let shown = droppedForBytes.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        let dropped =
            count == 1
            ? "the last attachment was dropped (\(shown))"
            : "the last \(count) attachments were dropped (\(shown)\(count > 5 ? ", …" : ""))"
        return "the attachments decode to more than the limit of \(byteLimit) bytes together; \(dropped)"
    }
}
