import Testing

@testable import DeskMail

@Suite("Transfer encodings")
struct TransferEncodingTests {
    @Test(
        "base64: whitespace and line breaks ignored, junk skipped and counted, missing padding tolerated",
        arguments: [
            ("aGVsbG8gd29ybGQ=", "hello world", 0, false),
            ("aGVs\r\nbG8g\r\n d29y\tbGQ=\r\n", "hello world", 0, false),
            ("aGVs*bG8g\r\nd29y bGQ!", "hello world", 2, true),
            ("aGVsbG8", "hello", 0, true),
            ("aGk=aGk=", "hi", 0, false),  // as Python: the first complete padding ends the data
            ("", "", 0, false),
        ] as [(String, String, Int, Bool)])
    func base64(input: String, expected: String, junk: Int, missingPadding: Bool) {
        let result = TransferDecoding.base64(Array(input.utf8)[...])
        #expect(result.bytes == Array(expected.utf8))
        #expect(result.junkCount == junk)
        #expect(result.missingPadding == missingPadding)
    }

    @Test("base64 problems name the part and count the junk")
    func base64Problems() throws {
        let message = try MessageReader.read(MessageBytes.lines(MIMEFixtures.base64Junk))
        #expect(message.attachments.map(\.bytes) == [Array("hello world".utf8), Array("hello".utf8)])
        #expect(
            message.problems == [
                "part 1 (application/octet-stream): base64 had 2 junk characters, ignored",
                "part 1 (application/octet-stream): base64 ended without its '=' padding",
                "part 2 (application/octet-stream): base64 ended without its '=' padding",
            ])
    }

    @Test(
        "quoted-printable: escapes, soft line breaks in every line ending, bad escapes kept",
        arguments: [
            ("caf=C3=A9", "café", 0),
            ("caf=c3=a9", "café", 0),
            ("soft=\r\nbreak", "softbreak", 0),
            ("soft=\nbreak", "softbreak", 0),
            ("soft=\rbreak", "softbreak", 0),
            ("soft=  \r\nbreak", "softbreak", 0),
            ("a=3Db =ZZ end=", "a=b =ZZ end", 1),
            ("100% =4", "100% =4", 1),
            ("line\r\nnext", "line\r\nnext", 0),
        ] as [(String, String, Int)])
    func quotedPrintable(input: String, expected: String, badEscapes: Int) {
        let result = TransferDecoding.quotedPrintable(Array(input.utf8)[...])
        #expect(String(decoding: result.bytes, as: UTF8.self) == expected)
        #expect(result.badEscapes == badEscapes)
    }

    @Test("a quoted-printable body: decoded, its bad escape reported by part")
    func quotedPrintableBody() throws {
        let message = try MessageReader.read(MessageBytes.lines(MIMEFixtures.qp))
        let part = message.root.children[0]
        #expect(part.decodedBody().bytes == Array("café softbreak a=b =ZZ end".utf8))
        #expect(message.text == "café softbreak a=b =ZZ end")
        #expect(
            message.problems == [
                "part 1 (text/plain): quoted-printable had 1 '=' not followed by two hex digits, kept as written"
            ])
    }

    @Test(
        "7bit, 8bit and binary are kept as they are; an unknown encoding too, with a problem",
        arguments: [("7bit", 0), ("8BIT", 0), ("binary", 0), ("x-gzip64", 1)])
    func identity(encoding: String, problems: Int) throws {
        let message = try MessageReader.read(
            MessageBytes.lines(["Content-Transfer-Encoding: \(encoding)", "Content-Type: text/plain; charset=utf-8", "", "ok é"]))
        let decoded = message.root.decodedBody()
        #expect(decoded.bytes == Array("ok é\r\n".utf8))
        #expect(decoded.problems.count == problems)
    }

    @Test("x-uuencode bodies and inline uuencoded files")
    func uuencode() throws {
        // "hello world" uuencoded.
        let encoded = ["begin 644 hello.txt", "+:&5L;&\\@=V]R;&0`", "`", "end"]
        let message = try MessageReader.read(
            MessageBytes.lines(["Subject: uu", "", "Here it is:", ""] + encoded + ["", "bye"]))
        #expect(message.attachments.map(\.filename) == ["hello.txt"])
        #expect(message.attachments.first?.bytes == Array("hello world".utf8))
        #expect(message.text == "Here it is:\n\n\nbye\n")

        let part = MessagePart(
            headers: MessageHeaders([HeaderField(name: "Content-Transfer-Encoding", value: "x-uuencode")]),
            body: MessageBytes.lines(encoded)[...])
        #expect(part.decodedBody().bytes == Array("hello world".utf8))
    }
}

