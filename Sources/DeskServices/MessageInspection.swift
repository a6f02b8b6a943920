import DeskCore
import DeskDocuments
import DeskMail
import Foundation

/// How one file is read — a message or a bare document — for `competency parse`.
/// Stores nothing.
public struct MessageInspection: Sendable {
    public let fileName: String
    /// Nil for a bare document.
    public let message: ParsedMessage?
    public let documentName: String?
    public let document: SelfAssessment?
    public let problems: [String]

    /// Reads `bytes` the way the daemon would.
    public init(bytes: [UInt8], fileName: String) throws(MessageReadError) {
        self.fileName = fileName
        if DocumentFormat(fileName: fileName) != nil {
            let found = SubmissionAssessor.firstDocument(in: [.init(name: fileName, bytes: bytes)])
            message = nil
            documentName = found.reading?.name
            document = found.reading?.document
            problems = found.problems
            return
        }
        let message = try MessageReader.read(bytes)
        let found = SubmissionAssessor.firstDocument(
            in: message.attachments.map { .init(name: $0.filename ?? $0.safeFilename, bytes: $0.bytes) })
        self.message = message
        documentName = found.reading?.name
        document = found.reading?.document
        problems = message.problems + found.problems
    }

    /// PRODUCT.md §9's `parse --json`: header values decoded, null when absent.
    public var json: JSONValue {
        .object([
            ("subject", .optionalString(message?.subject)),
            ("from", .optionalString(message?.from?.formatted)),
            ("message_id", .optionalString(message?.messageID)),
            ("date", .optionalString(message?.dateHeader)),
            ("received_at", message?.receivedAt.map { .string(ISO8601.format($0, in: TimeZone(identifier: "UTC")!)) } ?? .null),
            ("automatic_reply", .optionalString(message?.automaticReply)),
            (
                "attachments",
                .array(
                    (message?.attachments ?? []).map {
                        .object([
                            ("filename", .optionalString($0.filename)), ("content_type", .string($0.contentType)),
                            ("size", .number(Double($0.size))), ("sha256", .string($0.sha256)),
                        ])
                    })
            ),
            ("text", .optionalString(message?.text)),
            ("self_assessment", document?.canonicalJSONObject() ?? .null),
            ("self_assessment_file", .optionalString(documentName)),
            ("problems", .array(problems.map(JSONValue.string))),
        ])
    }

    /// For people: the headers that matter, the part tree with each part's type,
    /// charset, size and problems, then the document and every problem. Everything
    /// read from the file has its control characters shown as escapes (`\x1B`):
    /// the file is the sender's, the terminal is the reviewer's.
    public func report(width: Int = 80) -> String {
        var out = ""
        guard let message else {
            out += "Bare document \(safe(fileName)) (no envelope: the sender is unknown)\n"
            out += documentSummary()
            out += problemList()
            return out
        }
        let fields: [(String, String)] = [
            ("Subject", message.subject ?? "(none)"), ("From", message.from?.formatted ?? "(none)"),
            ("Message-ID", message.messageID ?? "(none)"), ("Date", message.dateHeader ?? "(none)"),
            ("Received", message.receivedAt.map { ISO8601.format($0, in: TimeZone(identifier: "UTC")!) + " (topmost Received:)" } ?? "(no Received: header)"),
        ]
        out += fields.map { TerminalText.pad($0.0 + ":", to: 12) + safe($0.1) }.joined(separator: "\n") + "\n"
        if let reason = message.automaticReply {
            out += TerminalText.pad("Not mail:", to: 12) + "automatic reply or bounce (\(safe(reason)))\n"
        }
        out += "\nStructure:\n"
        out += tree(message.root, prefix: "  ", last: true, isRoot: true, width: width)
        if let text = message.text {
            // Any line break ends a line (CRLF is one Character): none is left to escape.
            let preview = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).prefix(3).map {
                "  │ " + TerminalText.truncate(safe(String($0)), to: width - 4)
            }
            out += "\nText (\(text.count) characters):\n" + preview.joined(separator: "\n") + "\n"
        }
        out += documentSummary()
        out += problemList()
        return out
    }

    private func tree(_ part: MessagePart, prefix: String, last: Bool, isRoot: Bool, width: Int) -> String {
        let branch = isRoot ? "" : (last ? "└─ " : "├─ ")
        // Name and size first: a long type (spreadsheetml…) is what gets cut on a narrow terminal.
        var label = part.section.isEmpty ? "" : part.section + " "
        if let name = part.filename { label += "\"\(name)\"  " }
        if !part.contentType.isMultipart && part.children.isEmpty {
            label += "\(Self.size(part.decodedBody().bytes.count))"
            if part.transferEncoding != "7bit" { label += " \(part.transferEncoding)" }
            label += "  "
        }
        label += part.contentType.mimeType
        if let charset = part.contentType.parameter("charset") { label += "; charset=\(charset)" }
        let room = max(20, width - TerminalText.width(prefix + branch))
        var out = prefix + branch + TerminalText.truncate(safe(label), to: room) + "\n"
        let childPrefix = isRoot ? prefix : prefix + (last ? "   " : "│  ")
        for problem in part.problems {
            out += childPrefix + "  ! " + safe(problem) + "\n"
        }
        for (index, child) in part.children.enumerated() {
            out += tree(child, prefix: childPrefix, last: index == part.children.count - 1, isRoot: false, width: width)
        }
        return out
    }

    private func documentSummary() -> String {
        guard let document, let documentName else { return "\nSelf-assessment: none could be read\n" }
        let partner = document.partner.name ?? "no partner name"
        return "\nSelf-assessment: read from \(safe(documentName)) — \(safe(document.program ?? "no program")), "
            + "\(safe(partner)), \(safe(document.solution.delivery ?? "no delivery model")), "
            + "\(document.caseStudies.count) case studies\n"
    }

    private func problemList() -> String {
        problems.isEmpty ? "\nProblems: none\n" : "\nProblems:\n" + problems.map { "  - \(safe($0))\n" }.joined()
    }

    private func safe(_ text: String) -> String { SafeText.escapingControls(text) }

    static func size(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1024 * 1024 ? String(format: "%.1f KiB", Double(bytes) / 1024) : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
