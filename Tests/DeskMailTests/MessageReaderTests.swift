import DeskTesting
import Foundation
import Testing

@testable import DeskMail

@Suite("Message reader")
struct MessageReaderTests {
    private func utc(_ iso: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: iso))
    }

    @Test("the topmost Received header gives the receipt time")
    func topmostReceived() throws {
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Return-Path: <a@example.com>",
                "Received: from mx.partner.example (mx.partner.example [203.0.113.1])",
                "\tby mx1.office.example (Postfix) with ESMTPS id 4PL5; Sun, 29 Nov 2026 07:03:43 +0900 (JST)",
                "Received: from [10.0.0.1] by mx.partner.example; Sat, 28 Nov 2026 07:03:10 +0900",
                "Received: by laptop; Fri, 27 Nov 2026 01:00:00 +0000",
                "Date: Thu, 26 Nov 2026 07:42:31 +0900",
                "",
                "",
            ]))
        #expect(message.receivedAt == (try utc("2026-11-28T22:03:43Z")))
        #expect(message.date == (try utc("2026-11-25T22:42:31Z")))
        #expect(message.dateHeader == "Thu, 26 Nov 2026 07:42:31 +0900")
    }

    @Test("the date after the last ';' counts, even when the clause before has one")
    func lastSemicolon() throws {
        let message = try MessageReader.read(
            MessageBytes.lines(["Received: from x (helo=y; z) by mx; id 1; Sun, 29 Nov 2026 07:03:43 +0900", ""]))
        #expect(message.receivedAt == (try utc("2026-11-28T22:03:43Z")))
    }

    @Test(
        "no readable receipt time",
        arguments: [
            (["Subject: none"], 0),
            (["Received: from x by y with SMTP"], 1),
            (["Received: from x by y; not a date", "Received: by z; Sun, 29 Nov 2026 07:03:43 +0900"], 1),
        ] as [([String], Int)])
    func noReceiptTime(lines: [String], problemCount: Int) throws {
        let message = try MessageReader.read(MessageBytes.lines(lines + [""]))
        #expect(message.receivedAt == nil)
        #expect(message.problems.count == problemCount)
    }

    @Test("an unreadable Date header is kept as text and reported")
    func unreadableDate() throws {
        let message = try MessageReader.read(MessageBytes.lines(["Date: sometime last week", ""]))
        #expect(message.dateHeader == "sometime last week")
        #expect(message.date == nil)
        #expect(message.problems.count == 1)
    }

    @Test("Message-ID is kept with its angle brackets, trimmed")
    func messageID() throws {
        let message = try MessageReader.read(
            MessageBytes.lines(["Message-ID:   <abc@host.example>  ", "Message-Id: <second@x>", ""]))
        #expect(message.messageID == "<abc@host.example>")
        #expect(try MessageReader.read(MessageBytes.lines(["Message-ID:", ""])).messageID == nil)
    }

    @Test(
        "content type",
        arguments: [
            ("Subject: no content type", "text/plain"),
            ("Content-Type: Multipart/Mixed; boundary=\"==x==\"", "multipart/mixed"),
            ("Content-Type: text/html; charset=\"utf-8\" (comment)", "text/html"),
            (
                "Content-Type:\r\n application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
            ("Content-Type: garbage", "text/plain"),
        ])
    func contentType(line: String, expected: String) throws {
        let message = try MessageReader.read(Array("\(line)\r\n\r\n".utf8))
        #expect(message.contentType == expected)
    }

    @Test("content type parameters")
    func contentTypeParameters() throws {
        let type = try #require(
            ContentType(
                parsing:
                    "multipart/mixed; boundary=\"===============5397593817979572889==\"; Charset=UTF-8 ; x=\"a\\\"b\""))
        #expect(type.parameter("boundary") == "===============5397593817979572889==")
        #expect(type.parameter("charset") == "UTF-8")
        #expect(type.parameter("X") == "a\"b")
        #expect(type.isMultipart)
    }

    @Test("a damaged message is read, with problems, and never throws")
    func damagedMessage() throws {
        let bytes =
            MessageBytes.lines(["From: =?UTF-8?B?%%%?= <a@example.com>", "Subject: =?utf-8?q?ok?= =?bogus?B?5pel?="])
            + [0x58, 0x3A, 0x20, 0xFF, 0xFE, 0x0D, 0x0A]  // X: with bytes no charset decodes cleanly
            + MessageBytes.lines(["Date: 99 Nov 2026 99:99:99", "Content-Type: text", "junk", "", "body"])
        let message = try MessageReader.read(bytes)
        #expect(message.subject == "ok日")
        #expect(message.from?.address == "a@example.com")
        #expect(message.from?.displayName == "=?UTF-8?B?%%%?=")
        #expect(message.date == nil)
        #expect(message.contentType == "text/plain")
        #expect(message.headers["X"]?.contains("\u{FFFD}") == true)
        #expect(
            message.problems == [
                "header line 6 has no 'Name:' and was skipped: \"junk\"",
                "the X header has raw 8-bit bytes that are not UTF-8; read as cp932 (a guess)",
                "X header: 2 byte sequence(s) were not valid cp932 and became U+FFFD",
                "the Content-Type header cannot be read (\"text\"); read as text/plain",
                "Subject: an encoded word names the unknown charset 'bogus'; read as utf-8 (a guess)",
                "From: an encoded word could not be decoded and was kept as written: =?UTF-8?B?%%%?=",
                "the Date header is not a date that can be read: \"99 Nov 2026 99:99:99\"",
            ])
    }

    // Speed is measured in Benchmarks/, not asserted here; this checks the body is a slice of the input.
    @Test("a large body is a slice of the input, not a copy")
    func largeBody() throws {
        let header = MessageBytes.lines(["Subject: big", ""])
        let bytes = header + [UInt8](repeating: 0x41, count: 8 * 1024 * 1024)
        let message = try MessageReader.read(bytes)
        #expect(message.root.body.count == 8 * 1024 * 1024)
        #expect(message.root.body.startIndex == header.count)
    }
}

