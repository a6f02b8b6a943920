import DeskTesting
import Foundation
import Testing

@testable import DeskOutgoing

/// The `sendmail` transport against small shell programs standing in for
/// sendmail: what goes in, what comes out, and what each way of failing means.
@Suite("SendmailTransport: a sendmail-compatible program, exit status and output checked")
struct SendmailTransportTests {
    let message = MessageSamples.alert()

    /// A program: `/bin/sh -c script sendmail` plus `arguments`.
    func transport(_ script: String, _ arguments: [String] = [], timeout: Duration = .seconds(30)) -> SendmailTransport
    {
        SendmailTransport(command: ["/bin/sh", "-c", script, "sendmail"] + arguments, timeout: timeout)
    }

    func deliver(_ transport: SendmailTransport) throws(TransportError) -> DeliveryReceipt {
        try transport.deliver(message.rendered(), messageID: message.messageID, recipients: message.recipients)
    }

    @Test("the message arrives on standard input byte for byte; the recipients are not on the command line")
    func messageOnStandardInput() throws {
        let folder = try TemporaryFolder()
        let received = folder.file("received.eml")
        let arguments = folder.file("arguments.txt")
        let receipt = try deliver(
            transport("printf '%s\\n' \"$@\" > '\(arguments.path)'; cat > '\(received.path)'", ["-t", "-oi"]))
        #expect(receipt == DeliveryReceipt(detail: "/bin/sh exit 0", alreadyThere: false))
        #expect(try Data(contentsOf: received) == message.rendered())
        #expect(try String(contentsOf: arguments, encoding: .utf8) == "-t\n-oi\n")
    }

    @Test(
        "exit statuses: EX_TEMPFAIL and the like are temporary, EX_NOUSER and the like permanent",
        arguments: [
            (75, false), (69, false), (70, false), (71, false), (74, false), (1, false), (76, false),
            (64, true), (65, true), (67, true), (68, true), (77, true), (78, true),
        ] as [(Int32, Bool)])
    func exitStatus(status: Int32, permanent: Bool) throws {
        let error = try #require(throws: TransportError.self) {
            try deliver(transport("cat > /dev/null; echo 'sendmail: it went wrong' >&2; exit \(status)"))
        }
        #expect(error.permanent == permanent)
        #expect(error.exitStatus == status)
        #expect(error.message.contains("/bin/sh exited with status \(status)"))
        #expect(error.message.contains("sendmail: it went wrong"))
        if status == 75 { #expect(error.message.contains("EX_TEMPFAIL")) }
    }

    @Test("the program's output is quoted in the error: first lines only, control characters escaped")
    func outputInError() throws {
        let error = try #require(throws: TransportError.self) {
            try deliver(transport("printf 'one\\033[31m red\\n\\ntwo\\r\\nthree\\nfour\\nfive\\nsix\\n' >&2; exit 75"))
        }
        #expect(error.message.hasSuffix("one\\x1B[31m red | two | three | four | five"))
        #expect(!error.message.contains("six"))
        #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test("the program starts with no signal blocked, whatever the calling thread blocks")
    func cleanSignalMask() throws {
        // grep, not a shell: dash clears its signal mask itself and would hide an inherited one.
        let grep = try #require(
            ["/usr/bin/grep", "/bin/grep"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let receipt = try deliver(
            SendmailTransport(command: [grep, "-q", "^SigBlk:[[:space:]]*0*$", "/proc/self/status"]))
        #expect(!receipt.alreadyThere)
    }

    @Test("a missing program is a permanent error that names it")
    func missingProgram() throws {
        let error = try #require(throws: TransportError.self) {
            try deliver(SendmailTransport(command: ["/usr/sbin/no-such-sendmail", "-t"]))
        }
        #expect(error.permanent)
        #expect(error.message.contains("/usr/sbin/no-such-sendmail"))
        let empty = try #require(throws: TransportError.self) { try deliver(SendmailTransport(command: [])) }
        #expect(empty.permanent)
    }

    @Test("a program that never ends is stopped after the timeout: a temporary error")
    func timeout() throws {
        let started = ContinuousClock.now
        let error = try #require(throws: TransportError.self) {
            try deliver(transport("echo waiting >&2; exec sleep 30", timeout: .milliseconds(300)))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!error.permanent)
        #expect(error.message.contains("did not finish"))
        #expect(error.message.contains("waiting"))
    }

    @Test("a chatty program that ignores its input cannot block the desk")
    func chattyProgram() throws {
        var big = message
        big.textBody = String(repeating: "A long body line that goes on and on.\n", count: 60_000)
        let chatter = transport("head -c 3000000 /dev/zero | tr '\\0' 'x' >&2; exit 0")
        let receipt = try chatter.deliver(big.rendered(), messageID: big.messageID, recipients: big.recipients)
        #expect(receipt.alreadyThere == false)
        // Killed by a signal: temporary.
        let error = try #require(throws: TransportError.self) { try deliver(transport("kill -9 $$")) }
        #expect(!error.permanent)
        #expect(error.message.contains("signal 9"))
    }
}
