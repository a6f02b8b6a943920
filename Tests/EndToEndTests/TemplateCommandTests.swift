import DeskCore
import DeskDocuments
import DeskTesting
import Foundation
import Testing

/// `competency template` run as a real program against the shipped configuration.
@Suite(.serialized) struct TemplateCommandTests {
    static let rootTitleJapanese = "AWS アカウントの root ユーザーを日常的なアクティビティに使用していない"
    static let rootTitleEnglish = "The AWS account root user is not used for routine activities"

    func withDesk(_ body: (DaemonHarness, URL) throws -> Void) throws {
        let desk = try TemporaryDesk(name: "template")
        defer { desk.remove() }
        let output = desk.root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try body(DaemonHarness(desk: desk), output)
    }

    @Test(arguments: DocumentFormat.allCases)
    func writesEachFormatToAFileThatReadsBackBlank(format: DocumentFormat) throws {
        try withDesk { harness, folder in
            let file = folder.appendingPathComponent("template.\(format.rawValue)")
            let run = try harness.cli([
                "template", "--tenant", "retail-jp", "--format", format.rawValue, "--output", file.path,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.isEmpty)
            let bytes = Array(try Data(contentsOf: file))
            if format == .csv {
                #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF, UInt8(ascii: "p")]), "UTF-8 with a BOM")
            }
            if format == .xlsx { #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a ZIP archive") }
            let result = SelfAssessmentReader.read(bytes, format: format, fileName: file.lastPathComponent)
            #expect(result.problems.isEmpty, "\(result.problems.map(\.description))")
            let assessment = try #require(result.assessment)
            #expect(assessment.program == "retail-technology")
            #expect(assessment.partner == SelfAssessment.PartnerSection())
            #expect(assessment.caseStudies.isEmpty)
            #expect(assessment.presentSections.isEmpty)
            // No temporary file is left beside it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [file.lastPathComponent])
        }
    }

    @Test func yamlOnStdoutIsInTheTenantsLanguageWithEveryItem() throws {
        try withDesk { harness, _ in
            let japanese = try harness.cli(["template", "--tenant", "retail-jp", "--format", "yaml"])
            #expect(japanese.status == 0, "\(japanese.stderr)")
            #expect(japanese.stdout.contains(Self.rootTitleJapanese))
            #expect(japanese.stdout.contains("はい / いいえ / 該当なし"))
            #expect(japanese.stdout.components(separatedBy: "TECH-1.1: {answer: , evidence: }").count - 1 == 4)
            #expect(japanese.stdout.components(separatedBy: ": {answer: , evidence: }").count - 1 == 46 * 4)

            let english = try harness.cli(["template", "--tenant", "retail-us", "--format", "yaml"])
            #expect(english.status == 0, "\(english.stderr)")
            #expect(english.stdout.contains(Self.rootTitleEnglish))
            #expect(!english.stdout.contains(Self.rootTitleJapanese))
        }
    }

    @Test func csvAndJSONOnStdout() throws {
        try withDesk { harness, _ in
            let csv = try harness.cli(["template", "--tenant", "retail-us", "--format", "csv"])
            #expect(csv.status == 0, "\(csv.stderr)")
            // Decoding the output drops the byte order mark; the file test sees it.
            #expect(csv.stdout.hasPrefix("path,value\r\n") || csv.stdout.hasPrefix("\u{FEFF}path,value\r\n"))
            let answerRows = csv.stdout.components(separatedBy: "\r\n").filter {
                $0.hasPrefix("case_studies.") && $0.hasSuffix(".answer,")
            }
            #expect(answerRows.count == 46 * 4)

            let json = try harness.cli(["template", "--tenant", "retail-jp", "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let studies = try #require(object["case_studies"] as? [[String: Any]])
            #expect(studies.count == 4)
            #expect((studies[3]["technical"] as? [String: Any])?.count == 46)
        }
    }

    @Test func xlsxGoesToARedirectedStdout() throws {
        try withDesk { harness, _ in
            // The harness sends stdout to a file: not a terminal.
            let run = try harness.cli(["template", "--tenant", "retail-jp", "--format", "xlsx"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("PK") || run.stdout.isEmpty, "ZIP bytes (not UTF-8, so maybe not decodable)")
        }
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func xlsxIsNotWrittenToATerminal() throws {
        try withDesk { harness, _ in
            let binary = RepositoryPaths.binaries.appendingPathComponent("competency").path
            let command = [
                binary, "template", "--tenant", "retail-jp", "--format", "xlsx", "--config",
                harness.desk.configFile.path,
            ]
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 64, "\(text)")
            #expect(text.contains("not writing an XLSX workbook to the terminal"), "\(text)")
        }
    }

    @Test func anExistingFileIsKeptUnlessForced() throws {
        try withDesk { harness, folder in
            let file = folder.appendingPathComponent("mine.csv")
            try Data("keep me".utf8).write(to: file)
            let refused = try harness.cli([
                "template", "--tenant", "retail-jp", "--format", "csv", "--output", file.path,
            ])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("already exists; use --force"), "\(refused.stderr)")
            #expect(try String(contentsOf: file, encoding: .utf8) == "keep me")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["mine.csv"])

            let forced = try harness.cli(
                ["template", "--tenant", "retail-jp", "--format", "csv", "--output", file.path, "--force"])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try Data(contentsOf: file).starts(with: [0xEF, 0xBB, 0xBF]))
        }
    }

    @Test func badArgumentsFailWithAClearMessage() throws {
        try withDesk { harness, folder in
            let format = try harness.cli(["template", "--tenant", "retail-jp", "--format", "xml"])
            #expect(format.status == 64)
            #expect(
                format.stderr.contains("unknown format \"xml\"; use one of yaml, json, csv, xlsx"), "\(format.stderr)")

            let tenant = try harness.cli(["template", "--tenant", "retail-xx", "--format", "yaml"])
            #expect(tenant.status == 2)
            #expect(tenant.stderr.contains("no tenant \"retail-xx\""), "\(tenant.stderr)")
            #expect(tenant.stderr.contains("retail-jp"))

            let program = try harness.cli([
                "template", "--tenant", "retail-jp", "--format", "yaml", "--program", "cloud",
            ])
            #expect(program.status == 64)
            #expect(
                program.stderr.contains("no program \"cloud\" (its programs: retail-technology)"), "\(program.stderr)")

            let missing = folder.appendingPathComponent("no-such-folder/template.yaml")
            let unwritable = try harness.cli([
                "template", "--tenant", "retail-jp", "--format", "yaml", "--output", missing.path,
            ])
            #expect(unwritable.status == 1)
            #expect(unwritable.stderr.contains("no-such-folder"), "\(unwritable.stderr)")

            let named = try harness.cli(
                ["template", "--tenant", "retail-jp", "--format", "yaml", "--program", "retail-technology"])
            #expect(named.status == 0, "\(named.stderr)")
        }
    }
}
