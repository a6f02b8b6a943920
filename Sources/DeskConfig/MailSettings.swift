import DeskCore
import DeskOutgoing
import Foundation

/// What a tenant says and how it sends it (PRODUCT.md §6, §8): the office's
/// address, who gets alerts, the transport, and the templates.
///
/// ```yaml
/// office:
///   name: AWS リテール コンピテンシー事務局
///   email: retail-jp-office@desk.example.co.jp   # From:, and the Message-ID domain
///   list: [retail-jp-office@desk.example.co.jp]   # the office list: every alert
/// pdm_fallback: partner-team@desk.example.co.jp   # PDM alerts when the registry has no pdm_email
/// delivery:
///   transport: outbox              # or sendmail
///   outbox: ../../Outbox/retail-jp
///   sendmail: [/usr/sbin/sendmail, -t, -oi]
/// alerts:
///   digest: true                   # several alerts to one person in one sweep: one mail
///   at_risk_in_business_hours: false
///   business_hours: "09:00-18:00"
/// templates: ../templates/ja
/// ```
public struct MailSettings: Sendable {
    public enum Transport: Sendable, Equatable {
        /// A Maildir the operator's mail system (or job) takes messages from.
        case outbox(URL)
        /// A sendmail-compatible program fed each message on stdin (`-t` reads the recipients).
        case sendmail([String])
    }

    public var office: Mailbox
    public var officeList: [Mailbox]
    public var pdmFallback: Mailbox?
    public var transport: Transport
    /// Several alerts for one recipient in one sweep go out as one digest.
    public var digest: Bool
    /// At-risk alerts wait for the office's business hours on a business day.
    public var atRiskInBusinessHours: Bool
    /// Local business hours, minutes after midnight: [start, end).
    public var businessHours: Range<Int>
    public var templates: MessageTemplates

    /// The domain of the office's address: outgoing Message-IDs are on it.
    public var messageIDDomain: String { office.domain }
}

extension MailSettings {
    static let keys: Set<String> = ["office", "pdm_fallback", "delivery", "alerts", "templates"]

    /// Reads the mail keys of a tenant file; `defaultOutbox` is `Outbox/<tenant>`
    /// beside the tenant's inbox, `defaultTemplates` `Config/templates/<language>`.
    static func load(
        _ root: ConfigMapping, tenantID: String, language: Language, defaultOutbox: URL, defaultTemplates: URL
    ) throws(ConfigError) -> MailSettings {
        // Office: an address is required to send anything; the shipped files set one.
        let officeNode = try root.require("office")
        let office = try officeNode.mapping(allowing: ["name", "email", "list"])
        var from = try office.require("email").mailbox()
        from.displayName = try office["name"]?.string()
        let list = try office["list"]?.sequence().map { node throws(ConfigError) in try node.mailbox() } ?? [from]
        let fallback = try root["pdm_fallback"]?.mailbox()

        var transport = MailSettings.Transport.outbox(defaultOutbox)
        if let deliveryNode = root["delivery"] {
            let delivery = try deliveryNode.mapping(allowing: ["transport", "outbox", "sendmail"])
            let outbox = try delivery["outbox"]?.path() ?? defaultOutbox
            let kindNode = delivery["transport"]
            switch try kindNode?.string() ?? "outbox" {
            case "outbox":
                transport = .outbox(outbox)
            case "sendmail":
                guard let commandNode = delivery["sendmail"] else {
                    throw (kindNode ?? deliveryNode).error(
                        "transport sendmail needs a command, e.g. sendmail: [/usr/sbin/sendmail, -t, -oi]")
                }
                let command = try commandNode.sequence().map { node throws(ConfigError) in try node.string() }
                guard let program = command.first, program.hasPrefix("/") else {
                    throw commandNode.error("the command is a list whose first item is an absolute path to the program")
                }
                guard FileManager.default.isExecutableFile(atPath: program) else {
                    throw commandNode.error("\(program) is not an executable file on this system")
                }
                transport = .sendmail(command)
            case let other:
                throw (kindNode ?? deliveryNode).error("\"\(other)\" is not a transport (outbox or sendmail)")
            }
        }

        var digest = true
        var inHours = false
        var hours = (9 * 60)..<(18 * 60)
        if let alertsNode = root["alerts"] {
            let alerts = try alertsNode.mapping(allowing: ["digest", "at_risk_in_business_hours", "business_hours"])
            if let node = alerts["digest"] { digest = try node.bool() }
            if let node = alerts["at_risk_in_business_hours"] { inHours = try node.bool() }
            if let node = alerts["business_hours"] { hours = try node.minutesRange() }
        }

        let templatesNode = root["templates"]
        let templates = try MessageTemplates.load(
            folder: try templatesNode?.path() ?? defaultTemplates, namedBy: templatesNode ?? officeNode)
        return MailSettings(
            office: from, officeList: list, pdmFallback: fallback, transport: transport, digest: digest,
            atRiskInBusinessHours: inHours, businessHours: hours, templates: templates)
    }
}

extension ConfigNode {
    /// One well-formed mailbox (`a@b.example`, or `Name <a@b.example>`).
    func mailbox() throws(ConfigError) -> Mailbox {
        let text = try string()
        guard let mailbox = Mailbox.parse(text) else {
            throw error("\"\(text)\" is not a well-formed mail address (name@domain.example)")
        }
        return mailbox
    }

    func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("\"\(other)\" is not true or false")
        }
    }

    /// `"09:00-18:00"` as minutes after midnight.
    func minutesRange() throws(ConfigError) -> Range<Int> {
        let text = try string()
        let parts = text.split(separator: "-").map { $0.split(separator: ":").compactMap { Int($0) } }
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && (0...24).contains($0[0]) && (0...59).contains($0[1]) })
        else { throw error("\"\(text)\" is not a range of local times such as 09:00-18:00") }
        let start = parts[0][0] * 60 + parts[0][1]
        let end = parts[1][0] * 60 + parts[1][1]
        guard start < end, end <= 24 * 60 else { throw error("\"\(text)\": the start must come before the end") }
        return start..<end
    }
}
