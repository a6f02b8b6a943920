import DeskConfig
import DeskTesting
import Foundation
import Testing

/// A mistake in any config file must name the file, the line and the key.
@Suite struct ConfigErrorTests {
    /// Copies `Config/`, applies `edit` to one file, loads, and returns the error: the
    /// one loading threw, or the one that disabled a tenant.
    func loadError(editing relativePath: String, _ edit: (String) -> String) throws -> ConfigError {
        let desk = try TemporaryDesk(name: "config")
        defer { desk.remove() }
        let file = desk.config.appendingPathComponent(relativePath)
        let text = try String(contentsOf: file, encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit must change the file")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        do {
            let configuration = try DeskConfiguration.load(from: desk.configFile)
            if let failure = configuration.disabledTenants.first { return failure.error }
        } catch {
            return error
        }
        Issue.record("loading an edited \(relativePath) succeeded")
        throw CancellationError()
    }

    func line(of needle: String, in relativePath: String, after edit: (String) -> String) throws -> Int {
        let text = edit(
            try String(
                contentsOf: RepositoryPaths.root.appendingPathComponent("Config/\(relativePath)"), encoding: .utf8))
        let lines = text.components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.contains(needle) }) + 1
    }

    @Test func unknownTimeZoneNamesFileLineAndKey() throws {
        let edit: (String) -> String = {
            $0.replacingOccurrences(of: "time_zone: Asia/Tokyo", with: "time_zone: Asia/Tokio")
        }
        let error = try loadError(editing: "tenants/retail-jp.yaml", edit)
        #expect(error.file.hasSuffix("Config/tenants/retail-jp.yaml"))
        #expect(error.line == (try line(of: "time_zone:", in: "tenants/retail-jp.yaml", after: edit)))
        #expect(error.key == "time_zone")
        #expect(error.description.contains("Asia/Tokio"))
        #expect(error.description.contains("retail-jp.yaml:\(error.line ?? 0):"))
    }

    @Test func misspelledKeyIsRejectedWithItsLine() throws {
        let edit: (String) -> String = { $0.replacingOccurrences(of: "  business_days: 5", with: "  busines_days: 5") }
        let error = try loadError(editing: "tenants/retail-us.yaml", edit)
        #expect(error.file.hasSuffix("retail-us.yaml"))
        #expect(error.key == "sla.busines_days")
        #expect(error.line == (try line(of: "busines_days", in: "tenants/retail-us.yaml", after: edit)))
        #expect(error.message.contains("business_days"), "the message lists the known keys")
    }

    @Test func brokenYAMLSyntaxNamesTheLine() throws {
        let edit: (String) -> String = { $0.replacingOccurrences(of: "language: ja", with: "language: [ja") }
        let error = try loadError(editing: "tenants/retail-jp.yaml", edit)
        #expect(error.file.hasSuffix("retail-jp.yaml"))
        #expect(error.line != nil)
        #expect(error.message.contains("YAML"))
    }

    @Test func badClosureDateNamesTheListPosition() throws {
        let edit: (String) -> String = { $0.replacingOccurrences(of: "from: 12-29", with: "from: 12-32") }
        let error = try loadError(editing: "tenants/retail-jp.yaml", edit)
        #expect(error.key == "calendar.closures.1.from")
        #expect(error.line == (try line(of: "12-32", in: "tenants/retail-jp.yaml", after: edit)))
        #expect(error.message.contains("12-32"))
    }

    @Test func missingRequiredKeyIsNamed() throws {
        let error = try loadError(editing: "tenants/retail-us.yaml") {
            $0.replacingOccurrences(of: "inbox: ../../Inbox/retail-us\n", with: "")
        }
        #expect(error.key == "inbox")
        #expect(error.message.contains("missing"))
    }

    @Test func outOfRangeNumberInTheDaemonFile() throws {
        let edit: (String) -> String = { $0.replacingOccurrences(of: "rescan_seconds: 30", with: "rescan_seconds: 0") }
        let error = try loadError(editing: "competencyd.yaml", edit)
        #expect(error.file.hasSuffix("Config/competencyd.yaml"))
        #expect(error.key == "rescan_seconds")
        #expect(error.line == (try line(of: "rescan_seconds:", in: "competencyd.yaml", after: edit)))
    }

    @Test func badHolidayDateInACalendarFileNamesThatFile() throws {
        let error = try loadError(editing: "calendars/japan.yaml") {
            $0.replacingOccurrences(of: "2026-05-06:", with: "2026-05-36:")
        }
        #expect(error.file.hasSuffix("Config/calendars/japan.yaml"))
        #expect(error.message.contains("2026-05-36"))
        #expect(error.line != nil)
    }

    @Test func twoTenantsSharingAnInboxAreRefused() throws {
        let error = try loadError(editing: "tenants/retail-us.yaml") {
            $0.replacingOccurrences(of: "inbox: ../../Inbox/retail-us", with: "inbox: ../../Inbox/retail-jp")
        }
        #expect(error.description.contains("inbox"))
        #expect(error.description.contains("retail-jp.yaml"))
    }

    @Test func relativePathsResolveAgainstTheNamingFile() throws {
        let desk = try TemporaryDesk(name: "paths")
        defer { desk.remove() }
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let jp = try #require(configuration.tenant("retail-jp"))
        #expect(jp.inbox.path == desk.inbox("retail-jp").standardizedFileURL.path)
        #expect(jp.archive.path == desk.archive("retail-jp").standardizedFileURL.path)
        #expect(
            jp.store.path
                == desk.archive("retail-jp").appendingPathComponent("competency.sqlite").standardizedFileURL.path)
        #expect(
            jp.registry.path == desk.config.appendingPathComponent("registry/retail-jp.csv").standardizedFileURL.path)
        #expect(jp.timeZone.identifier == "Asia/Tokyo")
        #expect(jp.language == .ja)
        #expect(configuration.tenants.map(\.id) == ["retail-jp", "retail-us"])
    }

    @Test func submissionIDsResolveToTheirTenant() throws {
        let desk = try TemporaryDesk(name: "ids")
        defer { desk.remove() }
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        #expect(configuration.resolve(submissionID: "retail-jp-42")?.tenant.id == "retail-jp")
        #expect(configuration.resolve(submissionID: "retail-jp-42")?.number == 42)
        #expect(configuration.resolve(submissionID: "retail-us-7")?.tenant.id == "retail-us")
        #expect(configuration.resolve(submissionID: "retail-eu-7") == nil)
        #expect(configuration.resolve(submissionID: "retail-jp-x") == nil)
        #expect(configuration.resolve(submissionID: "retail-jp-0") == nil)
    }
}
