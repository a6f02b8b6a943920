import Foundation
import Mustache

/// The office's editable message templates (PRODUCT.md §8): one subject and one
/// body per kind of message, in `Config/templates/<language>/<kind>.subject.mustache`
/// and `<kind>.body.mustache`, rendered with Mustache (swift-mustache).
///
/// Contract: every template is parsed, and every tag checked against the fields the
/// desk supplies for that kind, when the configuration is loaded — at start-up and
/// on SIGHUP — so a typo is reported with its file and line then, never at send
/// time. Partials, delimiter changes and pragmas are refused (the check could not
/// follow them). Text is rendered as is (no HTML escaping): these are plain-text mails.
public struct MessageTemplates: Sendable {
    /// The kinds of message the desk sends, each with the fields its templates may use.
    public enum Kind: String, Sendable, CaseIterable {
        case alertAtRisk = "alert-at-risk"
        case alertBreached = "alert-breached"
        case alertDigest = "alert-digest"
        /// The first response to an `incomplete` submission: what is missing.
        case informationRequest = "information-request"
        /// The first response to `triage` (no readable self-assessment): the template.
        case documentRequest = "document-request"
        /// To the office list: a delivery report says one of the desk's messages did not arrive.
        case deliveryFailed = "delivery-failed"
        /// To the office list: a ready submission no reviewer in the pool may take.
        case noReviewer = "no-reviewer"
        /// The first response to a `ready` submission: the review's time, the invitation attached.
        case schedulingNotice = "scheduling-notice"
        /// To the same people as the scheduling notice: the review is cancelled (`METHOD:CANCEL` attached).
        case reviewCancelled = "review-cancelled"
        /// To the office list: the reviewer or the partner declined the review's time.
        case reviewDeclined = "review-declined"
        /// To the office list: a file was moved into the tenant's quarantine (PRODUCT.md §3).
        case quarantined = "quarantined"

        /// The fields of one alert (a single alert's top level, and each `alerts` item of a digest).
        public static let alertFields: Set<String> = [
            "id", "partner", "subject", "sender", "received_at", "due_date", "deadline", "business_days_left",
            "business_days_overdue", "verdict", "state", "failing_items", "has_failing_items", "show_command",
        ]
        static let common: Set<String> = ["tenant", "office_name"]
        /// Fields of each item of a list field.
        static let sections: [String: Set<String>] = [
            "failing_items": ["id", "title", "reason"],
            "alerts": alertFields,
            "items": ["id", "title", "ask"],
            "reasons": ["reviewer", "why"],
        ]
        /// The fields of a response to a partner.
        static let responseFields: Set<String> = [
            "id", "partner", "subject", "received_at", "due_date", "contact_name", "reviewer",
        ]

        /// The names a template of this kind may use at its top level.
        var topLevel: Set<String> {
            switch self {
            case .alertAtRisk, .alertBreached: return Self.common.union(Self.alertFields)
            case .alertDigest: return Self.common.union(["count", "alerts"])
            case .informationRequest: return Self.common.union(Self.responseFields).union(["items", "has_items"])
            case .documentRequest: return Self.common.union(Self.responseFields).union(["template_file"])
            case .schedulingNotice, .reviewCancelled:
                return Self.common.union(Self.responseFields).union(["review_start", "review_end"])
            case .noReviewer:
                return Self.common.union(["id", "partner", "subject", "reasons", "show_command"])
            case .reviewDeclined:
                return Self.common.union([
                    "id", "partner", "subject", "reviewer", "review_start", "declined_by", "show_command",
                ])
            case .quarantined:
                return Self.common.union(["file", "reason", "size", "quarantined_at", "list_command", "show_command"])
            case .deliveryFailed:
                return Self.common.union([
                    "ids", "purpose", "message_id", "original_subject", "recipients", "status", "show_command",
                ])
            }
        }
    }

    /// One parsed template and where it came from.
    public struct Template: Sendable {
        let mustache: MustacheTemplate
        public let file: URL

        public func render(_ fields: [String: Any]) -> String { mustache.render(fields) }
    }

    public let folder: URL
    let subjects: [Kind: Template]
    let bodies: [Kind: Template]