@Suite("Parameters and file names")
struct ParameterTests {
    private func filename(_ headerLines: [String]) throws -> String? {
        try MessageReader.read(MessageBytes.lines(headerLines + ["", "x"])).root.filename
    }

    @Test(
        "RFC 2231 and RFC 2047 file names",
        arguments: [
            (["Content-Disposition: attachment; filename=\"plain.pdf\""], "plain.pdf"),
            (["Content-Type: application/pdf; name=\"from-type.pdf\""], "from-type.pdf"),
            (
                ["Content-Type: application/pdf; name=\"type.pdf\"", "Content-Disposition: attachment; filename=disp.pdf"],
                "disp.pdf"
            ),
            (["Content-Disposition: attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.txt"], "日本.txt"),
            (["Content-Disposition: attachment; filename*=UTF-8'ja'%E6%97%A5%E6%9C%AC.txt"], "日本.txt"),
            // Continuations out of order, an unencoded one among them.
            (
                [
                    "Content-Disposition: attachment; filename*2=\".txt\"; filename*1*=%E6%9C%AC;",
                    " filename*0*=utf-8'ja'%E6%97%A5",
                ], "日本.txt"
            ),
            // A multibyte character split across two continuations.
            (["Content-Disposition: attachment; filename*0*=utf-8''%E6%97; filename*1*=%A5.txt"], "日.txt"),
            // A percent escape itself split across two continuations.
            (["Content-Disposition: attachment; filename*0*=utf-8''%E6%9; filename*1*=7%A5.txt"], "日.txt"),
            (["Content-Disposition: attachment; filename*0*=iso-2022-jp''%1B$BF|%1B(B.csv"], "日.csv"),
            (["Content-Disposition: attachment; filename*0=\"long \"; filename*1=\"name.txt\""], "long name.txt"),
            (["Content-Type: application/octet-stream; name=\"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=.xlsx\""], "日本語.xlsx"),
            (["Content-Disposition: attachment; filename=\"=?UTF-8?Q?caf=C3=A9?= menu.pdf\""], "café menu.pdf"),
            (["Content-Disposition: attachment; filename=\"  \""], nil),
            (["Content-Disposition: inline"], nil),
        ] as [([String], String?)])
    func filenames(headers: [String], expected: String?) throws {
        #expect(try filename(headers) == expected)
    }

    @Test(
        "an RFC 2231 name wins over a lossy plain one written beside it",
        arguments: [
            (["Content-Disposition: attachment; filename=\"????.pdf\"; filename*=utf-8''%E6%97%A5%E6%9C%AC.pdf"], "日本.pdf"),
            (["Content-Disposition: attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.pdf; filename=\"____.pdf\""], "日本.pdf"),
            (
                ["Content-Disposition: attachment; filename=\"??.csv\"; filename*0*=utf-8''%E6%97%A5; filename*1=\".csv\""],
                "日.csv"
            ),
            (["Content-Type: text/csv; name=\"_.csv\"; name*=utf-8''%E6%97%A5.csv"], "日.csv"),
            (
                ["Content-Type: text/csv; name*=utf-8''%E6%97%A5.csv", "Content-Disposition: attachment; filename=\"_.csv\""],
                "日.csv"
            ),
        ] as [([String], String)])
    func rfc2231WinsOverPlain(headers: [String], expected: String) throws {
        #expect(try filename(headers) == expected)
    }

