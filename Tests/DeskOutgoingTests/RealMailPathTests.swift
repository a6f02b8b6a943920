import DeskTesting
import Foundation
import Testing

@testable import DeskOutgoing

/// The production path of the `sendmail` transport: Debian's msmtp delivering
/// over SMTP to a real server (Python's aiosmtpd) on 127.0.0.1, and what that
/// server received read back with Python's email parser.
@Suite(
    "Real mail path: SendmailTransport → msmtp → SMTP server on 127.0.0.1",
    .serialized,
    .enabled(
        if: RequiredTool.python3.shouldRun && RequiredTool.msmtp.shouldRun && RequiredTool.aiosmtpd.shouldRun,
        "needs python3, msmtp and aiosmtpd (scripts/install-deps installs them)"))
struct RealMailPathTests {
    func requireTools() throws -> String {
        try RequiredTool.python3.require()
        try RequiredTool.msmtp.require()
        try RequiredTool.aiosmtpd.require()
        guard let msmtp = executablePath("msmtp") else { throw TestFailure("msmtp answered but is not on the PATH") }
        return msmtp
    }

    /// msmtp pointed at the test server: no TLS, no authentication, no syslog;
    /// the envelope sender read from the message's From (`--read-envelope-from`),
    /// the recipients from its To and Cc (`-t`).
    func sendmail(_ msmtp: String, port: Int, in folder: TemporaryFolder) throws -> SendmailTransport {
        let configuration = folder.file("msmtprc")
        try Data(
            """
            defaults
            syslog off
            account default
            host 127.0.0.1
            port \(port)
            auth off
            tls off
            timeout 20

            """.utf8
        ).write(to: configuration)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
        return SendmailTransport(
            command: [msmtp, "-C", configuration.path, "--read-envelope-from", "-t"], timeout: .seconds(60))
    }

    @Test("delivered: envelope recipients are To and Cc, the server holds the message unchanged and it reads back")
    func delivers() throws {
        let msmtp = try requireTools()
        let folder = try TemporaryFolder("smtp")
        let server = try SMTPTestServer(folder: folder.file("received"))
        defer { server.stop() }
        let transport = try sendmail(msmtp, port: server.port, in: folder)

        var message = MessageSamples.alert(subject: MessageSamples.longJapaneseSubject)
        message.attachments = [
            OutgoingAttachment(
                filename: "レビュー日程.ics", contentType: "text/calendar; method=REQUEST",
                data: Data("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".utf8))
        ]
        let bytes = message.rendered()
        let receipt = try transport.deliver(bytes, messageID: message.messageID, recipients: message.recipients)
        #expect(receipt == DeliveryReceipt(detail: "\(msmtp) exit 0", alreadyThere: false))

        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].envelope.mailFrom == "retail-jp-office@desk.example.co.jp")
        #expect(received[0].envelope.rcptTos == message.recipients.map(\.address))
        #expect(received[0].message == bytes, "msmtp and SMTP carry the message unchanged")

        for reading in try PythonEmail.read(received[0].message).both {
            #expect(reading.header("Subject") == MessageSamples.longJapaneseSubject)
            #expect(reading.headers["auto-submitted"] == ["auto-generated"])
            #expect(reading.header("Message-ID") == "<\(message.messageID)>")
            #expect(reading.header("In-Reply-To") == "<CAF=x+partner.42@mail.partner.example>")
            #expect(reading.header("References")?.contains("<CAF=x+partner.42@mail.partner.example>") == true)
            #expect(reading.mailboxes("To").map { $0[1] } == ["pdm@partner.example", "hanako.sato@sample.example"])
            #expect(reading.mailboxes("To").first?[0] == "佐藤 花子")
            #expect(reading.body == MessageSamples.japaneseBody + "\n")
            #expect(reading.attachments.first?.filename == "レビュー日程.ics")
        }
    }

    @Test("a Bcc smuggled into the subject never becomes an envelope recipient")
    func injectedBcc() throws {
        let msmtp = try requireTools()
        let folder = try TemporaryFolder("smtp")
        let server = try SMTPTestServer(folder: folder.file("received"))
        defer { server.stop() }
        var message = MessageSamples.alert(subject: "x\r\nBcc: evil@example.com")
        message.extraHeaders = [("X-Note", "y\nCc: evil2@example.com"), ("Bcc", "evil3@example.com")]
        _ = try sendmail(msmtp, port: server.port, in: folder)
            .deliver(message.rendered(), messageID: message.messageID, recipients: message.recipients)
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].envelope.rcptTos == message.recipients.map(\.address))
    }

    @Test("server down: a temporary error (msmtp's EX_TEMPFAIL); back up: the retry delivers exactly one copy")
    func serverDownThenBack() throws {
        let msmtp = try requireTools()
        let folder = try TemporaryFolder("smtp")
        let received = folder.file("received")
        let first = try SMTPTestServer(folder: received)
        let port = first.port
        first.stop()
        let transport = try sendmail(msmtp, port: port, in: folder)
        let message = MessageSamples.alert()
        let bytes = message.rendered()

        let error = try #require(throws: TransportError.self) {
            try transport.deliver(bytes, messageID: message.messageID, recipients: message.recipients)
        }
        #expect(!error.permanent)
        #expect(error.exitStatus == 75, "msmtp exits EX_TEMPFAIL when it cannot connect: \(error)")
        #expect(error.message.contains("EX_TEMPFAIL"))
        #expect(error.message.contains("127.0.0.1"))

        let second = try SMTPTestServer(folder: received, port: port)
        defer { second.stop() }
        let receipt = try transport.deliver(bytes, messageID: message.messageID, recipients: message.recipients)
        #expect(!receipt.alreadyThere)
        let messages = try second.received()
        #expect(messages.count == 1)
        #expect(messages.first?.message == bytes)
    }
}