    public func subject(_ kind: Kind) -> Template { subjects[kind]! }
    public func body(_ kind: Kind) -> Template { bodies[kind]! }

    /// Loads and checks every template in `folder`; `node` is the config entry that named it.
    static func load(folder: URL, namedBy node: ConfigNode) throws(ConfigError) -> MessageTemplates {
        var subjects: [Kind: Template] = [:]
        var bodies: [Kind: Template] = [:]
        for kind in Kind.allCases {
            subjects[kind] = try loadOne(folder.appendingPathComponent("\(kind.rawValue).subject.mustache"), kind, node)
            bodies[kind] = try loadOne(folder.appendingPathComponent("\(kind.rawValue).body.mustache"), kind, node)
        }
        return MessageTemplates(folder: folder, subjects: subjects, bodies: bodies)
    }

    static func loadOne(_ url: URL, _ kind: Kind, _ node: ConfigNode) throws(ConfigError) -> Template {
        let display = ConfigFile(url: url).displayPath
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw node.error("cannot read the template \(display): \(ConfigFile.reason(error))")
        }
        if let problem = check(text, allowed: kind.topLevel) {
            throw ConfigError(file: display, line: problem.line, message: problem.message)
        }
        do {
            // The pragma goes on the first line without a line break, so line numbers stay the file's.
            return Template(mustache: try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text), file: url)
        } catch let error as MustacheTemplate.ParserError {
            throw ConfigError(
                file: display, line: error.context.lineNumber, column: error.context.columnNumber,
                message: "the template does not parse: \(error.error)")
        } catch {
            throw ConfigError(file: display, message: "the template does not parse: \(error)")
        }
    }

    /// The first tag that names a field the desk does not supply, or is not
    /// supported, with its line; nil when every tag is fine.
    static func check(_ text: String, allowed topLevel: Set<String>) -> (line: Int, message: String)? {
        var sections: [String] = []
        var rest = Substring(text)
        var line = 1
        while let open = rest.range(of: "{{") {
            line += rest[..<open.lowerBound].filter(\.isNewline).count
            let afterOpen = rest[open.upperBound...]
            let triple = afterOpen.hasPrefix("{")
            guard let close = afterOpen.range(of: triple ? "}}}" : "}}") else {
                return (line, "a tag opened with {{ is never closed")
            }
            var tag = afterOpen[..<close.lowerBound]
            if triple { tag = tag.dropFirst() }
            let tagLine = line
            line += tag.filter(\.isNewline).count
            rest = afterOpen[close.upperBound...]
            let sigil = tag.first.map { "#^/&!>=%$<".contains($0) ? $0 : nil } ?? nil
            let name = (sigil == nil ? tag : tag.dropFirst()).trimmingCharacters(in: .whitespacesAndNewlines)
            switch sigil {
            case "!": continue  // a comment
            case ">", "<", "$", "=", "%":
                return (tagLine, "{{\(tag)}}: partials, inheritance, delimiter changes and pragmas are not supported here")
            default: break
            }
            guard !name.isEmpty else { return (tagLine, "an empty tag {{\(tag)}}") }
            if sigil == "/" {
                guard sections.last == name else {
                    return (tagLine, "{{/\(name)}} closes a section that is not open" + (sections.last.map { " (open: \($0))" } ?? ""))
                }
                sections.removeLast()
                continue
            }
            // Transforms (`{{uppercased(x)}}`) are not part of the contract.
            if name.contains("(") { return (tagLine, "{{\(tag)}}: functions are not supported in templates") }
            let first = String(name.split(separator: ".").first ?? "")
            let visible = sections.reduce(into: topLevel) { names, section in
                names.formUnion(Kind.sections[section] ?? [])
            }
            if name != ".", !visible.contains(first) {
                let known = visible.sorted().joined(separator: ", ")
                return (tagLine, "{{\(tag)}} names \"\(first)\", which the desk does not supply here (known: \(known))")
            }
            if sigil == "#" || sigil == "^" { sections.append(name) }
        }
        if let open = sections.last { return (line, "the section {{#\(open)}} is never closed") }
        return nil
    }
}
