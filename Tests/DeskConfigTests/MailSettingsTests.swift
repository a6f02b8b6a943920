@testable import DeskConfig
import DeskTesting
import Foundation
import Testing

/// The mail keys of a tenant file and the office's templates (issue 9, items 1, 3, 4):
/// checked at load, with file, line and key, never at send time.
@Suite struct MailSettingsTests {
    func withDesk(_ body: (TemporaryDesk) throws -> Void) throws {
        let desk = try TemporaryDesk(name: "mailconfig")
        defer { desk.remove() }
        try body(desk)
    }

    func edit(_ relativePath: String, in desk: TemporaryDesk, _ change: (String) -> String) throws {
        let url = desk.config.appendingPathComponent(relativePath)
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the edit must change \(relativePath)")
        try changed.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The error that disabled `tenant`.
    func failure(_ desk: TemporaryDesk, _ tenant: String = "retail-jp") throws -> ConfigError {
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        return try #require(configuration.disabledTenant(tenant)?.error, "\(tenant) should be disabled")
    }

    @Test func theShippedTenantsSendFromTheirOfficeToTheirOutbox() throws {
        try withDesk { desk in
            let configuration = try DeskConfiguration.load(from: desk.configFile)
            let jp = try #require(configuration.tenant("retail-jp")?.mail)
            #expect(jp.office.address == "retail-jp@competency-desk.example")
            #expect(jp.office.displayName == "AWS リテール コンピテンシー事務局")
            #expect(jp.messageIDDomain == "competency-desk.example")
            #expect(jp.transport == .outbox(desk.root.appendingPathComponent("Outbox/retail-jp")))
            #expect(jp.digest)
            #expect(!jp.atRiskInBusinessHours)
            #expect(jp.businessHours == (9 * 60)..<(18 * 60))
            #expect(jp.templates.folder.path.hasSuffix("Config/templates/ja"))
            let us = try #require(configuration.tenant("retail-us")?.mail)
            #expect(us.templates.folder.path.hasSuffix("Config/templates/en"))
            #expect(us.businessHours == (9 * 60)..<(17 * 60))
        }
    }

    @Test func aTenantWithoutAnOfficeSendsNothingAndMayNotConfigureMail() throws {
        try withDesk { desk in
            try edit("tenants/retail-us.yaml", in: desk) { text in
                String(text[..<text.range(of: "\n# What the desk sends")!.lowerBound]) + "\n"
            }
            #expect(try DeskConfiguration.load(from: desk.configFile).tenant("retail-us")?.mail == nil)
            try edit("tenants/retail-us.yaml", in: desk) { $0 + "pdm_fallback: a@b.example\n" }
            let error = try failure(desk, "retail-us")
            #expect(error.key == "pdm_fallback")
            #expect(error.message.contains("needs office:"))
        }
    }

    @Test(arguments: [
        ("  email: retail-jp@competency-desk.example", "  email: not an address", "office.email", "well-formed"),
        ("pdm_fallback: retail-jp-pdm@competency-desk.example", "pdm_fallback: pdm@", "pdm_fallback", "well-formed"),
        ("  transport: outbox", "  transport: carrier-pigeon", "delivery.transport", "not a transport"),
        ("  transport: outbox", "  transport: sendmail", "delivery.transport", "needs a command"),
        ("  digest: true", "  digest: sometimes", "alerts.digest", "true or false"),
        ("  business_hours: \"09:00-18:00\"", "  business_hours: \"18:00-09:00\"", "alerts.business_hours", "before the end"),
    ])
    func aMistakeInTheMailKeysNamesTheKey(_ from: String, _ to: String, _ key: String, _ words: String) throws {
        try withDesk { desk in
            try edit("tenants/retail-jp.yaml", in: desk) { $0.replacingOccurrences(of: from, with: to) }
            let error = try failure(desk)
            #expect(error.key == key, "\(error)")
            #expect(error.line != nil)
            #expect(error.message.contains(words), "\(error)")
        }
    }

    @Test func aSendmailCommandMustBeAnExecutableGivenByAbsolutePath() throws {
        try withDesk { desk in
            try edit("tenants/retail-jp.yaml", in: desk) {
                $0.replacingOccurrences(of: "  transport: outbox", with: "  transport: sendmail\n  sendmail: [sendmail, -t]")
            }
            #expect(try failure(desk).message.contains("absolute path"))
            try edit("tenants/retail-jp.yaml", in: desk) {
                $0.replacingOccurrences(of: "[sendmail, -t]", with: "[/nonexistent/sendmail, -t]")
            }
            #expect(try failure(desk).message.contains("not an executable"))
            try edit("tenants/retail-jp.yaml", in: desk) {
                $0.replacingOccurrences(of: "[/nonexistent/sendmail, -t]", with: "[/bin/cat, -t]")
            }
            let mail = try #require(try DeskConfiguration.load(from: desk.configFile).tenant("retail-jp")?.mail)
            #expect(mail.transport == .sendmail(["/bin/cat", "-t"]))
        }
    }

    @Test func aTemplateThatDoesNotParseIsRefusedWithItsFileAndLine() throws {
        try withDesk { desk in
            try edit("templates/ja/alert-breached.body.mustache", in: desk) {
                $0.replacingOccurrences(of: "{{/failing_items}}", with: "")
            }
            let error = try failure(desk)
            #expect(error.file.hasSuffix("templates/ja/alert-breached.body.mustache"), "\(error)")
            #expect(error.line != nil, "\(error)")
            #expect(error.message.contains("failing_items"), "\(error)")
            // retail-us uses the English templates and still runs.
            #expect(try DeskConfiguration.load(from: desk.configFile).tenant("retail-us") != nil)
        }
    }

    @Test func aTemplateNamingAFieldTheDeskDoesNotSupplyIsRefusedWithTheLine() throws {
        try withDesk { desk in
            try edit("templates/en/alert-at-risk.body.mustache", in: desk) {
                $0.replacingOccurrences(of: "  Partner:    {{partner}}", with: "  Partner:    {{partner_name}}")
            }
            let error = try failure(desk, "retail-us")
            #expect(error.file.hasSuffix("templates/en/alert-at-risk.body.mustache"))
            let text = try String(contentsOf: desk.config.appendingPathComponent("templates/en/alert-at-risk.body.mustache"), encoding: .utf8)
            let line = text.components(separatedBy: "\n").firstIndex { $0.contains("partner_name") }.map { $0 + 1 }
            #expect(error.line == line)
            #expect(error.message.contains("partner_name"))
        }
    }

    @Test func tagChecksFollowSectionsAndRefuseWhatTheyCannotFollow() {
        let allowed = MessageTemplates.Kind.alertDigest.topLevel
        #expect(MessageTemplates.check("{{#alerts}}{{id}}{{#failing_items}}{{title}}{{/failing_items}}{{/alerts}}", allowed: allowed) == nil)
        #expect(MessageTemplates.check("{{id}}", allowed: allowed)?.message.contains("\"id\"") == true, "id only inside alerts")
        #expect(MessageTemplates.check("{{! a comment }}{{count}}", allowed: allowed) == nil)
        #expect(MessageTemplates.check("{{> header}}", allowed: allowed) != nil)
        #expect(MessageTemplates.check("{{=<% %>=}}", allowed: allowed) != nil)
        #expect(MessageTemplates.check("line 1\nline 2 {{#alerts}}\n", allowed: allowed)?.message.contains("never closed") == true)
        #expect(MessageTemplates.check("\n\n{{nope}}", allowed: allowed)?.line == 3)
        #expect(MessageTemplates.check("{{#alerts}}{{/count}}", allowed: allowed)?.message.contains("not open") == true)
    }
}