    @Test("Content-Disposition: attachment without a name makes an attachment")
    func namelessAttachment() throws {
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "body", "--b",
                "Content-Type: application/octet-stream", "Content-Disposition: ATTACHMENT", "", "data", "--b--",
            ]))
        let attachment = try #require(message.attachments.first)
        #expect(attachment.filename == nil)
        #expect(attachment.safeFilename == "attachment")
        #expect(attachment.bytes == Array("data".utf8))
    }

    @Test(
        "safe file names",
        arguments: [
            ("report.xlsx", "report.xlsx"),
            ("../../etc/passwd", "etc_passwd"),
            ("a/b", "a_b"),
            ("C:\\Users\\x\\evil.exe", "C:_Users_x_evil.exe"),
            ("..", "attachment"),
            ("", "attachment"),
            (".bashrc", "bashrc"),
            ("tab\there\u{0}nul\u{7F}.txt", "tabherenul.txt"),
            ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
            ("name. . ", "name"),
            ("日本語の資料.pdf", "日本語の資料.pdf"),
        ])
    func safeFilenames(name: String, expected: String) {
        #expect(SafeFilename.make(from: name) == expected)
    }

    @Test("a nil name is made safe too, and long names are capped keeping the extension")
    func safeFilenameEdges() {
        #expect(SafeFilename.make(from: nil) == "attachment")
        let long = SafeFilename.make(from: String(repeating: "資", count: 300) + ".xlsx")
        #expect(long.utf8.count <= SafeFilename.maximumBytes)
        #expect(long.hasSuffix(".xlsx"))
        #expect(long.hasPrefix("資資"))
    }

    @Test("SHA-256 and size of a known attachment")
    func sha256() throws {
        let message = try MessageReader.read(MessageBytes.lines(MIMEFixtures.sha))
        let attachment = try #require(message.attachments.first)
        #expect(attachment.filename == "hello.txt")
        #expect(attachment.safeFilename == "hello.txt")
        #expect(attachment.contentType == "application/octet-stream")
        #expect(attachment.size == 11)
        #expect(attachment.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        #expect(Attachment(filename: nil, contentType: "x/y", bytes: []).sha256
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("Message text")
struct MessageTextTests {
    @Test("an ISO-2022-JP body labelled us-ascii is read as ISO-2022-JP, and the guess recorded")
    func mislabelledISO2022JP() throws {
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: text/plain; charset=us-ascii", "", "\u{1B}$BF|K\\8l\u{1B}(B text",
            ]))
        #expect(message.text == "日本語 text\n")
        #expect(
            message.problems == [
                "the message body (text/plain): the text has ISO-2022-JP escape sequences but is labelled us-ascii; read as iso-2022-jp"
            ])
    }

    @Test("an unlabelled 8-bit body is guessed, and the guess recorded")
    func unlabelledShiftJIS() throws {
        // 日本語です in CP932.
        let body: [UInt8] = [0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA, 0x82, 0xC5, 0x82, 0xB7]
        let message = try MessageReader.read(MessageBytes.lines(["Subject: sjis", ""]) + body)
        #expect(message.text == "日本語です")
        #expect(message.problems.count == 1)
        #expect(message.problems.first?.contains("read as cp932 (a guess)") == true)
    }

    @Test("a labelled body is decoded by its charset; line ends become LF")
    func labelled() throws {
        let body: [UInt8] = Array("=?".utf8) + [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x1B, 0x28, 0x42]
        let message = try MessageReader.read(
            MessageBytes.lines(["Content-Type: text/plain; charset=ISO-2022-JP", ""]) + body + [0x0D, 0x0A, 0x41])
        #expect(message.text == "=?日\nA")
        #expect(message.problems.isEmpty)
    }

    @Test("no text/plain part: text is nil; an attached text file is not the text")
    func noText() throws {
        let html = try MessageReader.read(MessageBytes.lines(["Content-Type: text/html", "", "<p>x</p>"]))
        #expect(html.text == nil)
        let attachedOnly = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/html", "", "<p>x</p>", "--b",
                "Content-Type: text/plain; name=a.txt", "Content-Disposition: attachment", "", "file", "--b--",
            ]))
        #expect(attachedOnly.text == nil)
        #expect(attachedOnly.attachments.map(\.filename) == ["a.txt"])
    }

    @Test("the first inline text/plain is the text even with a name; every named part is an attachment")
    func namedBodyText() throws {
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain; name=a.txt", "",
                "first", "--b", "Content-Type: text/plain; name=b.txt", "", "second", "--b--",
            ]))
        #expect(message.text == "first")
        #expect(message.attachments.map(\.filename) == ["a.txt", "b.txt"])
    }

    @Test("attachments are every named or `attachment` leaf part at any depth, attached messages included")
    func everyMarkedPart() throws {
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain", "", "body",
                "--b", "Content-Type: multipart/alternative; boundary=c", "", "--c", "Content-Type: text/plain", "",
                "alt", "--c", "Content-Type: image/png; name=inline.png", "Content-Disposition: inline", "", "png",
                "--c--", "--b", "Content-Type: message/rfc822; name=fwd.eml", "", "Subject: inner",
                "Content-Type: application/octet-stream; name=inner.bin", "", "xyz", "--b",
                "Content-Type: message/external-body; name=elsewhere.txt; access-type=anon-ftp", "",
                "Content-Type: text/plain", "", "--b", "Content-Type: text/csv", "Content-Disposition: attachment", "",
                "a,b", "--b--",
            ]))
        #expect(message.text == "body")
        #expect(message.attachments.map(\.filename) == ["inline.png", "inner.bin", nil])
        #expect(message.attachments.map(\.section) == ["2.2", "3", "5"])
    }

    @Test("7bit and quoted-printable attachments have LF line ends whatever the file used; base64 is kept byte for byte")
    func attachmentLineEnds() throws {
        for ending in MessageBytes.LineEnding.allCases {
            let message = try MessageReader.read(
                MessageBytes.lines(
                    [
                        "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain; name=a.txt", "",
                        "one", "two", "--b", "Content-Type: text/plain; name=q.txt",
                        "Content-Transfer-Encoding: quoted-printable", "", "caf=C3=A9", "end", "--b",
                        "Content-Type: application/octet-stream; name=c.bin", "Content-Transfer-Encoding: base64", "",
                        "b25lDQp0d28=", "--b--",
                    ], ending: ending))
            #expect(message.attachments.map(\.bytes) == [Array("one\ntwo".utf8), Array("café\nend".utf8), Array("one\r\ntwo".utf8)], "\(ending)")
        }
    }

    @Test("an unreadable Content-Type still gives its parameters: the file name of `BINARY;name=…`")
    func unreadableContentTypeName() throws {
        // As in flanker's torture.eml.
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: BINARY;name=\"Alices_PDP-10\"", "",
                "data", "--b--",
            ]))
        #expect(message.attachments.map(\.filename) == ["Alices_PDP-10"])
        #expect(message.root.children[0].contentType.mimeType == "text/plain")
    }

    @Test("an attached message saved from an mbox keeps its `From ` line out of its header")
    func attachedMessageWithEnvelopeLine() throws {
        // As ruby-mail's attachment_message_rfc822.eml.
        let message = try MessageReader.read(
            MessageBytes.lines([
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: message/rfc822", "",
                "From someone@example.com Tue May 10 11:28:07 2005", "Subject: inner",
                "Content-Type: application/pdf; name=broken.pdf", "", "%PDF", "--b--",
            ]))
        let inner = try #require(message.root.children.first?.children.first)
        #expect(inner.headers["Subject"] == "inner")
        #expect(message.attachments.map(\.filename) == ["broken.pdf"])
    }
}
