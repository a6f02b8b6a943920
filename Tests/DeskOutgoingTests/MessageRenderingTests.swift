import DeskTesting
import Foundation
import Testing

@testable import DeskOutgoing

/// The bytes `rendered()` writes, checked in Swift (the Python suite checks what a reader makes of them).
@Suite("OutgoingMessage.rendered")
struct MessageRenderingTests {
    @Test("the header fields in order, the Message-ID in brackets, Auto-Submitted, one text part")
    func headerFields() throws {
        var message = MessageSamples.alert(subject: "[SLA] At risk: retail-jp-42", body: "Hello.\nBye.")
        message.cc = []
        message.replyTo = nil
        message.to = [Mailbox("pdm@partner.example", name: "Pat Doe")]
        message.from = Mailbox("office@desk.example.co.jp", name: "Office")
        let lines = try MessageSamples.crlfLines(message.rendered())
        #expect(
            lines == [
                "From: Office <office@desk.example.co.jp>",
                "To: Pat Doe <pdm@partner.example>",
                "Subject: [SLA] At risk: retail-jp-42",
                "Date: Mon, 07 Dec 2026 09:30:05 +0900",
                "Message-ID: <alert.retail-jp-42.at-risk@desk.example.co.jp>",
                "In-Reply-To: <CAF=x+partner.42@mail.partner.example>",
                // An id too long for the first line starts on the next (white space before a msg-id is CFWS).
                "References:",
                " <first.message.from.the.partner.with.a.long.id@mail.partner.example>",
                " <CAF=x+partner.42@mail.partner.example>",
                "MIME-Version: 1.0",
                "Auto-Submitted: auto-generated",
                "X-Competency-Submission: retail-jp-42",
                "X-Competency-Tenant: retail-jp",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "Hello.",
                "Bye.",
            ])
    }

    @Test(
        "the Date header in the message's zone",
        arguments: [
            (1_796_603_405, "Asia/Tokyo", "Mon, 07 Dec 2026 09:30:05 +0900"),
            (1_796_603_405, "America/New_York", "Sun, 06 Dec 2026 19:30:05 -0500"),
            (1_783_000_000, "America/New_York", "Thu, 02 Jul 2026 09:46:40 -0400"),
            (1_783_000_000, "Asia/Kolkata", "Thu, 02 Jul 2026 19:16:40 +0530"),
            (0, "UTC", "Thu, 01 Jan 1970 00:00:00 +0000"),
        ] as [(Int, String, String)])
    func dateHeader(seconds: Int, zone: String, expected: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        #expect(
            OutgoingMessage.dateHeaderValue(Date(timeIntervalSince1970: TimeInterval(seconds)), in: timeZone)
                == expected)
    }

    @Test(
        "encoded words stay within 75 characters and header lines within 78 octets, whatever the text",
        arguments: [
            "🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵 👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦",
            "e\u{301}" + String(repeating: "\u{301}", count: 40) + " combining marks",
            String(repeating: "締め切り", count: 60),
            String(repeating: "a", count: 200) + " one ASCII word longer than a line",
            "=?UTF-8?B?Zm9v?= looks encoded but is text",
            "mixed 日本語 and English, 한국어, Ελληνικά, العربية",
        ])
    func lineLimits(text: String) throws {
        var message = MessageSamples.alert(subject: text)
        message.to = [Mailbox("pdm@partner.example", name: text)]
        message.extraHeaders = [("X-Competency-Note", text)]
        let headers = try MessageSamples.headerLines(message.rendered())
        for line in headers { #expect(line.utf8.count <= 78, "\(line)") }
        for word in MessageSamples.encodedWords(headers) {
            #expect(word.count <= 75, "\(word)")
            // Each word decodes on its own to whole UTF-8 characters.
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            let bytes = try #require(Data(base64Encoded: String(payload)))
            #expect(String(data: bytes, encoding: .utf8) != nil, "\(word) splits a character")
        }
    }

    @Test("an ASCII subject is folded at spaces and unfolds to the same text")
    func asciiSubjectFolds() throws {
        let subject =
            "Reminder: the first response for " + Array(repeating: "retail-jp-42", count: 12).joined(separator: "  ")
        let headers = try MessageSamples.headerLines(MessageSamples.alert(subject: subject).rendered())
        let start = try #require(headers.firstIndex { $0.hasPrefix("Subject: ") })
        let folded = headers[start...].prefix { $0 == headers[start] || $0.hasPrefix(" ") }
        #expect(folded.count > 1)
        #expect(String(folded.joined().dropFirst("Subject: ".count)) == subject)
    }

    @Test("body line endings become CRLF and the text ends with one")
    func lineEndings() {
        #expect(TransferEncoding.normalizedLines("a\nb\rc\r\nd") == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
        #expect(TransferEncoding.normalizedLines("a\r\n") == Array("a\r\n".utf8))
        #expect(TransferEncoding.normalizedLines("") == Array("\r\n".utf8))
        #expect(TransferEncoding.normalizedLines("\r\r\n\n") == Array("\r\n\r\n\r\n".utf8))
    }

    @Test("quoted-printable: soft breaks at 76 never split =XX; dot and From lines and trailing blanks encoded")
    func quotedPrintable() {
        let line = String(repeating: "é", count: 40) + String(repeating: "x", count: 74) + "= "
        let encoded = TransferEncoding.quotedPrintable(
            TransferEncoding.normalizedLines(line + "\n.dot\nFrom me\nFromage \t\n"))
        let lines = encoded.components(separatedBy: "\r\n").dropLast()
        for line in lines {
            #expect(line.utf8.count <= 76)
            // A soft break ends with a lone `=`, never inside `=XX`.
            if line.hasSuffix("=") { #expect(!line.dropLast().hasSuffix("=") && line.dropLast().suffix(2).count == 2) }
        }
        #expect(lines.contains("=2Edot"))
        #expect(lines.contains("=46rom me"))
        #expect(lines.contains("Fromage =09"))
        #expect(lines.contains { $0.hasSuffix("=3D=20") })
        #expect(!lines.contains { $0.hasPrefix(".") || $0.hasPrefix("From ") })
    }

    @Test("quoted-printable for mostly ASCII, base64 in 76-character lines for mostly Japanese")
    func encodingChoice() {
        #expect(TransferEncoding.encodeText(MessageSamples.englishBody).encoding == .quotedPrintable)
        #expect(
            TransferEncoding.encodeText(
                "Dear 佐藤さん, the first response for retail-jp-42 is due on Monday; please send two references."
            ).encoding == .quotedPrintable)
        #expect(TransferEncoding.encodeText("Hello, 佐藤さん.").encoding == .base64)
        let japanese = TransferEncoding.encodeText(MessageSamples.japaneseBody)
        #expect(japanese.encoding == .base64)
        let lines = japanese.lines.components(separatedBy: "\r\n").dropLast()
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(
            Data(base64Encoded: lines.joined()) == Data(TransferEncoding.normalizedLines(MessageSamples.japaneseBody)))
    }

    @Test("the multipart boundary never occurs in a part, and the same message gets the same one")
    func boundary() {
        let seed = Data("seed".utf8)
        let first = OutgoingMessage.boundary(for: [], seed: seed)
        let second = OutgoingMessage.boundary(for: ["text\r\n--" + first + "\r\nmore"], seed: seed)
        #expect(first != second)
        #expect(second.hasPrefix("=_competency_"))
        #expect(
            OutgoingMessage.boundary(for: ["a"], messageID: "x@y")
                == OutgoingMessage.boundary(for: ["a"], messageID: "x@y"))
        #expect(
            OutgoingMessage.boundary(for: ["a"], messageID: "x@y")
                != OutgoingMessage.boundary(for: ["a"], messageID: "z@y"))
    }

    @Test("attachment names: ASCII quoted, non-ASCII in RFC 2231 with an ASCII name in Content-Type")
    func attachmentHeaders() throws {
        var message = MessageSamples.alert()
        message.attachments = [
            OutgoingAttachment(
                filename: "a \"b\".ics", contentType: "text/calendar; method=REQUEST", data: Data("x".utf8)),
            OutgoingAttachment(filename: "日程表.ics", contentType: "text/calendar; charset=utf-8", data: Data("y".utf8)),
            OutgoingAttachment(filename: "../評価シート_retail.xlsx", contentType: "nonsense", data: Data("z".utf8)),
        ]
        let bytes = message.rendered()
        let lines = try MessageSamples.crlfLines(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(lines.contains("Content-Type: text/calendar; method=REQUEST; charset=UTF-8"))
        #expect(lines.contains("Content-Disposition: attachment; filename=\"a \\\"b\\\".ics\""))
        #expect(lines.contains("Content-Type: text/calendar; charset=utf-8; name=\"attachment.ics\""))
        #expect(
            text.contains("Content-Disposition: attachment;\r\n filename*=UTF-8''%E6%97%A5%E7%A8%8B%E8%A1%A8.ics\r\n"))
        #expect(lines.contains("Content-Type: application/octet-stream; name=\"retail.xlsx\""))
        #expect(!lines.contains { $0.contains("filename=\"..") || $0.contains("/") && $0.contains("filename") })
    }

    @Test("a Mailbox made without parse cannot add a recipient or a header")
    func unparsedMailbox() throws {
        var message = MessageSamples.alert()
        message.to = [Mailbox("pdm@partner.example>, <evil@example.com"), Mailbox("a@b.example\r\nBcc: c@d.example")]
        message.cc = []
        let lines = try MessageSamples.headerLines(message.rendered())
        let to = lines.drop { !$0.hasPrefix("To:") }.prefix { $0.hasPrefix("To:") || $0.hasPrefix(" ") }.joined()
        #expect(to == "To: pdm@partner.example, a@b.example")
        #expect(!lines.contains { $0.hasPrefix("Bcc") })
    }
}
