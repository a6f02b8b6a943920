import DeskTesting
import Foundation
import Testing

@testable import DeskOutgoing

/// What the desk sends, read back by a real mail parser: Python's `email`, in
/// its old (compat32) and its current (`email.policy.default`) policy.
@Suite(
    "Rendered messages read back with Python's email package",
    .enabled(if: RequiredTool.python3.shouldRun, "needs python3 (scripts/install-deps installs it)"))
struct RenderedMessagePythonTests {
    @Test("a Japanese alert: subject, names, threading headers, Auto-Submitted, Date and body come back exactly")
    func japaneseAlert() throws {
        try RequiredTool.python3.require()
        let message = MessageSamples.alert()
        let bytes = message.rendered()
        try expectWellFormedLines(bytes)
        #expect(try MessageSamples.headerLines(bytes).contains("Content-Transfer-Encoding: base64"))

        let readings = try PythonEmail.read(bytes)
        for reading in readings.both {
            #expect(reading.defects == [])
            #expect(reading.header("Subject") == MessageSamples.japaneseSubject)
            #expect(reading.mailboxes("From") == [["AWS リテール コンピテンシー事務局", "retail-jp-office@desk.example.co.jp"]])
            #expect(
                reading.mailboxes("To") == [["佐藤 花子", "pdm@partner.example"], ["", "hanako.sato@sample.example"]])
            #expect(reading.mailboxes("Cc") == [["Sato, Hanako (審査)", "retail-jp-list@desk.example.co.jp"]])
            #expect(reading.mailboxes("Reply-To") == [["Reviewers, \"Retail\" JP", "reviewers@desk.example.co.jp"]])
            #expect(reading.header("Message-ID") == "<alert.retail-jp-42.at-risk@desk.example.co.jp>")
            #expect(reading.header("In-Reply-To") == "<CAF=x+partner.42@mail.partner.example>")
            // The first id is too long for the `References:` line: it starts on the next, and a
            // reader sees the folding white space before it (CFWS, not part of any id).
            #expect(
                reading.header("References")?.trimmingCharacters(in: .whitespaces)
                    == "<first.message.from.the.partner.with.a.long.id@mail.partner.example> <CAF=x+partner.42@mail.partner.example>"
            )
            #expect(reading.headers["auto-submitted"] == ["auto-generated"])
            #expect(reading.headers["mime-version"] == ["1.0"])
            #expect(reading.header("X-Competency-Submission") == "retail-jp-42")
            #expect(reading.header("X-Competency-Tenant") == "retail-jp")
            #expect(reading.headers["bcc"] == nil)
            #expect(reading.date?.timestamp == MessageSamples.date.timeIntervalSince1970)
            #expect(reading.date?.offset == 9 * 3600)
            #expect(reading.body == MessageSamples.japaneseBody + "\n")
            #expect(reading.attachments.isEmpty)
        }
    }

    @Test("a long Japanese subject: several encoded words of at most 75 characters, decoded exactly")
    func longJapaneseSubject() throws {
        try RequiredTool.python3.require()
        let bytes = MessageSamples.alert(subject: MessageSamples.longJapaneseSubject).rendered()
        try expectWellFormedLines(bytes)
        let headers = try MessageSamples.headerLines(bytes)
        let subjectLines = headers.drop { !$0.hasPrefix("Subject:") }.prefix {
            $0.hasPrefix("Subject:") || $0.hasPrefix(" ")
        }
        #expect(subjectLines.count >= 3)
        let words = MessageSamples.encodedWords(Array(subjectLines))
        #expect(words.count >= 3)
        for word in words { #expect(word.count <= 75, "\(word)") }

        for reading in try PythonEmail.read(bytes).both {
            #expect(reading.header("Subject") == MessageSamples.longJapaneseSubject)
            #expect(reading.defects == [])
        }
    }

    @Test("an English body in quoted-printable: long lines, From and dot lines, trailing white space, `=`")
    func englishBody() throws {
        try RequiredTool.python3.require()
        var message = MessageSamples.alert(
            subject:
                "[SLA] First response due soon for retail-us-7: Example Corporation, a long ASCII subject that folds",
            body: MessageSamples.englishBody)
        message.from = Mailbox("retail-us-office@desk.example.com", name: "AWS Retail Competency Office")
        message.timeZone = TimeZone(identifier: "America/New_York")!
        let bytes = message.rendered()
        try expectWellFormedLines(bytes)
        let lines = try MessageSamples.crlfLines(bytes)
        #expect(lines.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(lines.contains("From: AWS Retail Competency Office <retail-us-office@desk.example.com>"))
        let body = lines.drop { !$0.isEmpty }.dropFirst()
        #expect(
            !body.contains { $0.hasPrefix(".") || $0.hasPrefix("From ") || $0.hasSuffix(" ") || $0.hasSuffix("\t") })
        #expect(body.allSatisfy { $0.utf8.count <= 76 })

        for reading in try PythonEmail.read(bytes).both {
            #expect(reading.defects == [])
            #expect(reading.header("Subject") == message.subject)
            #expect(reading.body == MessageSamples.englishBody + "\n")
            #expect(reading.date?.offset == -5 * 3600)
        }
    }

    @Test("attachments: exact bytes, names (Japanese too, long ones in RFC 2231 sections) and content types")
    func attachments() throws {
        try RequiredTool.python3.require()
        var message = MessageSamples.alert()
        let calendar = Data(
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:レビュー会議\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                .utf8)
        let binary = Data((0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) })
        let longName = "株式会社サンプル・ホールディングス_リテールコンピテンシー_自己評価シート_2026年度版_最終.xlsx"
        message.attachments = [
            OutgoingAttachment(filename: "review.ics", contentType: "text/calendar; method=REQUEST", data: calendar),
            OutgoingAttachment(
                filename: "自己評価.xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                data: binary),
            OutgoingAttachment(
                filename: longName, contentType: "application/octet-stream", data: Data("--=_competency_\r\n".utf8)),
        ]
        let bytes = message.rendered()
        try expectWellFormedLines(bytes)
        #expect(bytes == message.rendered(), "the same message renders to the same bytes")
        let headers = try MessageSamples.headerLines(bytes)
        #expect(headers.contains { $0.hasPrefix("Content-Type: multipart/mixed;") })

        for reading in try PythonEmail.read(bytes).both {
            #expect(reading.defects == [])
            #expect(reading.header("Subject") == MessageSamples.japaneseSubject)
            #expect(reading.body == MessageSamples.japaneseBody + "\n")
            try #require(reading.attachments.count == 3)
            let ics = reading.attachments[0]
            #expect(ics.filename == "review.ics")
            #expect(ics.contentType == "text/calendar")
            #expect(ics.method == "REQUEST")
            #expect(ics.charset == "UTF-8")
            #expect(ics.data == calendar)
            let sheet = reading.attachments[1]
            #expect(sheet.filename == "自己評価.xlsx")
            #expect(sheet.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(sheet.data == binary)
            #expect(reading.attachments[2].filename == longName)
            #expect(reading.attachments[2].data == Data("--=_competency_\r\n".utf8))
        }
    }

    @Test("header injection: CR, LF and NUL in a subject, a name or an extra header never start a header")
    func headerInjection() throws {
        try RequiredTool.python3.require()
        var message = MessageSamples.alert(subject: "x\r\nBcc: evil@example.com")
        message.to = [Mailbox("pdm@partner.example", name: "Sato\r\nBcc: evil2@example.com")]
        message.cc = []
        message.replyTo = Mailbox("reviewers@desk.example.co.jp\r\nBcc: evil3@example.com")
        message.extraHeaders = [
            ("X-Competency-Submission", "retail-jp-42\nBcc: evil4@example.com\r\n\r\nbody?"),
            ("Bcc", "evil5@example.com"),
            ("X-Bad\r\nBcc", "evil6@example.com"),
            ("Content-Type", "text/html"),
        ]
        message.subject += "\u{0}\u{2028}end"
        let bytes = message.rendered()
        try expectWellFormedLines(bytes)
        let headers = try MessageSamples.headerLines(bytes)
        #expect(!headers.contains { $0.lowercased().hasPrefix("bcc") })
        #expect(headers.filter { $0.lowercased().hasPrefix("content-type:") }.count == 1)

        for reading in try PythonEmail.read(bytes).both {
            #expect(reading.headers["bcc"] == nil)
            #expect(reading.header("Subject") == "x  Bcc: evil@example.com  end")
            #expect(reading.mailboxes("To") == [["Sato  Bcc: evil2@example.com", "pdm@partner.example"]])
            #expect(reading.header("X-Competency-Submission") == "retail-jp-42 Bcc: evil4@example.com    body?")
            #expect(reading.body == MessageSamples.japaneseBody + "\n")
            let everyone = reading.addresses.values.flatMap { $0.map { $0[1] } }
            #expect(!everyone.contains { $0.contains("evil") })
        }
    }

    @Test("display names: ASCII with specials quoted, long Japanese names split into encoded words")
    func displayNames() throws {
        try RequiredTool.python3.require()
        let longName = "株式会社サンプル・ホールディングス リテール事業本部 パートナー推進部 部長"
        var message = MessageSamples.alert()
        message.to = [
            Mailbox("a@partner.example", name: longName),
            Mailbox("b@partner.example", name: "O'Brien, Pat (PDM) \\ \"Retail\""),
            Mailbox("c@partner.example", name: "=?not-an-encoded-word?="),
            Mailbox("d@partner.example", name: "AWS パートナー Alliance チーム 東日本 担当者 各位"),
        ]
        let bytes = message.rendered()
        try expectWellFormedLines(bytes)
        for word in MessageSamples.encodedWords(try MessageSamples.headerLines(bytes)) {
            #expect(word.count <= 75, "\(word)")
        }
        let readings = try PythonEmail.read(bytes)
        for reading in readings.both {
            let to = reading.mailboxes("To")
            try #require(to.count == 4)
            #expect(to[1] == ["O'Brien, Pat (PDM) \\ \"Retail\"", "b@partner.example"])
            #expect(to[2] == ["=?not-an-encoded-word?=", "c@partner.example"])
            #expect(to[3] == ["AWS パートナー Alliance チーム 東日本 担当者 各位", "d@partner.example"])
            #expect(reading.defects == [])
        }
        // RFC 2047 §6.2: the white space between two encoded words is not text.
        // compat32 follows it; email.policy.default (CPython 3.11) reads a space
        // there inside a display name, so a name too long for one encoded word
        // gains a space at each split in that reading only.
        #expect(readings.compat32.mailboxes("To").first == [longName, "a@partner.example"])
        let modern = try #require(readings.default.mailboxes("To").first)
        #expect(modern[0].filter { $0 != " " } == longName.filter { $0 != " " })
    }

    /// Every line ends with CRLF, is at most 78 octets, and the message is 7-bit ASCII.
    func expectWellFormedLines(_ bytes: Data, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let lines = try MessageSamples.crlfLines(bytes)
        for line in lines {
            #expect(line.utf8.count <= 78, "line over 78 octets: \(line)", sourceLocation: sourceLocation)
        }
        #expect(bytes.allSatisfy { $0 < 0x80 }, "the message is 7-bit", sourceLocation: sourceLocation)
    }
}