@Suite("Example submissions")
struct ExampleMessageTests {
    /// `../shared/examples` beside the checkout; absent in a user's clone, where this suite skips.
    static let folder = RepositoryPaths.shared?.appendingPathComponent("examples") ?? URL(fileURLWithPath: "/nonexistent")
    static let available = FileManager.default.fileExists(atPath: folder.appendingPathComponent("saas-yaml.eml").path)

    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var subject: String
        var from: String
        var messageID: String
        var receivedAt: String
        var date: String
        var description: String { file }
    }

    // Values checked against Python's `email` package with the default policy.
    static let expectations = [
        Expectation(
            file: "customer-deployed-xlsx-iso2022jp.eml",
            subject: "[株式会社サクラ小売テック], Retail Competency Technology Partner Completed Self-Assessment",
            from: "佐藤 花子 <hanako.sato@sakura-kouri.example>",
            messageID: "<20261129070343.6b2a8a4d.0003@mail.sakura-kouri.example>",
            receivedAt: "2026-11-28T22:03:43Z", date: "2026-11-28T22:02:21Z"),
        Expectation(
            file: "csv-cp932-japanese-labels.eml",
            subject: "[株式会社ツバメ流通システム], Retail Competency Technology Partner Completed Self-Assessment",
            from: "鈴木 一郎 <ichiro.suzuki@tsubame-ryutsu.example>",
            messageID: "<20261129021815.a60591ea.0005@mail.tsubame-ryutsu.example>",
            receivedAt: "2026-11-28T17:18:15Z", date: "2026-11-28T17:16:08Z"),
        Expectation(
            file: "json-quoted-printable.eml",
            subject: "[Kaede Analytics KK], Retail Competency Technology Partner Completed Self-Assessment",
            from: "Hanako Sato <hanako.sato@kaede-analytics.example>",
            messageID: "<20261124082057.c39d61b6.0007@mail.kaede-analytics.example>",
            receivedAt: "2026-11-23T23:20:57Z", date: "2026-11-23T23:17:43Z"),
        Expectation(
            file: "saas-yaml.eml",
            subject: "[Aozora Commerce KK], Retail Competency Technology Partner Completed Self-Assessment",
            from: "Hanako Sato <hanako.sato@aozora-commerce.example>",
            messageID: "<20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>",
            receivedAt: "2026-11-29T01:54:31Z", date: "2026-11-25T22:42:31Z"),
    ]

    @Test("the four example emails", .enabled(if: available, "needs ../shared/examples beside the checkout"), arguments: expectations)
    func example(expected: Expectation) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(expected.file)))
        let message = try MessageReader.read(bytes)
        let iso = ISO8601DateFormatter()
        #expect(message.subject == expected.subject)
        #expect(message.from?.formatted == expected.from)
        #expect(message.messageID == expected.messageID)
        #expect(message.receivedAt.map(iso.string(from:)) == expected.receivedAt)
        #expect(message.date.map(iso.string(from:)) == expected.date)
        #expect(message.contentType == "multipart/mixed")
        #expect(message.root.contentType.parameter("boundary")?.hasPrefix("===============") == true)
        #expect(message.automaticReply == nil)
        #expect(message.problems.isEmpty)
        #expect(
            message.root.body.starts(with: Array("\n--=====".utf8))
                || message.root.body.starts(with: Array("--=====".utf8)))
    }
}
