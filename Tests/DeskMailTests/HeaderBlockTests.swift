import Testing

@testable import DeskMail

@Suite("Header block")
struct HeaderBlockTests {
    @Test("folded and duplicate fields", arguments: MessageBytes.LineEnding.allCases)
    func foldedAndDuplicateFields(ending: MessageBytes.LineEnding) throws {
        let bytes = MessageBytes.lines(
            [
                "Received: from a.example by b.example;",
                "\tSun, 29 Nov 2026 10:54:31 +0900",
                "Received: from c.example by a.example; Sat, 28 Nov 2026 09:00:00 +0900",
                "Subject: first part",
                "  second part",
                "X-Note: one",
                "x-note: two",
                "",
                "Body line",
            ], ending: ending)
        let message = try MessageReader.read(bytes)

        #expect(message.headers.count == 5)
        #expect(message.headers.all(named: "Received").count == 2)
        #expect(message.headers["SUBJECT"] == "first part  second part")
        #expect(message.subject == "first part  second part")
        #expect(message.headers.all(named: "X-NOTE").map(\.value) == ["one", "two"])
        #expect(
            message.headers.first(named: "received")?.value
                == "from a.example by b.example;\tSun, 29 Nov 2026 10:54:31 +0900")
        #expect(String(decoding: message.root.body, as: UTF8.self) == "Body line" + ending.rawValue)
        #expect(message.problems.isEmpty)
    }

    @Test("mixed line endings in one header")
    func mixedLineEndings() throws {
        let bytes = Array("Subject: a\r\n b\nFrom: x@example.com\rTo: y@example.com\r\n\r\nbody".utf8)
        let message = try MessageReader.read(bytes)
        #expect(message.headers.map(\.name) == ["Subject", "From", "To"])
        #expect(message.subject == "a b")
        #expect(message.from?.address == "x@example.com")
        #expect(Array(message.root.body) == Array("body".utf8))
    }

    @Test("the raw value keeps the folding exactly")
    func rawValueKeepsFolding() throws {
        let message = try MessageReader.read(Array("Subject: a\r\n b\r\n\r\n".utf8))
        #expect(message.headers.first(named: "Subject")?.rawValue == Array(" a\r\n b".utf8))
    }

    @Test("the header ends at the first empty line and the body is not read")
    func headerEndsAtFirstEmptyLine() throws {
        let bytes = MessageBytes.lines(["Subject: s", "", "Not-A-Header: body text", "", "more"])
        let message = try MessageReader.read(bytes)
        #expect(message.headers.count == 1)
        #expect(message.headers["Not-A-Header"] == nil)
        #expect(message.root.body.startIndex == "Subject: s\r\n\r\n".utf8.count)
        #expect(message.root.body.endIndex == bytes.count)
    }

    @Test("a message with no body and no empty line")
    func headersOnly() throws {
        let message = try MessageReader.read(Array("Subject: only a header".utf8))
        #expect(message.subject == "only a header")
        #expect(message.root.body.isEmpty)
    }

    @Test("lines without a colon are skipped and reported")
    func linesWithoutColon() throws {
        let bytes = MessageBytes.lines([
            "Subject: ok", "this line is junk", " and its continuation", "From: a@example.com", "", "body",
        ])
        let message = try MessageReader.read(bytes)
        #expect(message.headers.map(\.name) == ["Subject", "From"])
        #expect(message.subject == "ok")
        #expect(message.problems.count == 1)
        #expect(message.problems.first?.contains("header line 2") == true)
        #expect(message.problems.first?.contains("this line is junk") == true)
    }

    @Test("many junk lines give a short problem list")
    func manyJunkLines() throws {
        let junk = (1...20).map { "junk \($0)" }
        let message = try MessageReader.read(MessageBytes.lines(["Subject: s"] + junk + ["", "b"]))
        #expect(message.problems.count == 6)
        #expect(message.problems.last == "15 more header line(s) without a colon were skipped")
    }

    @Test("a leading mbox From line is skipped")
    func mboxFromLine() throws {
        let bytes = MessageBytes.lines(
            [
                "From hanako@example.com Sun Nov 29 10:54:31 2026", "From: Hanako <hanako@example.com>", "Subject: s",
                "", "b",
            ],
            ending: .lf)
        let message = try MessageReader.read(bytes)
        #expect(message.headers.map(\.name) == ["From", "Subject"])
        #expect(message.from?.address == "hanako@example.com")
        #expect(message.problems.isEmpty)
    }

    @Test("obsolete whitespace before the colon")
    func whitespaceBeforeColon() throws {
        let message = try MessageReader.read(Array("From : a@example.com\nSubject\t: s\n\n".utf8))
        #expect(message.headers.map(\.name) == ["From", "Subject"])
        #expect(message.subject == "s")
    }

    @Test(
        "bytes that are not a message throw",
        arguments: [
            ("empty", [UInt8](), "empty"),
            ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00], "PNG image"),
            ("prose", Array("Dear team,\nplease find the file attached.\n".utf8), "does not start with 'Name: value'"),
            ("empty first line, no field after it", Array("\r\nDear team,\r\n".utf8), "empty line"),
            ("indented prose", Array("   Dear team,\r\n".utf8), "does not start with 'Name: value'"),
            ("only spaces", Array(" ".utf8), "does not start with 'Name: value'"),
            ("JSON", Array("{\"schema\": \"x\"}\n".utf8), "does not start with 'Name: value'"),
            ("mbox line only", Array("From someone Sun Nov 29 10:54:31 2026\n".utf8), "no header lines"),
        ] as [(String, [UInt8], String)])
    func notAMessage(name: String, bytes: [UInt8], reasonContains: String) {
        #expect {
            _ = try MessageReader.read(bytes)
        } throws: { error in
            guard let error = error as? MessageReadError else { return false }
            return error.reason.contains(reasonContains) && error.description == error.reason
        }
    }

    @Test("header fields after blank or whitespace-only lines are read, and the damage reported")
    func leadingBlankLines() throws {
        // As flanker's enclosed.eml: a line of spaces before the first field.
        let spaces = try MessageReader.read(Array("    \r\n\r\nSubject: late\r\nFrom: a@example.com\r\n\r\nbody\r\n".utf8))
        #expect(spaces.subject == "late")
        #expect(spaces.from?.address == "a@example.com")
        #expect(spaces.text == "body\n")
        #expect(spaces.problems == ["the file starts with 2 blank line(s) before its header fields; they were skipped"])
        let empty = try MessageReader.read(Array("\r\nSubject: late\r\n".utf8))
        #expect(empty.subject == "late")
    }

    @Test("a first field indented like a continuation is read as a field")
    func indentedFirstField() throws {
        // As enmime's bad-header-start.raw.
        let message = try MessageReader.read(
            Array(" From: James Hillyerd <james@makita.skynet>\nSubject: plain text\n\nbody\n".utf8))
        #expect(message.from == MailAddress(displayName: "James Hillyerd", address: "james@makita.skynet"))
        #expect(message.subject == "plain text")
        #expect(message.problems.contains("the first header field is indented, as if it continued a field before it; read as a field"))
    }

    @Test("raw Latin-1 letters between ASCII letters are windows-1252, not CP932")
    func rawLatin1Header() throws {
        // request-tracker's new-ticket-from-iso-8859-1: `H\xE5vard` read as CP932 gave `H蛆ard`.
        let bytes = MessageBytes.rawHeader("From", Array("Wilhelmsen H".utf8) + [0xE5] + Array("vard <h@example.com>".utf8))
            + MessageBytes.rawHeader("Subject", Array("Forma".utf8) + [0xE7, 0xE3] + Array("o Ver".utf8) + [0xE3] + Array("o".utf8))
            + Array("\r\n".utf8)
        let message = try MessageReader.read(bytes)
        #expect(message.from?.displayName == "Wilhelmsen Håvard")
        #expect(message.subject == "Formação Verão")
        #expect(message.problems.contains("the From header has raw 8-bit bytes that are not UTF-8; read as windows-1252 (a guess)"))
    }

    @Test("raw 8-bit bytes inside a Q encoded word are decoded by the word's charset")
    func rawBytesInQWord() throws {
        // zbateson's m2004.txt: `=?iso-8859-1?Q?Die_Hasen_und_die_Fr\xF6sche?=`.
        let bytes = MessageBytes.rawHeader("Subject", Array("=?iso-8859-1?Q?Die_Hasen_und_die_Fr".utf8) + [0xF6] + Array("sche?=".utf8))
            + Array("\r\n".utf8)
        #expect(try MessageReader.read(bytes).subject == "Die Hasen und die Frösche")
    }

    @Test("UTF-8 with one broken character is read as UTF-8, not guessed as CP932")
    func mostlyUTF8Header() throws {
        // flanker's russian-attachment-yahoo.eml: a UTF-8 file name cut in the middle of `т`.
        let bytes = MessageBytes.rawHeader("Subject", Array("Картинка чт".utf8) + [0xD1])
            + Array("\r\n".utf8)
        let message = try MessageReader.read(bytes)
        #expect(message.subject == "Картинка чт\u{FFFD}")
    }

    @Test("raw CP932 bytes in a header are guessed and reported")
    func rawCP932Subject() throws {
        // 見積書のご送付 in CP932, plus ① (NEC row 13) only CP932 has.
        let subject: [UInt8] = [
            0x8C, 0xA9, 0x90, 0xCF, 0x8F, 0x91, 0x82, 0xCC, 0x82, 0xB2, 0x91, 0x97, 0x95, 0x74, 0x87, 0x40,
        ]
        let bytes = MessageBytes.rawHeader("Subject", subject) + Array("From: a@example.com\r\n\r\n".utf8)
        let message = try MessageReader.read(bytes)
        #expect(message.subject == "見積書のご送付①")
        #expect(
            message.problems == ["the Subject header has raw 8-bit bytes that are not UTF-8; read as cp932 (a guess)"])
    }

    @Test("raw EUC-JP bytes in a header are guessed and reported")
    func rawEUCJPSubject() throws {
        // 見積書のご送付 in EUC-JP.
        let subject: [UInt8] = [0xB8, 0xAB, 0xC0, 0xD1, 0xBD, 0xF1, 0xA4, 0xCE, 0xA4, 0xB4, 0xC1, 0xF7, 0xC9, 0xD5]
        let message = try MessageReader.read(MessageBytes.rawHeader("Subject", subject) + [0x0D, 0x0A])
        #expect(message.subject == "見積書のご送付")
        #expect(
            message.problems == ["the Subject header has raw 8-bit bytes that are not UTF-8; read as euc-jp (a guess)"])
    }

    @Test("raw UTF-8 in a header is read without a problem")
    func rawUTF8Subject() throws {
        let message = try MessageReader.read(Array("Subject: 自己診断の提出\r\n\r\n".utf8))
        #expect(message.subject == "自己診断の提出")
        #expect(message.problems.isEmpty)
    }

    @Test("raw ISO-2022-JP in a header is read and reported")
    func rawISO2022JPSubject() throws {
        let message = try MessageReader.read(Array("Subject: \u{1B}$B$3$s$K$A$O\u{1B}(B\r\n\r\n".utf8))
        #expect(message.subject == "こんにちは")
        #expect(message.problems.count == 1)
        #expect(message.problems.first?.contains("raw ISO-2022-JP") == true)
    }

    @Test("an endless header block is cut at its size limit")
    func endlessHeader() throws {
        var bytes = Array("Subject: s\n".utf8)
        let line = Array("X-Filler: \(String(repeating: "x", count: 1000))\n".utf8)
        while bytes.count <= HeaderBlock.maximumHeaderBytes + 10_000 { bytes += line }
        let message = try MessageReader.read(bytes)
        #expect(message.subject == "s")
        #expect(message.headers.count < 1100)
        #expect(!message.root.body.isEmpty)
        #expect(message.problems.count == 1)
    }

    @Test("one header line longer than the size limit ends the header block")
    func endlessHeaderLine() throws {
        let bytes = Array("Subject: s\nX-Long: ".utf8) + [UInt8](repeating: 0x7A, count: HeaderBlock.maximumHeaderBytes + 1)
        let message = try MessageReader.read(bytes)
        #expect(message.headers.map(\.name) == ["Subject"])
        #expect(message.root.body.count == bytes.count - "Subject: s\n".utf8.count)
        #expect(message.problems.count == 1)
    }

    @Test("a byte order mark before the header is skipped")
    func byteOrderMark() throws {
        let message = try MessageReader.read([0xEF, 0xBB, 0xBF] + Array("Subject: s\n\n".utf8))
        #expect(message.subject == "s")
        #expect(message.problems.count == 1)
    }

    @Test("raw KOI8-R From and Subject are read as Russian (cyrus-cassandane headers-koi8r)")
    func rawKOI8RHeaders() throws {
        let bytes = MessageBytes.rawHeader(
            "From", try MessageBytes.encoded("\"Фёдор Михайлович Достоевский\" <fyodor@local>", as: "KOI8-R"))
            + MessageBytes.rawHeader("Subject", try MessageBytes.encoded("Москва - столица России.", as: "KOI8-R"))
            + Array("\r\nThis is a test email.\r\n".utf8)
        let message = try MessageReader.read(bytes)
        #expect(message.from?.displayName == "Фёдор Михайлович Достоевский")
        #expect(message.from?.address == "fyodor@local")
        #expect(message.subject == "Москва - столица России.")
        #expect(message.problems.contains { $0.contains("read as koi8-r (a guess)") })
    }
}
