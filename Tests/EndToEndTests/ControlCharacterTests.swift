import DeskTesting
import Foundation
import Testing

/// Anyone who can send mail controls subjects, names, file names and the document's
/// text. Control characters in them must never reach a reviewer's terminal raw (an
/// OSC sequence retitles it, `ESC [2J` clears it, OSC 52 writes to the clipboard), and
/// a newline in a file name must never forge a second line in the daemon's log.
@Suite(.serialized) struct ControlCharacterTests {
    static let environment = ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"]

    static func encodedWord(_ text: String) -> String {
        "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// A message whose subject sets the terminal title, clears the screen and writes the
    /// clipboard; whose sender name hides text; whose document's partner and customer
    /// names carry controls; and whose body and attachment name carry them too.
    static var hostileMessage: Data {
        let subject =
            "Evil KK\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}]52;c;ZWNobyBwd25lZA==\u{07} Self-Assessment \u{9B}31m\u{202E}gpj"
        let document = """
            schema: competency-self-assessment/v1
            program: retail-technology
            partner:
              name: "Evil\\e]0;title\\aKK"
            case_studies:
              - customer: "Mart\\e[2J"
                website: https://mart.example
            """
        return Data(
            """
            Received: from mx.evil.example by mx1.competency-office.example; Mon, 30 Nov 2026 09:15:02 +0900\r
            From: \(encodedWord("Eve\u{1B}[8m hidden")) <eve@evil.example>\r
            To: retail-competency-jp@competency-office.example\r
            Subject: \(encodedWord(subject))\r
            Date: Mon, 30 Nov 2026 09:15:00 +0900\r
            Message-ID: <evil-1@evil.example>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Please see \u{1B}]0;body\u{07}attached.\r
            --b\r
            Content-Type: application/yaml\r
            Content-Disposition: attachment; filename*=UTF-8''self%1B%5D0%3Bx%07.yaml\r
            \r
            \(document.replacingOccurrences(of: "\n", with: "\r\n"))\r
            --b--\r

            """.utf8)
    }

    /// C0 controls other than line feed and tab, DEL, C1 controls and bidi overrides.
    static func rawControls(in text: String) -> [String] {
        text.unicodeScalars.filter { scalar in
            let value = scalar.value
            if value == 0x0A || value == 0x09 { return false }
            return value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
        }.map { String(format: "U+%04X", $0.value) }
    }

    func competency(_ desk: TemporaryDesk, _ arguments: [String]) throws -> ProgramRun {
        let run = try DaemonHarness(desk: desk, environment: Self.environment).cli(arguments)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        return run
    }

    @Test func tablesAndPlainOutputShowControlsAsVisibleEscapes() throws {
        let desk = try TemporaryDesk(name: "controls")
        defer { desk.remove() }
        let file = desk.root.appendingPathComponent("hostile.eml")
        try Self.hostileMessage.write(to: file)
        _ = try competency(desk, ["ingest", "--tenant", "retail-jp", file.path])
        _ = try competency(desk, ["note", "retail-jp-1", "see \u{1B}]52;c;ZXZpbA==\u{07}here\nsecond line"])

        for command in [
            ["queue"], ["queue", "--all"], ["show", "retail-jp-1"], ["history", "retail-jp-1"], ["parse", file.path],
        ] {
            let run = try competency(desk, command)
            #expect(Self.rawControls(in: run.stdout).isEmpty, "\(command): \(Self.rawControls(in: run.stdout))")
            #expect(Self.rawControls(in: run.stderr).isEmpty, "\(command) stderr: \(run.stderr)")
            #expect(run.stdout.contains("\\x1B"), "\(command) shows the escape visibly:\n\(run.stdout)")
        }
        let show = try competency(desk, ["show", "retail-jp-1"])
        #expect(show.stdout.contains("Evil KK\\x1B]0;pwned\\x07\\x1B[2J"))
        #expect(show.stdout.contains("\\u{202E}"))
        #expect(show.stdout.contains("see \\x1B]52;c;ZXZpbA==\\x07here\n"), "a note keeps its line breaks")
        let parse = try competency(desk, ["parse", file.path])
        #expect(parse.stdout.contains("Please see \\x1B]0;body\\x07attached."))
    }

    @Test func jsonOutputEscapesControlsAsJSON() throws {
        let desk = try TemporaryDesk(name: "controlsjson")
        defer { desk.remove() }
        let file = desk.root.appendingPathComponent("hostile.eml")
        try Self.hostileMessage.write(to: file)
        _ = try competency(desk, ["ingest", "--tenant", "retail-jp", file.path])

        for command in [["queue", "--json"], ["show", "retail-jp-1", "--json"], ["parse", file.path, "--json"]] {
            let run = try competency(desk, command)
            #expect(Self.rawControls(in: run.stdout).isEmpty, "\(command): \(Self.rawControls(in: run.stdout))")
            #expect(run.stdout.contains("\\u001b]0;pwned\\u0007"), "\(command)")
            // Still JSON, and still the partner's exact text once decoded.
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
            let subject = ((object as? [[String: Any]])?.first ?? object as? [String: Any])?["subject"] as? String
            #expect(subject?.contains("\u{1B}]0;pwned\u{07}\u{1B}[2J") == true)
            #expect(subject?.contains("\u{9B}31m\u{202E}") == true)
        }
    }

    @Test func aNewlineInAFileNameCannotForgeADaemonLogLine() throws {
        let desk = try TemporaryDesk(name: "loginjection")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.environment)
        let forged = "\n2026-12-01T10:00:00+0900 critical competencyd: [DeskServices] forged\u{1B}[2K"
        try harness.deliver(Self.hostileMessage, to: "retail-jp", name: "1764461702.M1P1.mx1" + forged)
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1764462100.M3P1.mx1" + forged)

        let run = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/
        for line in lines {
            #expect(line.firstMatch(of: timestamp) != nil, "every line is one event: \(line)")
            #expect(!line.hasPrefix(forged.dropFirst().prefix(40)), "a forged line: \(line)")
        }
        #expect(Self.rawControls(in: run.stderr).isEmpty, "\(Self.rawControls(in: run.stderr))")
        #expect(
            run.stderr.contains("\\n2026-12-01T10:00:00+0900 critical"), "the name is logged, escaped:\n\(run.stderr)")
    }
}
