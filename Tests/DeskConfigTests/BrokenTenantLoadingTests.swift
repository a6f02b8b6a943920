import DeskConfig
import DeskTesting
import Foundation
import Testing

/// A mistake in one tenant's file disables that tenant only (PRODUCT.md §2); a
/// mistake in the daemon file, or in every tenant file, stops loading.
@Suite struct BrokenTenantLoadingTests {
    /// `language` on line 2 is not a supported language.
    static let brokenTenant = "time_zone: Europe/Paris\nlanguage: de\n"

    func withDesk(_ body: (TemporaryDesk) throws -> Void) throws {
        let desk = try TemporaryDesk(name: "tenantload")
        defer { desk.remove() }
        try body(desk)
    }

    func write(_ text: String, to relativePath: String, in desk: TemporaryDesk) throws {
        try text.write(to: desk.config.appendingPathComponent(relativePath), atomically: true, encoding: .utf8)
    }

    func edit(_ relativePath: String, in desk: TemporaryDesk, _ change: (String) -> String) throws {
        let url = desk.config.appendingPathComponent(relativePath)
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the edit must change \(relativePath)")
        try changed.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func aBrokenTenantFileDisablesOnlyThatTenant() throws {
        try withDesk { desk in
            try write(Self.brokenTenant, to: "tenants/retail-eu.yaml", in: desk)
            let configuration = try DeskConfiguration.load(from: desk.configFile)
            #expect(configuration.tenants.map(\.id) == ["retail-jp", "retail-us"])
            #expect(configuration.disabledTenants.map(\.tenantID) == ["retail-eu"])
            let failure = try #require(configuration.disabledTenant("retail-eu"))
            #expect(failure.file.lastPathComponent == "retail-eu.yaml")
            #expect(failure.error.file.hasSuffix("Config/tenants/retail-eu.yaml"))
            #expect(failure.error.line == 2)
            #expect(failure.error.key == "language")
            #expect(failure.description.hasPrefix("tenant retail-eu is disabled: "))
            #expect(failure.description.contains("retail-eu.yaml:2:"))
            #expect(configuration.tenant("retail-eu") == nil)
            #expect(configuration.resolve(submissionID: "retail-eu-1") == nil)
            #expect(configuration.disabledTenant("retail-jp") == nil)
        }
    }

    @Test func aBrokenCalendarDisablesTheTenantThatNamesIt() throws {
        try withDesk { desk in
            try edit("calendars/japan.yaml", in: desk) {
                $0.replacingOccurrences(of: "2026-05-06:", with: "2026-05-36:")
            }
            let configuration = try DeskConfiguration.load(from: desk.configFile)
            #expect(configuration.tenants.map(\.id) == ["retail-us"])
            let failure = try #require(configuration.disabledTenant("retail-jp"))
            #expect(failure.file.lastPathComponent == "retail-jp.yaml")
            #expect(failure.error.file.hasSuffix("Config/calendars/japan.yaml"), "the error names the calendar file")
        }
    }

    @Test func aTenantSharingAnotherTenantsInboxIsTheOneDisabled() throws {
        try withDesk { desk in
            try edit("tenants/retail-us.yaml", in: desk) {
                $0.replacingOccurrences(of: "inbox: ../../Inbox/retail-us", with: "inbox: ../../Inbox/retail-jp")
            }
            let configuration = try DeskConfiguration.load(from: desk.configFile)
            #expect(configuration.tenants.map(\.id) == ["retail-jp"])
            let failure = try #require(configuration.disabledTenant("retail-us"))
            #expect(failure.error.description.contains("inbox"))
            #expect(failure.error.description.contains("retail-jp.yaml"))
        }
    }

    @Test func everyTenantBrokenStopsLoadingWithTheFirstMistake() throws {
        try withDesk { desk in
            for tenant in ["retail-jp", "retail-us"] {
                try write(Self.brokenTenant, to: "tenants/\(tenant).yaml", in: desk)
            }
            #expect {
                _ = try DeskConfiguration.load(from: desk.configFile)
            } throws: { error in
                (error as? ConfigError)?.file.hasSuffix("tenants/retail-jp.yaml") == true
            }
        }
    }

    @Test func aMistakeInTheDaemonFileStillStopsLoading() throws {
        try withDesk { desk in
            try write(Self.brokenTenant, to: "tenants/retail-eu.yaml", in: desk)
            try edit("competencyd.yaml", in: desk) {
                $0.replacingOccurrences(of: "log_level: info", with: "log_level: loud")
            }
            #expect {
                _ = try DeskConfiguration.load(from: desk.configFile)
            } throws: { error in
                (error as? ConfigError)?.key == "log_level"
            }
        }
    }
}
