import DeskTesting
import Foundation
import Testing

/// From an email with a self-assessment attached to the verdict and checks in `show --json`.
@Suite(.serialized) struct ChecklistEndToEndTests {
    func show(_ harness: DaemonHarness, _ id: String) throws -> [String: Any] {
        let run = try harness.cli(["show", id, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    func checks(_ detail: [String: Any]) -> [String: (status: String, reason: String)] {
        let list = detail["checks"] as? [[String: Any]] ?? []
        return Dictionary(
            list.map { ($0["id"] as? String ?? "", ($0["status"] as? String ?? "", $0["reason"] as? String ?? "")) },
            uniquingKeysWith: { first, _ in first })
    }

    @Test func anXLSXSubmissionInTheInboxEndsReadyWithEveryCheck() throws {
        let desk = try TemporaryDesk(name: "xlsx")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        try harness.deliver(try fixture("examples/customer-deployed-xlsx-iso2022jp.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        let once = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(once.status == 0, "\(once.stderr)")

        let detail = try show(harness, "retail-jp-1")
        #expect(detail["verdict"] as? String == "ready")
        #expect(detail["partner"] as? String == "株式会社サクラ小売テック")
        #expect(detail["program"] as? String == "retail-technology")
        #expect(detail["document"] as? String == "自己診断チェックリスト.xlsx")
        #expect(detail["due_at"] as? String == "2026-12-04T23:59:59+09:00")
        let results = checks(detail)
        #expect(results.count == 14 + 1 + 46, "every PRE item, TECH-DOCS and every TECH item")
        #expect(results.values.filter { $0.status == "fail" }.isEmpty)
        #expect(results["PRE-1.2"]?.status == "pass")
        #expect(results["TECH-DOCS"]?.status == "pass", "the deployment guide and diagrams are attached")
        #expect(results["TECH-1.1"]?.status == "n/a", "a SaaS-only item, and this solution is customer-deployed")
        #expect(results["TECH-1.9"]?.status == "pass")
        // Reasons are in the tenant's language.
        #expect(results["TECH-1.1"]?.reason.contains("適用されません") == true)
    }

    @Test func aFailingDocumentIsIncompleteAndItsFixIsTheNextRevision() throws {
        let desk = try TemporaryDesk(name: "revision")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        var original = try #require(try JSONSerialization.jsonObject(with: try fixture("examples/self-assessment.json")) as? [String: Any])
        // A bare document has no attachments: its diagrams must be URLs for TECH-DOCS to pass.
        var solution = try #require(original["solution"] as? [String: Any])
        solution["architecture_diagram"] = "https://kaede-analytics.example/architecture/overall.png"
        original["solution"] = solution
        original["case_studies"] = try #require(original["case_studies"] as? [[String: Any]]).enumerated().map { index, study in
            var study = study
            study["architecture_diagram"] = "https://kaede-analytics.example/architecture/case-\(index + 1).png"
            return study
        }

        // First version: case study 2 is a pilot. Dropped bare into the inbox folder.
        var broken = original
        var studies = try #require(broken["case_studies"] as? [[String: Any]])
        studies[1]["stage"] = "pilot"
        broken["case_studies"] = studies
        let first = desk.inbox("retail-jp").appendingPathComponent("kaede-self-assessment.json")
        try FileManager.default.createDirectory(at: desk.inbox("retail-jp"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: broken).write(to: first)
        // A bare document's receipt time is its modification time.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_795_993_200)], ofItemAtPath: first.path)  // 2026-11-30 08:00 JST
        #expect(try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment).status == 0)

        let firstDetail = try show(harness, "retail-jp-1")
        #expect(firstDetail["verdict"] as? String == "incomplete")
        #expect(firstDetail["sender"] is NSNull, "a bare document has no sender")
        #expect(firstDetail["partner"] as? String == "Kaede Analytics KK", "matched by the document's APN ID")
        let failing = checks(firstDetail)["PRE-2.1"]
        #expect(failing?.status == "fail")
        #expect(failing?.reason.contains("導入事例 2") == true, "\(failing?.reason ?? "")")
        #expect(failing?.reason.contains("pilot") == true)

        // The fixed version, a day later.
        let second = desk.inbox("retail-jp").appendingPathComponent("kaede-self-assessment-v2.json")
        try JSONSerialization.data(withJSONObject: original).write(to: second)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_796_079_600)], ofItemAtPath: second.path)
        #expect(try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment).status == 0)

        let revised = try show(harness, "retail-jp-2")
        #expect(revised["verdict"] as? String == "ready")
        #expect(revised["revision"] as? Int == 2)
        #expect(revised["previous_revision"] as? String == "retail-jp-1")
        let changes = try #require(revised["changes_since_previous"] as? [String: Any])
        let flipped = try #require(changes["checks"] as? [[String: Any]])
        #expect(flipped.contains { $0["id"] as? String == "PRE-2.1" && $0["from"] as? String == "fail" && $0["to"] as? String == "pass" })
        let fields = try #require(changes["fields"] as? [[String: Any]])
        #expect(fields.map { $0["path"] as? String } == ["case_studies.2.stage"])
        #expect(fields.first?["from"] as? String == "pilot")

        // The first revision is closed as superseded; only the new one waits in the queue.
        #expect(try harness.queue().compactMap { $0["id"] as? String } == ["retail-jp-2"])
        #expect(try harness.cli(["history", "retail-jp-1"]).stdout.contains("superseded"))
        #expect(try harness.cli(["show", "retail-jp-2"]).stdout.contains("PRE-2.1: fail → pass"))
    }

    @Test func parseShowsTheStructureAndTheDocument() throws {
        let desk = try TemporaryDesk(name: "parse")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk)
        let file = desk.root.appendingPathComponent("message.eml")
        try fixture("examples/customer-deployed-xlsx-iso2022jp.eml").write(to: file)
        let json = try harness.cli(["parse", file.path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["subject"] as? String == "[株式会社サクラ小売テック], Retail Competency Technology Partner Completed Self-Assessment")
        #expect(object["from"] as? String == "佐藤 花子 <hanako.sato@sakura-kouri.example>")
        let attachments = try #require(object["attachments"] as? [[String: Any]])
        #expect(attachments.map { $0["filename"] as? String } == ["自己診断チェックリスト.xlsx", "sakura-cs1-architecture.png", "sakura-cs4-architecture.png", "deployment-guide.pdf"])
        #expect(attachments.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
        let document = try #require(object["self_assessment"] as? [String: Any])
        #expect((document["solution"] as? [String: Any])?["delivery"] as? String == "customer-deployed")
        #expect((object["text"] as? String)?.contains("小売コンピテンシー") == true)
        #expect(object["problems"] as? [String] == [])

        let human = try harness.cli(["parse", file.path])
        #expect(human.stdout.contains("multipart/mixed"))
        #expect(human.stdout.contains("\"deployment-guide.pdf\""))
        #expect(human.stdout.contains("read from 自己診断チェックリスト.xlsx"))

        let png = desk.root.appendingPathComponent("image.png")
        try fixture("not-a-message.png").write(to: png)
        let refused = try harness.cli(["parse", png.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not a message"))
        // Nothing was stored.
        #expect(try harness.queue(all: true).isEmpty)
    }
}
