import DeskConfig
import DeskTesting
import Foundation
import Testing

/// `retention: {closed_days: N}` in a tenant file (issue 12, item 9): absent by
/// default, 30...36500 days, and a mistake disables that tenant naming file, line and key.
@Suite struct RetentionConfigTests {
    func load(_ block: String?) throws -> DeskConfiguration {
        let desk = try TemporaryDesk(name: "retention-config")
        defer { desk.remove() }
        let file = desk.config.appendingPathComponent("tenants/retail-jp.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        if let block { text += "\n" + block + "\n" }
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try DeskConfiguration.load(from: desk.configFile)
    }

    @Test func absentMeansNoRetentionPeriod() throws {
        let configuration = try load(nil)
        #expect(configuration.tenant("retail-jp")?.retention.closedDays == nil)
        #expect(configuration.tenant("retail-us")?.retention.closedDays == nil)
    }

    @Test func aPeriodInRangeIsTaken() throws {
        let configuration = try load("retention:\n  closed_days: 730")
        #expect(configuration.tenant("retail-jp")?.retention.closedDays == 730)
        #expect(configuration.tenant("retail-jp")?.retention.automatic == true)
        let manual = try load("retention:\n  closed_days: 400\n  automatic: false")
        #expect(manual.tenant("retail-jp")?.retention == RetentionSettings(closedDays: 400, automatic: false))
    }

    @Test(arguments: [
        ("retention:\n  closed_days: 7", "closed_days"),
        ("retention:\n  closed_days: forever", "closed_days"),
        ("retention:\n  closed_dayz: 400", "closed_dayz"),
        ("retention: 400", "retention"),
        ("retention:\n  automatic: false", "automatic"),
        ("retention:\n  closed_days: 400\n  automatic: sometimes", "automatic"),
    ])
    func aMistakeDisablesTheTenantNamingFileLineAndKey(_ block: String, _ key: String) throws {
        let configuration = try load(block)
        #expect(configuration.tenant("retail-jp") == nil)
        #expect(configuration.tenant("retail-us") != nil, "the other tenant keeps running")
        let failure = try #require(configuration.disabledTenant("retail-jp"))
        let text = failure.error.description
        #expect(text.contains("retail-jp.yaml"), "\(text)")
        #expect(failure.error.line != nil, "\(text)")
        #expect(text.contains(key), "\(text)")
    }
}
