import DeskTesting
import Testing

/// The rule the tool-dependent tests (the corpus conformance here, openpyxl in
/// DeskDocumentsTests) follow: a missing tool skips on a user's clone and fails in CI.
@Suite("Tools the tests need")
struct RequiredToolTests {
    static let missing = RequiredTool(
        name: "a tool nobody has", probe: ["competency-desk-no-such-tool-\(UInt32.random(in: 0...UInt32.max))"])
    static let present = RequiredTool(name: "env", probe: ["true"])

    @Test("a missing tool skips the test on a user's clone, runs it in CI, and fails it there")
    func missingTool() {
        #expect(!Self.missing.isAvailable)
        #expect(!Self.missing.shouldRun(continuousIntegration: false))
        #expect(Self.missing.shouldRun(continuousIntegration: true))
        #expect(throws: RequiredTool.Missing.self) { try Self.missing.require() }
    }

    @Test("a tool that is there runs everywhere")
    func presentTool() throws {
        #expect(Self.present.isAvailable)
        #expect(Self.present.shouldRun(continuousIntegration: false))
        try Self.present.require()
    }

    @Test(
        "CI is recognised by CI=true",
        arguments: [
            (["CI": "true"], true), (["CI": "1"], true), (["CI": "TRUE"], true),
            ([:], false), (["CI": "false"], false), (["CI": ""], false),
        ] as [([String: String], Bool)])
    func continuousIntegration(environment: [String: String], expected: Bool) {
        #expect(RequiredTool.isContinuousIntegration(environment) == expected)
    }
}
