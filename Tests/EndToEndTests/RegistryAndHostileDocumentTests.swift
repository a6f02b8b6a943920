import DeskServices
import DeskTesting
import Foundation
import Logging
import Testing

@Suite(.serialized) struct RegistryAndHostileDocumentTests {
    @Test func theRegistryIsReReadWhenItsFileChangesAndABrokenExportKeepsTheLastGoodOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("retail-jp.csv")
        let header = "apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email\n"
        try (header + "APN-1,First KK,advanced,,first.example,,\n").write(to: file, atomically: true, encoding: .utf8)
        let cache = RegistryCache(url: file, logger: Logger(label: "test"))
        #expect(try cache.current().get().partners.map(\.apnID) == ["APN-1"])

        // A new export: picked up without a restart.
        try (header + "APN-1,First KK,premier,,first.example,,\nAPN-2,Second KK,select,,second.example,,\n")
            .write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
        let reloaded = try cache.current().get()
        #expect(reloaded.partners.map(\.apnID) == ["APN-1", "APN-2"])
        #expect(reloaded.partners.first?.tier == "premier")

        // A broken export: the last good registry stays in use.
        try (header + "APN-3,Third KK,gold,,,,\n").write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: file.path)
        #expect(try cache.current().get().partners.map(\.apnID) == ["APN-1", "APN-2"])

        // With no good registry ever read, the reason is given.
        let missing = RegistryCache(url: folder.appendingPathComponent("none.csv"), logger: Logger(label: "test"))
        guard case .failure(let error) = missing.current() else {
            Issue.record("a missing registry must be reported")
            return
        }
        #expect(error.description.contains("none.csv"))
    }

    @Test func hostileDocumentsEndInTriageWithAReasonAndTheDaemonGoesOn() throws {
        let desk = try TemporaryDesk(name: "hostile")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        let inbox = desk.inbox("retail-jp")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        // An OLE2 container (what Excel writes for a password-protected workbook) named .xlsx.
        let ole = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))
        try ole.write(to: inbox.appendingPathComponent("a-protected.xlsx"))
        // A YAML alias bomb.
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { bomb += "\(Character(UnicodeScalar(97 + level)!)): &\(Character(UnicodeScalar(97 + level)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + level)!))", count: 10).joined(separator: ", ") + "]\n" }
        try bomb.write(to: inbox.appendingPathComponent("b-bomb.yaml"), atomically: true, encoding: .utf8)
        // And a good document after them.
        try fixture("examples/self-assessment.json").write(to: inbox.appendingPathComponent("c-good.json"))

        let once = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(once.status == 0, "\(once.stderr)")
        let queue = try harness.queue()
        #expect(queue.count == 3)
        for id in ["retail-jp-1", "retail-jp-2"] {
            let show = try harness.cli(["show", id, "--json"])
            let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
            #expect(detail["verdict"] as? String == "triage", "\(id)")
            let problems = detail["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains(id == "retail-jp-1" ? "a-protected.xlsx" : "b-bomb.yaml") }, "\(problems)")
        }
        let good = try harness.cli(["show", "retail-jp-3", "--json"])
        #expect(good.stdout.contains("\"verdict\": \"incomplete\"") || good.stdout.contains("\"verdict\": \"ready\""))
    }
}
